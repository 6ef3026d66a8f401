#!/usr/bin/env bash
# The throughput benchmark: ikou convert against iconv, nkf, a Python pipeline and DuckDB on
# the same synthetic input. See docs/BENCHMARKS.md.
#
#   scripts/bench/run.sh                  # 1M records (302 MB), 3 runs each, prints the table
#   scripts/bench/run.sh --10m            # also the memory check on 10M records (~3 GB disk)
#   scripts/bench/run.sh --records 200000 --runs 1 --only ikou,iconv
#
# Options:
#   --records N    records in the main input (default 1000000)
#   --runs R       runs per contender, the table shows medians (default 3)
#   --10m          also convert 10,000,000 records to check that peak RSS stays flat
#   --only LIST    comma-separated substrings of contender names (iconv, nkf, python,
#                  duckdb, ikou-1t, ikou-2t-all …)
#   --no-setup     do not install missing tools (their contenders are skipped, with a message)
#   --no-build     use target/release/ikou as it is
#   IKOU=PATH      (environment) benchmark that ikou binary instead (implies --no-build)
#
# Setup installs what is missing: `apt-get install nkf time` (as root, or through sudo) and
# `pip install jaconv pyarrow duckdb`. Inputs and outputs live in bench-data/ (git-ignored);
# the latest results go to bench-data/results.md and bench-data/results.json.
set -euo pipefail
cd "$(dirname "$0")/../.."

records=1000000
runs=3
big=0
only=""
setup=1
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --records) records="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --10m) big=1; shift ;;
        --only) only="$2"; shift 2 ;;
        --no-setup) setup=0; shift ;;
        --no-build) build=0; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

say() { echo "bench: $*" >&2; }

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null; then
    say "python3 is required (it runs the harness)"; exit 2
fi

# --- setup: install missing tools, or say what will be skipped --------------------------
apt_missing=()
[ -x /usr/bin/time ] || apt_missing+=(time)
command -v nkf >/dev/null || apt_missing+=(nkf)
command -v iconv >/dev/null || apt_missing+=(libc-bin)
if [ ${#apt_missing[@]} -gt 0 ]; then
    if [ $setup = 1 ]; then
        sudo=""
        [ "$(id -u)" = 0 ] || sudo="sudo"
        say "installing ${apt_missing[*]} (apt-get)"
        if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq "${apt_missing[@]}"; } >&2; then
            say "could not install ${apt_missing[*]}: their contenders are skipped"
        fi
    else
        say "missing ${apt_missing[*]} (--no-setup): their contenders are skipped"
    fi
fi
if [ ! -x /usr/bin/time ]; then
    say "/usr/bin/time is required to measure peak RSS (apt-get install time)"; exit 2
fi
py_missing=()
for m in jaconv pyarrow duckdb; do
    "$python" -c "import $m" 2>/dev/null || py_missing+=("$m")
done
if [ ${#py_missing[@]} -gt 0 ]; then
    if [ $setup = 1 ]; then
        say "installing ${py_missing[*]} (pip)"
        "$python" -m pip install -q "${py_missing[@]}" >&2 \
            || say "could not install ${py_missing[*]}: their contenders are skipped"
    else
        say "missing Python packages ${py_missing[*]} (--no-setup): their contenders are skipped"
    fi
fi

# --- build -----------------------------------------------------------------------------
# IKOU=path/to/ikou benchmarks another build (implies --no-build), e.g. a copy pinned while
# the tree is being rebuilt.
ikou=${IKOU:-target/release/ikou}
[ -n "${IKOU:-}" ] && build=0
if [ $build = 1 ]; then
    say "cargo build --release -p ikou-cli"
    cargo build --release -p ikou-cli >&2
fi
[ -x "$ikou" ] || { say "$ikou not found (cargo build --release)"; exit 2; }

# --- inputs (deterministic: regenerated every time, a few seconds per million) -----------
mkdir -p bench-data
input=bench-data/juki-$records.dat
say "generating $input ($records records, seed 7)"
"$ikou" sample --records "$records" --seed 7 --out "$input" >/dev/null
say "preparing the DuckDB inputs (untimed): the iconv'd file and ikou's standard CSV"
iconv -f CP932 -t UTF-8 "$input" > "bench-data/juki-$records.utf8"
rm -rf bench-data/prep
"$ikou" convert --profile sample-juki "$input" --out bench-data/prep --outputs minimal --quiet >/dev/null
mv bench-data/prep/jumin.csv "bench-data/juki-$records.std.csv"
rm -rf bench-data/prep
cat "$input" > /dev/null # into the page cache

big_args=()
if [ $big = 1 ]; then
    big_input=bench-data/juki-10000000.dat
    say "generating $big_input (10,000,000 records, ~3 GB)"
    "$ikou" sample --records 10000000 --seed 7 --out "$big_input" >/dev/null
    big_args=(--big "$big_input" --big-records 10000000)
fi

only_args=()
[ -n "$only" ] && only_args=(--only "$only")
"$python" scripts/bench/bench.py --ikou "$ikou" --input "$input" --records "$records" \
    --utf8 "bench-data/juki-$records.utf8" --std-csv "bench-data/juki-$records.std.csv" \
    --runs "$runs" --work bench-data/work --results bench-data/results --built "$build" \
    ${big_args[@]+"${big_args[@]}"} ${only_args[@]+"${only_args[@]}"}
