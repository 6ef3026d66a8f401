#!/usr/bin/env python3
"""The Python pipeline a vendor would write for a fixed-length CP932 住民記録 export.

A benchmark contender (see docs/BENCHMARKS.md), not part of ikou. For each 302-byte line
of a `legacy/sample-juki` file (300-byte record + CRLF) it slices the items by byte
offsets, decodes each with Python's `cp932` codec, folds half-width kana to full width
(jaconv), turns 和暦 (元号コード + YYMMDD) into ISO dates, strips the padding (spaces and
U+3000) and writes a UTF-8 CSV — or, with `--parquet`, a Parquet file through pyarrow
(uncompressed, like ikou's, in row groups of 100,000 records).

It does what such scripts usually do and no more: undecodable bytes become U+FFFD
(`errors="replace"`), impossible dates are passed through as text, nothing is validated,
nothing is recorded. Its only purpose is to time the work a user would otherwise run.

    python3 python_pipeline.py IN.dat OUT.csv
    python3 python_pipeline.py --parquet IN.dat OUT.parquet
"""

import argparse
import csv
import sys

import jaconv

RECORD = 300
LINE = 302  # record + CRLF

# (key, 項目名, byte length, kind) in record order — specs/layouts/legacy/sample-juki.toml.
ITEMS = [
    ("atena_no", "宛名番号", 10, "digits"),
    ("setai_no", "世帯番号", 10, "digits"),
    ("juminhyo_code", "住民票コード", 11, "digits"),
    ("kojin_bango", "個人番号", 12, "digits"),
    ("shimei", "氏名", 40, "text"),
    ("shimei_kana", "氏名カナ", 40, "kana"),
    ("birth_date", "生年月日", 7, "date"),
    ("sex", "性別", 1, "text"),
    ("zokugara", "続柄", 2, "text"),
    ("postal_code", "郵便番号", 7, "text"),
    ("address", "住所", 80, "text"),
    ("katagaki", "方書", 40, "text"),
    ("jumin_date", "住民となった日", 7, "date"),
    ("ido_date", "異動日", 7, "date"),
    ("ido_jiyu", "異動事由", 2, "text"),
    ("shojo_date", "消除日", 7, "date"),
    ("jumin_jotai", "住民状態", 1, "text"),
    # 予備 (16 bytes of filler) is not output.
]

# 元号コード → the Gregorian year before 元年.
ERA_BASE = {"1": 1867, "2": 1911, "3": 1925, "4": 1988, "5": 2018}

PAD = " \u3000"


def slices():
    out = []
    pos = 0
    for key, name, length, kind in ITEMS:
        out.append((pos, pos + length, kind))
        pos += length
    return out


def wareki_to_iso(s):
    """`4160128` → `2004-01-28`; blank stays blank; anything else passes through."""
    if len(s) != 7 or not s.isdigit():
        return s
    base = ERA_BASE.get(s[0])
    if base is None:
        return s
    return "%04d-%s-%s" % (base + int(s[1:3]), s[3:5], s[5:7])


def records(path):
    """Yields each record's bytes (without CRLF), reading 10,000 lines at a time."""
    with open(path, "rb") as f:
        while True:
            block = f.read(LINE * 10000)
            if not block:
                return
            for i in range(0, len(block), LINE):
                yield block[i : i + RECORD]


def convert(rec, cuts):
    row = []
    for a, b, kind in cuts:
        v = rec[a:b].decode("cp932", errors="replace").strip(PAD)
        if kind == "kana":
            v = jaconv.h2z(v, kana=True, ascii=False, digit=False)
        elif kind == "date":
            v = wareki_to_iso(v)
        row.append(v)
    return row


def write_csv(inp, out, cuts):
    n = 0
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow([name for _, name, _, _ in ITEMS])
        for rec in records(inp):
            w.writerow(convert(rec, cuts))
            n += 1
    return n


def write_parquet(inp, out, cuts):
    import pyarrow as pa
    import pyarrow.parquet as pq

    keys = [key for key, _, _, _ in ITEMS]
    schema = pa.schema([(k, pa.string()) for k in keys])
    n = 0
    with pq.ParquetWriter(out, schema, compression="none") as w:
        cols = [[] for _ in keys]

        def flush():
            if cols[0]:
                w.write_table(pa.table(dict(zip(keys, cols)), schema=schema))
                for c in cols:
                    c.clear()

        for rec in records(inp):
            for c, v in zip(cols, convert(rec, cuts)):
                c.append(v)
            n += 1
            if len(cols[0]) == 100_000:
                flush()
        flush()
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parquet", action="store_true", help="write Parquet instead of CSV")
    ap.add_argument("input")
    ap.add_argument("output")
    a = ap.parse_args()
    cuts = slices()
    n = (write_parquet if a.parquet else write_csv)(a.input, a.output, cuts)
    print(f"{n} records", file=sys.stderr)


if __name__ == "__main__":
    main()
