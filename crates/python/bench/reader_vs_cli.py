"""ikou from Python against the CLI on the same input: wall and CPU seconds, records/s.

usage: python3 crates/python/bench/reader_vs_cli.py path/to/ikou INPUT.dat RUNS
(the `ikou` package installed: pip install ./crates/python; pandas for the pandas row).
Prints a Markdown table (docs/PYTHON.md, docs/BENCHMARKS.md). Writes /tmp/py-bench-cli and
/tmp/py-bench-py (run directories, replaced each run).
"""
import os, resource, subprocess, sys, time
import ikou, pandas as pd
cli, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
def cpu_child():
    r = resource.getrusage(resource.RUSAGE_CHILDREN); return r.ru_utime + r.ru_stime
size = os.path.getsize(path)
res = {}
for i in range(runs):
    for name in ["cli-minimal", "py-read", "py-read-pandas", "py-convert-minimal"]:
        t, c0, k0 = time.perf_counter(), cpu_self(), cpu_child()
        if name == "cli-minimal":
            subprocess.run([cli, "convert", "--profile", "sample-juki", path, "--out", "/tmp/py-bench-cli", "--force", "--quiet", "--outputs", "minimal"], check=True, stdout=subprocess.DEVNULL)
            n = None
        elif name == "py-read":
            n = sum(b.num_rows for b in ikou.read(path, profile="sample-juki"))
        elif name == "py-read-pandas":
            n = len(ikou.read(path, profile="sample-juki").read_pandas(types_mapper=pd.ArrowDtype))
        else:
            n = ikou.convert("sample-juki", path, "/tmp/py-bench-py", force=True, outputs="minimal")["counts"]["output_records"]
        wall = time.perf_counter() - t
        cpu = (cpu_self() - c0) + (cpu_child() - k0)
        res.setdefault(name, []).append((wall, cpu, n))
import json
with open("/tmp/py-bench-cli/manifest.json") as f:
    recs = json.load(f)["counts"]["input_records"]
print(f"input {path}: {size/1e6:.1f} MB, {recs} records; load avg {os.getloadavg()[0]:.1f}")
print("| contender | wall s | CPU s | records/s (wall) | MB/s | rows out |")
print("|---|---:|---:|---:|---:|---:|")
for name, v in res.items():
    v.sort()
    w, c, n = v[len(v)//2]
    print(f"| {name} | {w:.2f} | {c:.2f} | {recs/w:,.0f} | {size/1e6/w:.1f} | {n if n is not None else '–'} |")
