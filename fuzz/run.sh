#!/usr/bin/env bash
# Runs every fuzz target in turn for SECONDS each (default 600), one process at a time,
# niced (a single libFuzzer process, i.e. -jobs=1), and appends `target seconds executions crashes` to fuzz/stats.tsv.
# Usage: fuzz/run.sh [SECONDS] [TARGET…]
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(detect frame cleanse spec xlsx convert)
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t" logs
    log="logs/$t-$(date +%s).log"
    nice -n 19 cargo +nightly fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    took=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    crashes=$(ls "artifacts/$t" | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$secs" "${execs:-0}" "${took:-0}" "rc=$rc crashes=$crashes" >> stats.tsv
done
