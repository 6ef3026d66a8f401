"""ikou on Spark (local mode) against the CLI on the same input: wall seconds, records/s.

usage: python3 crates/python/bench/spark_vs_cli.py path/to/ikou|- INPUT.dat RUNS [MASTER]
(the `ikou` package and pyspark 4 installed; MASTER defaults to local[2]). Prints a Markdown
table (docs/SPARK.md, docs/BENCHMARKS.md). Each Spark figure is one job from the DataFrame
definitions to the result, in a SparkSession started once (not timed): the rows and rejects
written as Parquet (the per-record work, cross-record checks included, with `check`), and
the same with the accounting check (which reads the inputs once more). Writes under
/tmp/spark-bench-* (replaced each run).
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import time

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
from pyspark.sql import SparkSession  # noqa: E402

import ikou  # noqa: E402
import ikou.spark  # noqa: E402

cli, path, runs = sys.argv[1], os.path.abspath(sys.argv[2]), int(sys.argv[3])
master = sys.argv[4] if len(sys.argv) > 4 else "local[2]"
size = os.path.getsize(path)
spark = (SparkSession.builder.master(master).appName("ikou-bench")
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
ikou.spark.register(spark)
PART = 16 << 20


def cpu_child():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def spark_job(with_accounting):
    opts = {"profile": "sample-juki", "partition_bytes": PART}
    rows = spark.read.format("ikou").options(**opts).load(path)
    rejects = spark.read.format("ikou").options(**opts).option("output", "rejects").load(path)
    rows, rejects = ikou.spark.check(rows, rejects, profile="sample-juki")
    out = "/tmp/spark-bench-out"
    shutil.rmtree(out, ignore_errors=True)
    rows.write.parquet(out + "/rows")
    rejects.write.parquet(out + "/rejects")
    if with_accounting:
        r2 = spark.read.parquet(out + "/rows")
        j2 = spark.read.parquet(out + "/rejects")
        s = ikou.spark.accounting(spark, path, r2, j2, profile="sample-juki",
                                  partition_bytes=PART)
        return s["counts"]["output_records"]
    return spark.read.parquet(out + "/rows").count()


res = {}
for i in range(runs):
    for name in ["cli-minimal", "py-convert-minimal", "spark-check-parquet",
                 "spark-check-parquet-accounting"]:
        t, k0 = time.perf_counter(), cpu_child()
        if name == "cli-minimal" and cli == "-":
            continue  # no CLI binary given: py-convert-minimal is the same engine in-process
        if name == "cli-minimal":
            subprocess.run([cli, "convert", "--profile", "sample-juki", path, "--out",
                            "/tmp/spark-bench-cli", "--force", "--quiet", "--outputs", "minimal"],
                           check=True, stdout=subprocess.DEVNULL)
            n = None
        elif name == "py-convert-minimal":
            n = ikou.convert("sample-juki", path, "/tmp/spark-bench-py", force=True,
                             outputs="minimal")["counts"]["output_records"]
        else:
            n = spark_job(name.endswith("accounting"))
        wall = time.perf_counter() - t
        res.setdefault(name, []).append((wall, cpu_child() - k0, n))
        print(name, f"{wall:.2f}", file=sys.stderr)
with open("/tmp/spark-bench-py/manifest.json") as f:
    counts = json.load(f)["counts"]
recs = counts["input_records"]
print(f"input {path}: {size/1e6:.1f} MB, {recs} records ({counts['output_records']} rows); "
      f"{master}, partition_bytes {PART}; load avg {os.getloadavg()[0]:.1f}; Spark {spark.version}")
print("| contender | wall s (median of %d) | records/s (wall) | MB/s | rows out |" % runs)
print("|---|---:|---:|---:|---:|")
for name, v in res.items():
    v.sort()
    w, c, n = v[len(v) // 2]
    print(f"| {name} | {w:.2f} | {recs/w:,.0f} | {size/1e6/w:.1f} | "
          f"{n if n is not None else counts['output_records']} |")
spark.stop()
