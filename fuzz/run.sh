#!/usr/bin/env bash
# Runs fuzz targets one after another, each until it has used CPU_SECONDS of CPU time
# (default 600), as a single niced libFuzzer process, and appends a line to fuzz/stats.tsv:
#   finished-at  target  wall-s  executions  execs/s  cpu-s  status
# CPU time, not wall time, is the budget: on a shared machine a niced fuzzer may wait, and the
# issue counts CPU-hours. A watchdog reads the process's utime+stime from /proc and stops it
# with SIGINT (libFuzzer then prints its final stats) when the budget is spent.
#
# Usage: fuzz/run.sh [CPU_SECONDS] [TARGET…]
#   fuzz/run.sh 600                 every target for 10 CPU-minutes
#   fuzz/run.sh 3600 frame convert  two targets for a CPU-hour each
# The `convert` target writes whole runs; it gets TMPDIR=/dev/shm when that exists so that
# its fsyncs do not make it I/O-bound.
set -uo pipefail
cd "$(dirname "$0")"
budget=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(detect frame cleanse spec xlsx convert)
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')

nice -n 19 cargo +nightly fuzz build -s none || exit 1

ticks=$(getconf CLK_TCK)
cpu_of() { # utime + stime of a pid, in seconds
    awk -v t="$ticks" '{ print int(($14 + $15) / t) }' "/proc/$1/stat" 2>/dev/null || echo -1
}

for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t" logs
    log="logs/$t-$(date +%s).log"
    tmp=${TMPDIR:-/tmp}
    [ "$t" = convert ] && [ -d /dev/shm ] && tmp=/dev/shm
    start=$(date +%s)
    TMPDIR=$tmp nice -n 19 "target/$triple/release/$t" "corpus/$t" "seeds/$t" \
        -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" >"$log" 2>&1 &
    pid=$!
    cpu=0
    while kill -0 "$pid" 2>/dev/null; do
        sleep 5
        c=$(cpu_of "$pid")
        [ "$c" -ge 0 ] && cpu=$c
        if [ "$cpu" -ge "$budget" ]; then kill -INT "$pid"; fi
    done
    wait "$pid"
    rc=$?
    wall=$(($(date +%s) - start))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    crashes=$(find "artifacts/$t" -type f | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$wall" "${execs:-0}" \
        "${rate:-0}" "cpu=$cpu" "rc=$rc crashes=$crashes" >>stats.tsv
done
