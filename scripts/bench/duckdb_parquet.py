#!/usr/bin/env python3
"""DuckDB writing Parquet from UTF-8 text: what a user chains after `iconv`.

A benchmark contender (see docs/BENCHMARKS.md), not part of ikou.

`fixed` (default): the input is the `iconv -f CP932 -t UTF-8` output of a
`legacy/sample-juki` file — one fixed-length record per CRLF line. DuckDB reads each line
as one VARCHAR column, slices the items by *character* positions (the byte positions of
the CP932 layout no longer apply after transcoding; a full-width item of 40 bytes is 20
characters), strips the padding (spaces and U+3000) and writes Parquet. Characters are not
bytes: records with mixed-width items (an ASCII digit in 住所, a space in 氏名) are sliced
wrongly — nothing notices. No kana folding, no dates, no validation.

`csv`: the input is a UTF-8 CSV with a header (ikou's standard CSV of the same records);
DuckDB reads it with every column as VARCHAR and writes Parquet — the bare "UTF-8 CSV →
Parquet" cost.

Parquet is written uncompressed, like ikou's. `--threads N` sets DuckDB's `threads`
(0: DuckDB's default, all cores).

    python3 duckdb_parquet.py --threads 1 IN.utf8 OUT.parquet
    python3 duckdb_parquet.py --mode csv --threads 0 jumin.csv OUT.parquet
"""

import argparse
import sys

import duckdb

# (key, characters) in record order; full-width items count 2 bytes per character.
FIXED = [
    ("atena_no", 10),
    ("setai_no", 10),
    ("juminhyo_code", 11),
    ("kojin_bango", 12),
    ("shimei", 20),
    ("shimei_kana", 40),
    ("birth_date", 7),
    ("sex", 1),
    ("zokugara", 2),
    ("postal_code", 7),
    ("address", 40),
    ("katagaki", 20),
    ("jumin_date", 7),
    ("ido_date", 7),
    ("ido_jiyu", 2),
    ("shojo_date", 7),
    ("jumin_jotai", 1),
]


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def fixed_sql(inp, out):
    cols = []
    pos = 1
    for key, n in FIXED:
        cols.append(f"nullif(trim(substr(line, {pos}, {n}), ' \u3000'), '') AS {key}")
        pos += n
    src = (
        f"read_csv({quote(inp)}, columns = {{'line': 'VARCHAR'}}, header = false, "
        "delim = '\x01', quote = '', escape = '', auto_detect = false)"
    )
    select = "SELECT " + ", ".join(cols) + " FROM " + src
    return f"COPY ({select}) TO {quote(out)} (FORMAT parquet, COMPRESSION uncompressed)"


def csv_sql(inp, out):
    src = f"read_csv({quote(inp)}, header = true, all_varchar = true)"
    return f"COPY (SELECT * FROM {src}) TO {quote(out)} (FORMAT parquet, COMPRESSION uncompressed)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["fixed", "csv"], default="fixed")
    ap.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: all cores)")
    ap.add_argument("input")
    ap.add_argument("output")
    a = ap.parse_args()
    con = duckdb.connect()
    if a.threads > 0:
        con.execute(f"SET threads = {a.threads}")
    con.execute("SET preserve_insertion_order = true")
    sql = fixed_sql(a.input, a.output) if a.mode == "fixed" else csv_sql(a.input, a.output)
    con.execute(sql)
    n = con.execute(f"SELECT count(*) FROM read_parquet({quote(a.output)})").fetchone()[0]
    print(f"{n} records", file=sys.stderr)


if __name__ == "__main__":
    main()
