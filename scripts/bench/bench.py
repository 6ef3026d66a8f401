#!/usr/bin/env python3
"""Times `ikou convert` against what users would otherwise run, on the same input.

Called by `scripts/bench/run.sh` (which installs the tools, builds ikou and generates the
input); see docs/BENCHMARKS.md. Every contender runs `--runs` times, round-robin (so load
from other processes spreads over all of them); the table shows medians. Wall, user and
system seconds and peak RSS come from `/usr/bin/time -f '%e %U %S %M'`.

MB/s is the size of the CP932 input (the same records for every contender) divided by the
wall time; records/s is the record count divided by the wall time. "× iconv" is a
contender's MB/s over iconv's in the same run; "ikou ×" is how many times faster the ikou
run doing the comparable work (same thread count; CSV or Parquet) was than the contender.
MB/CPU-s divides by user + system seconds instead: on a machine shared with other work the
wall time of everything stretches, CPU time much less.

A missing tool skips its contenders with a message; nothing is skipped silently.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The job the ikou-*-minimal/after-parquet/all rows time: the bundled sample-juki's 住民
# group as one flat target — the job the Python script does (one CSV per record) and the
# one earlier runs and issue #15's figures measured (sample-juki became the 住民記録 dataset
# in session 7; the ikou-*-dataset rows time it).
FLAT_PROFILE = os.path.join(HERE, "..", "..", "crates", "python", "tests", "sample-juki-jumin.toml")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def have_module(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False


class Contender:
    def __init__(self, name, what, cmd, threads, partner=None, check=None):
        self.name = name
        self.what = what
        self.cmd = cmd  # argv list, or a shell string
        self.threads = threads
        self.partner = partner  # the ikou contender it is compared with
        self.check = check  # called after a run with its output dir; raises on a bad run
        self.samples = []  # (wall, user, sys, rss_kb)


# /usr/bin/time counts in 10 ms steps: a time below one step (a tiny --records) is divided
# by as one step, so that no ratio divides by zero; the samples keep what was measured. Such
# inputs measure start-up, not speed.
TIME_STEP = 0.01


def pos(seconds):
    return max(seconds, TIME_STEP)


def run_timed(cmd, outdir, timefile):
    """Runs `cmd` under /usr/bin/time; returns (wall, user, sys, rss_kb)."""
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    # Untimed: write back what earlier runs left dirty (iconv's and the Python script's
    # outputs are never synced), so that no run pays for another's writeback.
    os.sync()
    argv = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", timefile]
    argv += ["sh", "-c", cmd] if isinstance(cmd, str) else cmd
    with open(os.path.join(outdir, ".stderr"), "wb") as err:
        r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=err, cwd=outdir)
    if r.returncode != 0:
        with open(os.path.join(outdir, ".stderr"), "rb") as f:
            tail = f.read()[-2000:].decode("utf-8", "replace")
        raise RuntimeError(f"exit code {r.returncode}: {' '.join(map(str, argv))}\n{tail}")
    with open(timefile) as f:
        last = f.read().strip().splitlines()[-1]
    wall, user, sys_, rss = last.split()
    return float(wall), float(user), float(sys_), int(rss)


def ikou_check(expected):
    def check(outdir):
        with open(os.path.join(outdir, "run", "manifest.json")) as f:
            m = json.load(f)
        c = m["counts"]
        if c["input_records"] != expected or not m["accounting_ok"]:
            raise RuntimeError(f"ikou run: {c['input_records']} records, expected {expected}")

    return check


def machine():
    info = {"python": platform.python_version(), "kernel": platform.release()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            k, _, v = line.partition(":")
            if k.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "L2 cache", "L3 cache"):
                info[k.strip()] = v.strip()
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        info["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    reporting = free_page_reporting()
    if reporting is not None:
        info["free page reporting"] = reporting
    return info


def free_page_reporting():
    """How much freed memory this (virtual) machine has handed back to its host, or None.

    A guest with virtio-balloon free page reporting gives every free 2 MB block back to the
    host; the next write that needs the memory faults on the host first. Runs that write a
    lot (every output: ~2 GB per 1M records) then pay system time that a machine without it
    does not (docs/BENCHMARKS.md, runs O and P)."""
    try:
        with open("/sys/module/page_reporting/parameters/reported_kib") as f:
            kib = int(f.read().strip())
    except (OSError, ValueError):
        return None
    return f"on, {kib / 1024 / 1024:.0f} GB reported since boot" if kib > 0 else None


def versions(ikou, built):
    v = {}

    def first(argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True)
            return (r.stdout or r.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return None

    v[""] = first([ikou, "--version"])
    try:
        v["binary built"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(ikou)))
    except OSError:
        pass
    tree = first(["git", "-C", HERE, "describe", "--always", "--dirty"])
    # The tree's commit is the binary's only when run.sh built it; with --no-build or IKOU=
    # the binary may be older or another build: say so rather than claim the tree's commit.
    if tree:
        v["git"] = tree if built else f"{tree} (the tree's; the binary was not built by this run)"
    v["iconv"] = first(["iconv", "--version"])
    v["nkf"] = first(["nkf", "--version"])
    for m in ("jaconv", "pyarrow", "duckdb"):
        if have_module(m):
            v[m] = getattr(__import__(m), "__version__", "?")
    return v


def contenders(a, nproc):
    inp = os.path.abspath(a.input)
    utf8 = os.path.abspath(a.utf8)
    std_csv = os.path.abspath(a.std_csv) if a.std_csv else None
    py = sys.executable
    pipeline = os.path.join(HERE, "python_pipeline.py")
    duck = os.path.join(HERE, "duckdb_parquet.py")
    cs = []
    iconv = f"iconv -f CP932 -t UTF-8 '{inp}' > out.utf8"
    cs.append(Contender("iconv", "iconv -f CP932 -t UTF-8 (transcode only)", iconv, 1, "ikou-1t-minimal"))
    if shutil.which("nkf"):
        nkf = f"nkf --ic=CP932 --oc=UTF-8 '{inp}' > out.utf8"
        cs.append(Contender("nkf", "nkf --ic=CP932 --oc=UTF-8 (transcode only)", nkf, 1, "ikou-1t-minimal"))
    else:
        log("SKIP nkf: the nkf command is not installed (apt-get install nkf)")
    if have_module("jaconv"):
        cs.append(Contender("python-csv", "Python: slice, cp932, jaconv, 和暦, strip → CSV",
                            [py, pipeline, inp, "out.csv"], 1, "ikou-1t-minimal"))
        if have_module("pyarrow"):
            cs.append(Contender("python-parquet", "the same → Parquet (pyarrow)",
                                [py, pipeline, "--parquet", inp, "out.parquet"], 1,
                                "ikou-1t-after-parquet"))
        else:
            log("SKIP python-parquet: pyarrow is not installed (pip install pyarrow)")
    else:
        log("SKIP python-csv, python-parquet: jaconv is not installed (pip install jaconv pyarrow)")
    if have_module("duckdb"):
        for t, tn in ((1, "1t"), (0, f"{nproc}t")):
            partner = "ikou-1t-after-parquet" if t == 1 else f"ikou-{nproc}t-after-parquet"
            cs.append(Contender(f"duckdb-fixed-{tn}", f"DuckDB: iconv'd lines → slice, trim → Parquet, threads={t or nproc}",
                                [py, duck, "--threads", str(t), utf8, "out.parquet"], t or nproc, partner))
            chain = f"{iconv} && '{py}' '{duck}' --threads {t} out.utf8 out.parquet"
            cs.append(Contender(f"iconv+duckdb-{tn}", f"iconv, then the DuckDB step (end to end), threads={t or nproc}",
                                chain, t or nproc, partner))
            if std_csv:
                cs.append(Contender(f"duckdb-csv-{tn}", f"DuckDB: UTF-8 CSV (ikou's standard CSV) → Parquet, threads={t or nproc}",
                                    [py, duck, "--mode", "csv", "--threads", str(t), std_csv, "out.parquet"],
                                    t or nproc, partner))
    else:
        log("SKIP duckdb-*: the duckdb Python package is not installed (pip install duckdb)")
    for t in (1, nproc):
        for outputs, what in (("minimal", "standard CSV + rejects + manifest"),
                              ("after-parquet", "… + after.parquet"),
                              ("all", "every output")):
            name = f"ikou-{t}t-{outputs}"
            cmd = [os.path.abspath(a.ikou), "convert", "--profile", FLAT_PROFILE, inp,
                   "--out", "run", "--threads", str(t), "--outputs", outputs, "--quiet"]
            cs.append(Contender(name, f"ikou convert --threads {t}: {what}", cmd, t,
                                check=ikou_check(a.records)))
        # The bundled sample-juki: the 住民記録 dataset (住民 + 世帯, 履歴番号, foreign key).
        name = f"ikou-{t}t-dataset"
        cmd = [os.path.abspath(a.ikou), "convert", "--profile", "sample-juki", inp,
               "--out", "run", "--threads", str(t), "--outputs", "minimal", "--quiet"]
        cs.append(Contender(name, f"ikou convert --threads {t}: the 住民記録 dataset "
                            "(sample-juki: 2 group files, 履歴番号, foreign key), minimal",
                            cmd, t, check=ikou_check(a.records)))
    if a.only:
        cs = [c for c in cs if any(p in c.name for p in a.only.split(","))]
    return cs


def partner_of(name, nproc):
    """The ikou run a contender is compared with: same thread count, CSV or Parquet."""
    if name.startswith("ikou-"):
        return None
    threads = f"{nproc}t" if name.endswith(f"-{nproc}t") and nproc > 1 else "1t"
    parquet = "parquet" in name or "duckdb" in name
    return f"ikou-{threads}-{'after-parquet' if parquet else 'minimal'}"


def med(c, i):
    return statistics.median(s[i] for s in c.samples)


def table(cs, in_bytes, records):
    by = {c.name: c for c in cs if c.samples}
    iconv = by.get("iconv")
    rows = ["| contender | what | wall s | user s | sys s | MB/s | records/s | MB/CPU-s | peak RSS MB | × iconv | ikou × |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in cs:
        if not c.samples:
            rows.append(f"| {c.name} | {c.what} | failed or skipped | | | | | | | | |")
            continue
        wall, user, sys_, rss = (med(c, i) for i in range(4))
        mbs = in_bytes / 1e6 / pos(wall)
        xi = f"{pos(med(iconv, 0)) / pos(wall):.2f}" if iconv else "–"
        partner = by.get(c.partner) if c.partner else None
        px = f"{pos(wall) / pos(med(partner, 0)):.2f} ({partner.name})" if partner else "–"
        rows.append(f"| {c.name} | {c.what} | {wall:.2f} | {user:.2f} | {sys_:.2f} | {mbs:.1f} | "
                    f"{records / pos(wall):,.0f} | {in_bytes / 1e6 / pos(user + sys_):.1f} | {rss / 1024:.0f} | {xi} | {px} |")
    return "\n".join(rows)


def targets(cs, nproc, records, big=None):
    by = {c.name: c for c in cs if c.samples}
    out = ["| target | by wall time | by CPU time | goal | |", "|---|---:|---:|---:|---|"]

    def cpu(name):
        return pos(med(by[name], 1) + med(by[name], 2))

    def row(label, num, den, goal):
        if num not in by or den not in by:
            out.append(f"| {label} | not measured | | ≥ {goal}× | |")
            return
        r = pos(med(by[den], 0)) / pos(med(by[num], 0))
        # CPU seconds (user + sys) compare only where both sides use one core.
        one = by[num].threads == 1 and by[den].threads == 1
        rc = f"{cpu(den) / cpu(num):.2f}×" if one else "–"
        ok = r >= goal
        out.append(f"| {label} | {r:.2f}× | {rc} | ≥ {goal}× | {'met' if ok else '**missed**'} |")

    n = f"{nproc}t"
    row("1 thread, minimal vs iconv (MB/s)", "ikou-1t-minimal", "iconv", 1.0)
    row("1 thread, after-parquet vs iconv (MB/s)", "ikou-1t-after-parquet", "iconv", 0.75)
    row("1 thread, after-parquet vs DuckDB CSV→Parquet 1 thread (records/s)", "ikou-1t-after-parquet", "duckdb-csv-1t", 1.0)
    row("1 thread, after-parquet vs DuckDB fixed→Parquet 1 thread (records/s)", "ikou-1t-after-parquet", "duckdb-fixed-1t", 1.0)
    row("1 thread, every output vs iconv (MB/s)", "ikou-1t-all", "iconv", 0.3)
    for o in ("minimal", "after-parquet", "all"):
        row(f"{nproc} threads vs 1 thread, {o}", f"ikou-{n}-{o}", f"ikou-1t-{o}", 1.7)
    row(f"{nproc} threads after-parquet vs iconv + DuckDB {nproc} threads (end to end)",
        f"ikou-{n}-after-parquet", f"iconv+duckdb-{n}", 1.0)
    row("1 thread, minimal vs the Python script (CSV)", "ikou-1t-minimal", "python-csv", 5.0)
    row(f"{nproc} threads, minimal vs the Python script (CSV)", f"ikou-{n}-minimal", "python-csv", 8.0)
    row("1 thread, after-parquet vs the Python script (Parquet)", "ikou-1t-after-parquet", "python-parquet", 5.0)
    row(f"{nproc} threads, after-parquet vs the Python script (Parquet)", f"ikou-{n}-after-parquet", "python-parquet", 8.0)
    ikou_rss = [med(c, 3) for c in by.values() if c.name.startswith("ikou-")]
    if ikou_rss:
        peak = max(ikou_rss) / 1024
        out.append(f"| peak RSS of ikou, any run | {peak:.0f} MB | | ≤ 128 MB | {'met' if peak <= 128 else '**missed**'} |")
    if big:
        for name, (rss_big, rec_big) in big.items():
            if name in by:
                small = med(by[name], 3)
                r = rss_big / small
                ok = abs(r - 1) <= 0.10 and rss_big / 1024 <= 128
                out.append(f"| peak RSS {name}, {rec_big:,} vs {records:,} records | "
                           f"{rss_big / 1024:.0f} MB vs {small / 1024:.0f} MB ({r:.2f}×) | | ±10 %, ≤ 128 MB | "
                           f"{'met' if ok else '**missed**'} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description="ikou throughput benchmark (see docs/BENCHMARKS.md)")
    ap.add_argument("--ikou", required=True, help="the ikou binary (release build)")
    ap.add_argument("--input", required=True, help="the CP932 sample-juki file")
    ap.add_argument("--records", type=int, required=True, help="records in --input")
    ap.add_argument("--utf8", required=True, help="the iconv'd input for the DuckDB step")
    ap.add_argument("--std-csv", help="ikou's standard CSV of the input (DuckDB CSV → Parquet)")
    ap.add_argument("--big", help="a larger input for the memory check (peak RSS only)")
    ap.add_argument("--big-records", type=int, default=0)
    ap.add_argument("--built", type=int, default=0,
                    help="1: run.sh built --ikou from this tree just now (its commit is the tree's)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", help="comma-separated substrings of contender names to run")
    ap.add_argument("--work", required=True, help="scratch directory for outputs")
    ap.add_argument("--results", required=True, help="where to write results (.md and .json)")
    if len(sys.argv) == 3 and sys.argv[1] == "--render":
        # Re-render a previous run's report from its JSON: bench.py --render results.json
        with open(sys.argv[2]) as f:
            write_report(json.load(f), sys.argv[2].removesuffix(".json") + ".md")
        return
    a = ap.parse_args()

    if not shutil.which("/usr/bin/time"):
        sys.exit("/usr/bin/time is missing (apt-get install time): it measures peak RSS")
    a.work = os.path.abspath(a.work)
    nproc = os.cpu_count() or 1
    in_bytes = os.path.getsize(a.input)
    cs = contenders(a, nproc)
    os.makedirs(a.work, exist_ok=True)
    load_before = os.getloadavg()
    started = time.time()
    for r in range(a.runs):
        for c in cs:
            outdir = os.path.join(a.work, c.name)
            try:
                s = run_timed(c.cmd, outdir, os.path.join(a.work, f".{c.name}.time"))
                if c.check:
                    c.check(outdir)
            except (RuntimeError, OSError, KeyError, ValueError) as e:
                log(f"FAILED {c.name} (run {r + 1}): {e}")
                continue
            finally:
                shutil.rmtree(outdir, ignore_errors=True)
            c.samples.append(s)
            log(f"run {r + 1}/{a.runs} {c.name}: {s[0]:.2f} s wall, {s[1]:.2f} s user, "
                f"{s[3] / 1024:.0f} MB peak")
    big = {}
    if a.big:
        big_bytes = os.path.getsize(a.big)
        for t in sorted({1, nproc}):
            for outputs in ("minimal", "all"):
                name = f"ikou-{t}t-{outputs}"
                outdir = os.path.join(a.work, name + "-big")
                cmd = [os.path.abspath(a.ikou), "convert", "--profile", FLAT_PROFILE,
                       os.path.abspath(a.big), "--out", "run", "--threads", str(t),
                       "--outputs", outputs, "--quiet"]
                try:
                    s = run_timed(cmd, outdir, os.path.join(a.work, f".{name}-big.time"))
                    ikou_check(a.big_records)(outdir)
                except (RuntimeError, OSError, KeyError, ValueError) as e:
                    log(f"FAILED {name} on {a.big}: {e}")
                    continue
                finally:
                    shutil.rmtree(outdir, ignore_errors=True)
                big[name] = (s[3], a.big_records)
                log(f"{name} on {a.big_records:,} records: {s[0]:.1f} s wall, "
                    f"{big_bytes / 1e6 / s[0]:.1f} MB/s, {s[3] / 1024:.0f} MB peak")
    load_after = os.getloadavg()
    meta = {
        "input": a.input, "records": a.records, "bytes": in_bytes, "runs": a.runs,
        "nproc": nproc, "elapsed": time.time() - started,
        "machine": machine(), "versions": versions(a.ikou, a.built), "load": [load_before, load_after],
        "contenders": {c.name: {"what": c.what, "threads": c.threads, "partner": c.partner,
                                "samples": [dict(zip(("wall", "user", "sys", "rss_kb"), s))
                                            for s in c.samples]} for c in cs},
        "big": {k: {"rss_kb": rss, "records": n} for k, (rss, n) in big.items()},
    }
    with open(a.results + ".json", "w") as f:
        json.dump(meta, f, indent=1)
    write_report(meta, a.results + ".md")


def write_report(meta, path):
    """Prints the report of a run (from its JSON) and writes it to `path`."""
    nproc = meta.get("nproc") or max(c["threads"] for c in meta["contenders"].values())
    cs = []
    for name, c in meta["contenders"].items():
        x = Contender(name, c["what"], None, c["threads"], c.get("partner") or partner_of(name, nproc))
        x.samples = [(s["wall"], s["user"], s["sys"], s["rss_kb"]) for s in c["samples"]]
        cs.append(x)
    big = {k: (v["rss_kb"], v["records"]) for k, v in meta.get("big", {}).items()}
    load = meta["load"]
    elapsed = f"; elapsed {meta['elapsed']:.0f} s" if "elapsed" in meta else ""
    head = [
        f"Input: `{os.path.basename(meta['input'])}`, {meta['records']:,} records, "
        f"{meta['bytes'] / 1e6:.0f} MB (CP932); {meta['runs']} runs per contender, medians.",
        "Machine: " + ", ".join(f"{k}: {v}" for k, v in meta["machine"].items()) + ".",
        f"Load average (1 min) before/after: {load[0][0]:.1f} / {load[1][0]:.1f}{elapsed}.",
        "Versions: " + ", ".join(f"{k} {v}".strip() for k, v in meta["versions"].items() if v) + ".",
    ]
    if "free page reporting" in meta["machine"]:
        head.append(
            "This machine hands freed memory back to its host (free page reporting): the "
            "write-heavy rows (every output) pay page faults in system time that a machine "
            "without it does not; compare them by user time as well (docs/BENCHMARKS.md).")
    text = ("\n".join(head) + "\n\n" + table(cs, meta["bytes"], meta["records"]) + "\n\n"
            + targets(cs, nproc, meta["records"], big) + "\n")
    print(text)
    with open(path, "w") as f:
        f.write(text)
    log(f"results: {path}")


if __name__ == "__main__":
    main()
