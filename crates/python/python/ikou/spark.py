"""ikou on Apache Spark 4: a PySpark data source (the Python Data Source API) that converts
legacy files in byte-range partitions, the cross-record checks as Spark operations, and the
accounting over the cluster. See docs/SPARK.md.

    import ikou.spark
    ikou.spark.register(spark)
    rows = spark.read.format("ikou").option("profile", "sample-juki").load(path)
    rejects = (spark.read.format("ikou").option("profile", "sample-juki")
               .option("output", "rejects").load(path))
    rows, rejects = ikou.spark.check(rows, rejects, profile="sample-juki")
    summary = ikou.spark.accounting(spark, path, rows, rejects, profile="sample-juki",
                                    out="summary.json")

Each partition is a byte range of one file, cut at record boundaries (fixed-length records
without a terminator: multiples of the record length; terminated records: the byte after the
first terminator at or after the range's start, as Hadoop's line reader does); it runs ikou's
framing, decoding, cleansing, mapping and target checks on its range in Rust and yields Arrow
batches. The cross-record checks (duplicate keys, households) need every record: `check`
does them with a groupBy and joins and gives the rejects `ikou convert` gives.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from . import _ikou
from ._ikou import InputError, UsageError

try:
    from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition
except ImportError as e:  # pragma: no cover - the message says what to install
    raise ImportError(
        "ikou.spark needs PySpark 4 (the Python Data Source API): pip install 'pyspark>=4'"
    ) from e

__all__ = [
    "register",
    "check",
    "accounting",
    "IkouDataSource",
    "DEFAULT_PARTITION_BYTES",
]

#: Bytes of input per partition unless the option `partition_bytes` says otherwise.
DEFAULT_PARTITION_BYTES = 64 << 20

#: Options of the data source (beside `path`/`paths` from `load`).
OPTIONS = (
    "profile",
    "specs",
    "gaiji",
    "allow_outside_specs",
    "input_check",
    "output",
    "partition_bytes",
    "batch_records",
    "paths",
    "path",
)

_PLANS: Dict[Tuple, Any] = {}


def _plan(profile: str, specs: Sequence[str] = (), gaiji: Optional[str] = None,
          allow_outside_specs: bool = False, inputs: Sequence[str] = (),
          input_check: bool = True):
    """The profile resolved for reading ranges, once per process (driver or executor)."""
    key = (profile, tuple(specs), gaiji, allow_outside_specs)
    if inputs and input_check:
        # The inputs are checked against the profile once, on the driver, as convert does.
        p = _ikou.range_plan(profile, list(specs), gaiji, allow_outside_specs,
                             list(inputs), True)
        _PLANS.setdefault(key, p)
        return p
    p = _PLANS.get(key)
    if p is None:
        p = _ikou.range_plan(profile, list(specs), gaiji, allow_outside_specs)
        _PLANS[key] = p
    return p


def _flag(v: Any, default: bool) -> bool:
    if v is None:
        return default
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("true", "1", "yes"):
        return True
    if s in ("false", "0", "no"):
        return False
    raise UsageError(f"not a boolean option value: {v!r} (true or false)")


def _list(v: Any) -> List[str]:
    if v is None or v == "":
        return []
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v]
    s = str(v)
    if s.startswith("["):
        return [str(x) for x in json.loads(s)]
    return [x for x in s.split(",") if x]


class _Options:
    """The data source's options, parsed (Spark hands them over as strings)."""

    def __init__(self, options: Any):
        o = {str(k).lower(): v for k, v in dict(options).items()}
        unknown = sorted(k for k in o if k not in OPTIONS)
        if unknown:
            raise UsageError(
                f"unknown option {', '.join(unknown)} of the ikou data source "
                f"(one of: {', '.join(OPTIONS)})"
            )
        self.profile = o.get("profile")
        if not self.profile:
            raise UsageError('the ikou data source needs .option("profile", …)')
        self.specs = _list(o.get("specs"))
        self.gaiji = o.get("gaiji") or None
        self.allow_outside_specs = _flag(o.get("allow_outside_specs"), False)
        self.input_check = _flag(o.get("input_check"), True)
        self.output = o.get("output") or "rows"
        if self.output not in ("rows", "rejects", "counts"):
            raise UsageError(f"unknown output `{self.output}` (rows, rejects or counts)")
        self.partition_bytes = int(o.get("partition_bytes") or DEFAULT_PARTITION_BYTES)
        if self.partition_bytes < 1:
            raise UsageError(f"partition_bytes {self.partition_bytes} is not positive")
        self.batch_records = int(o.get("batch_records") or 4096)
        self.paths = _list(o.get("paths")) or _list(o.get("path"))
        if not self.paths:
            raise UsageError("no input: .load(path) or .load([path, …])")

    def plan(self, check_inputs: bool = False):
        return _plan(self.profile, self.specs, self.gaiji, self.allow_outside_specs,
                     self.paths if check_inputs else (), self.input_check)


class RangePartition(InputPartition):
    """One byte range `[start, end)` of one file (moved to record boundaries when read)."""

    def __init__(self, path: str, start: int, end: int):
        super().__init__((path, start, end))
        self.path = path
        self.start = start
        self.end = end


def _ranges(plan: Any, paths: Sequence[str], partition_bytes: int) -> List[RangePartition]:
    parts = []
    for p in paths:
        try:
            size = os.path.getsize(p)
        except OSError as e:
            raise InputError(f"{p}: {e.strerror or e}") from e
        if not plan.splittable() or size <= partition_bytes:
            parts.append(RangePartition(p, 0, size))
            continue
        start = 0
        while start < size:
            end = min(start + partition_bytes, size)
            parts.append(RangePartition(p, start, end))
            start = end
    return parts


class _Reader(DataSourceReader):
    def __init__(self, opts: _Options):
        self.opts = opts

    def partitions(self) -> Sequence[InputPartition]:
        return _ranges(self.opts.plan(), self.opts.paths, self.opts.partition_bytes)

    def read(self, partition: InputPartition) -> Iterator[Any]:
        import pyarrow as pa

        o = self.opts
        stream = o.plan().read_range(partition.path, partition.start, partition.end,
                                     o.output, o.batch_records)
        reader = pa.RecordBatchReader.from_stream(stream)
        for batch in reader:
            yield batch


class IkouDataSource(DataSource):
    """`spark.read.format("ikou")`: converted rows (`output` `rows`, the default), rejects
    (`rejects`) or the counts of each partition (`counts`) of legacy files."""

    @classmethod
    def name(cls) -> str:
        return "ikou"

    def schema(self):
        from pyspark.sql.types import LongType, StringType, StructField, StructType

        o = _Options(self.options)
        # The driver checks the inputs against the profile here, once (input_check).
        cols = o.plan(check_inputs=True).columns(o.output)
        return StructType([
            StructField(n, LongType() if t == "long" else StringType(), True,
                        {"ikou.name": name} if name else None)
            for n, t, name in cols
        ])

    def reader(self, schema):
        return _Reader(_Options(self.options))


def register(spark: Any) -> None:
    """Registers the `ikou` data source with a SparkSession."""
    spark.dataSource.register(IkouDataSource)


# ---------------------------------------------------------------- cross-record checks

def _merge_udf(profile: str, specs: Sequence[str], gaiji: Optional[str],
               allow_outside_specs: bool, after_keys: Sequence[str]):
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    spec = (profile, tuple(specs), gaiji, allow_outside_specs)
    keys = list(after_keys)

    def merge(kinds, reasons, after, dups, heads):
        plan = _plan(spec[0], spec[1], spec[2], spec[3])
        values = dict(zip(keys, list(after or [])))
        dup_counts = [None if d is None else int(d) for d in (dups or [])]
        return plan.merge_reasons(kinds, reasons, values, dup_counts,
                                  None if heads is None else int(heads))

    return F.udf(merge, StructType([StructField("kinds", StringType()),
                                    StructField("reasons", StringType())]))


def check(rows: Any, rejects: Any, profile: str, specs: Sequence[str] = (),
          gaiji: Optional[str] = None, allow_outside_specs: bool = False) -> Tuple[Any, Any]:
    """The cross-record checks of the profile (duplicate keys, households) over every record,
    as Spark operations: returns `(rows, rejects)` — the rows that pass, and the rejects
    with the records the checks reject added (and the checks' reasons added to the rejects
    they also concern), as `ikou convert` gives them.

    `rows` and `rejects` are the data source's two outputs over the same inputs and options.
    Pass 1 of the CLI becomes a groupBy per unique key and one for the households (counted
    over rows and rejects alike, as the CLI counts every data record); pass 2's verdict a
    left join of each record's value on those counts. A row the checks reject has no
    `raw_hex` (the data source's rows do not carry their bytes); its `file` and
    `byte_offset` find it.
    """
    from pyspark.sql import functions as F

    plan = _plan(profile, specs, gaiji, allow_outside_specs)
    unique, household = plan.check_items()
    check_cols = [c for c in rejects.columns if c.startswith("_check_")]
    after_keys = [c[len("_after_"):] for c in rejects.columns if c.startswith("_after_")]
    item_cols = [c for c in rows.columns if not c.startswith("_")]
    rows_out = rows.drop(*[c for c in rows.columns if c.startswith("_check_")])
    rej_cols = ["file", "byte_offset", "kinds", "reasons", "raw_hex"]
    if not unique and household is None:
        return rows_out, rejects.select(*rej_cols)

    every = rows.select(*check_cols).unionByName(rejects.select(*check_cols))
    counts = []  # (after column name, counts DataFrame, value column, count column)
    for i, k in enumerate(unique):
        c = f"_check_{k}"
        d = (every.where(F.col(c).isNotNull()).groupBy(c).count()
             .where(F.col("count") > 1)
             .select(F.col(c).alias(f"_dv{i}"), F.col("count").cast("int").alias(f"_dn{i}")))
        counts.append((k, d, f"_dv{i}", f"_dn{i}"))
    heads_df = None
    if household is not None:
        home, head, head_value = household
        hc, hh = f"_check_{home}", f"_check_{head}"
        heads_df = (every.where(F.col(hc).isNotNull()).groupBy(hc)
                    .agg(F.sum(F.when(F.col(hh) == F.lit(head_value), 1).otherwise(0))
                         .cast("int").alias("_hn"))
                    .where(F.col("_hn") != 1)
                    .select(F.col(hc).alias("_hv"), "_hn"))

    merge = _merge_udf(profile, specs, gaiji, allow_outside_specs, after_keys)

    def judge(df, after_of):
        for k, d, vcol, ncol in counts:
            df = df.join(d, df[after_of(k)] == d[vcol], "left").drop(vcol)
        if heads_df is not None:
            df = (df.join(heads_df, df[after_of(household[0])] == heads_df["_hv"], "left")
                  .drop("_hv"))
        else:
            df = df.withColumn("_hn", F.lit(None).cast("int"))
        dn = [F.col(ncol) for _, _, _, ncol in counts]
        hit = F.col("_hn").isNotNull()
        for c in dn:
            hit = hit | c.isNotNull()
        return df.withColumn("_hit", hit), dn

    # Rows: the after values are the item columns.
    r, dn = judge(rows, lambda k: k)
    r = r.withColumn("_m", F.when(
        F.col("_hit"),
        merge(F.lit(None).cast("string"), F.lit(None).cast("string"),
              F.array(*[F.col(k) for k in after_keys]), F.array(*dn), F.col("_hn"))))
    rows_ok = r.where(~F.col("_hit")).select("_file", "_byte_offset", *item_cols)
    rows_rejected = r.where(F.col("_hit")).select(
        F.col("_file").alias("file"), F.col("_byte_offset").alias("byte_offset"),
        F.col("_m.kinds").alias("kinds"), F.col("_m.reasons").alias("reasons"),
        F.lit(None).cast("string").alias("raw_hex"))
    # Rejects: their after values are `_after_<key>`.
    j, dn = judge(rejects, lambda k: f"_after_{k}")
    j = j.withColumn("_m", F.when(
        F.col("_hit"),
        merge(F.col("kinds"), F.col("reasons"),
              F.array(*[F.col(f"_after_{k}") for k in after_keys]), F.array(*dn),
              F.col("_hn"))))
    rejects_all = j.select(
        "file", "byte_offset",
        F.when(F.col("_hit"), F.col("_m.kinds")).otherwise(F.col("kinds")).alias("kinds"),
        F.when(F.col("_hit"), F.col("_m.reasons")).otherwise(F.col("reasons")).alias("reasons"),
        "raw_hex",
    ).unionByName(rows_rejected)
    return rows_ok, rejects_all


# ---------------------------------------------------------------- accounting

def accounting(spark: Any, paths: Union[str, Sequence[str]], rows: Any, rejects: Any,
               profile: str, out: Optional[str] = None, **options: Any) -> dict:
    """Checks the accounting of a conversion on Spark and returns (and writes to `out`, as
    JSON) a manifest-like summary.

    Reads the data source's `counts` output over `paths` with the same `options`
    (`partition_bytes`, `specs`, …): one row per partition with its byte range, the record
    boundaries it moved to, and its physical, header, trailer, input, row and reject counts.
    Checks that each file's partitions tile it (the first starts at 0, each starts where the
    one before ended, the last ends at the file's size), that every partition's
    `input = rows + rejected`, and that the records handed on, summed over the partitions,
    equal `rows.count() + rejects.count()` (the DataFrames given, after `check` or not).
    Raises `ikou.InputError` naming what does not hold.
    """
    from pyspark.sql import functions as F

    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    paths = [str(p) for p in paths]
    reader = spark.read.format("ikou").option("profile", profile).option("output", "counts")
    for k, v in options.items():
        reader = reader.option(k, json.dumps(v) if isinstance(v, (list, tuple)) else str(v))
    parts = [r.asDict() for r in reader.load(paths).collect()]
    problems = []
    inputs = []
    for p in paths:
        size = os.path.getsize(p)
        mine = sorted((x for x in parts if x["file"] == p), key=lambda x: x["start"])
        pos = 0
        for x in mine:
            if x["first"] == x["last"]:
                continue  # a range holding no record start (inside one record)
            if x["first"] != pos:
                problems.append(f"{p}: bytes {pos}..{x['first']} are in no partition")
            pos = x["last"]
        if pos != size:
            problems.append(f"{p}: bytes {pos}..{size} are in no partition")
        inputs.append({
            "path": p,
            "bytes": size,
            "partitions": len(mine),
            "records": sum(x["input"] for x in mine),
            "header_records": sum(x["header"] for x in mine),
            "trailer_records": sum(x["trailer"] for x in mine),
        })
    for x in parts:
        if x["input"] != x["rows"] + x["rejected"]:
            problems.append(
                f"{x['file']} bytes {x['first']}..{x['last']}: {x['input']} records ≠ "
                f"{x['rows']} rows + {x['rejected']} rejected")
    n_in = sum(x["input"] for x in parts)
    n_rows = rows.count()
    n_rej = rejects.count()
    if n_in != n_rows + n_rej:
        problems.append(
            f"accounting failed: {n_in} input records ≠ {n_rows} rows + {n_rej} rejected")
    by_reason: Dict[str, int] = {}
    for r in (rejects.select(F.explode(F.split("kinds", r"\|")).alias("k"))
              .groupBy("k").count().collect()):
        by_reason[r["k"]] = r["count"]
    summary = {
        "profile": profile,
        "engine": "spark",
        "spark_version": spark.version,
        "inputs": inputs,
        "partitions": sorted(parts, key=lambda x: (x["file"], x["start"])),
        "counts": {
            "input_records": n_in,
            "output_records": n_rows,
            "rejected_records": n_rej,
            "physical_records": sum(x["physical"] for x in parts),
            "header_records": sum(x["header"] for x in parts),
            "trailer_records": sum(x["trailer"] for x in parts),
            "rejects_by_reason": dict(sorted(by_reason.items())),
        },
        "accounting_ok": not problems,
        "problems": problems,
    }
    if out is not None:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(summary, f, ensure_ascii=False, indent=2)
            f.write("\n")
    if problems:
        raise InputError("; ".join(problems))
    return summary
