#!/usr/bin/env bash
# Runs every test of the workspace: unit, property, doc and integration tests (the `ikou`
# binary), plus the library example. Installs what the tests need on a fresh Debian machine
# (headless Chromium and CJK fonts for the report's browser test, `unzip`, ICU's `uconv` and
# python3 for the host code-page tests).
#
# Some tests need what is not in the repository: the shared public test material
# (../shared/testdata, or $IKOU_SHARED_DIR/testdata), Chromium, `unzip`. Where one is missing:
# - with IKOU_REQUIRE_SHARED=1 (set by .ci/run) those tests FAIL with the reason, and a failed
#   install fails the run;
# - otherwise each such test prints `SKIPPED: <test>: <reason>` and the last line of this
#   script says how many tests were skipped and why. A skip is not a pass.
set -euo pipefail
cd "$(dirname "$0")/.."

require=${IKOU_REQUIRE_SHARED:-}
[ "$require" = 0 ] && require=
if [ -n "${IKOU_SHARED_DIR:-}" ]; then
  IKOU_SHARED_DIR=$(cd "$IKOU_SHARED_DIR" && pwd) || exit 1 # absolute: tests run in crate dirs
  export IKOU_SHARED_DIR
fi

need=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
  || [ -n "${IKOU_CHROMIUM:-}" ] || need+=(chromium fonts-noto-cjk)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
command -v uconv >/dev/null 2>&1 || need+=(icu-devtools) # IBM host code pages vs ICU
command -v python3 >/dev/null 2>&1 || need+=(python3) # host tables' freshness check
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${need[*]} (the report's browser test, the KEN_ALL CLI test, host code pages)"
    if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${need[@]}" >/dev/null); then
      if [ -n "$require" ]; then
        echo "test.sh: FAILED: could not install ${need[*]} (IKOU_REQUIRE_SHARED=1: every test must run)" >&2
        exit 1
      fi
      echo "test.sh: could not install ${need[*]}; the tests that need them will be skipped"
    fi
  elif [ -n "$require" ]; then
    echo "test.sh: FAILED: ${need[*]} missing and cannot be installed here (not root, or no apt-get);" \
      "IKOU_REQUIRE_SHARED=1: every test must run" >&2
    exit 1
  else
    echo "test.sh: ${need[*]} missing (not root, or no apt-get); the tests that need them will be skipped"
  fi
fi

# Tests that cannot run append a `SKIPPED: <test>: <reason>` line here (see testkit.rs).
IKOU_SKIP_LOG=$(mktemp "${TMPDIR:-/tmp}/ikou-skips.XXXXXX")
export IKOU_SKIP_LOG
summary() {
  local rc=$?
  local n
  n=$(sort -u "$IKOU_SKIP_LOG" | grep -c '^SKIPPED: ' || true)
  if [ "$n" -gt 0 ]; then
    echo "test.sh: $n test(s) SKIPPED (counted as passes by cargo above; they did not run):"
    sort -u "$IKOU_SKIP_LOG" | sed 's/^/test.sh:   /'
    echo "test.sh: $n skipped. Run with ../shared, chromium and unzip present (as .ci/run requires) to run them."
  else
    echo "test.sh: 0 skipped"
  fi
  rm -f "$IKOU_SKIP_LOG"
  exit "$rc"
}
trap summary EXIT

cargo test --workspace --locked "$@"
cargo run --locked --quiet --example embed -p ikou-convert -- testdata/sample/juki-1000.dat >/dev/null

# The Python package (crates/python, issue #17). It is not a member of the cargo workspace (a
# pyo3 extension module: see docs/PYTHON.md), so its fmt and clippy run here. It is built and
# installed with pip (maturin is its PEP 517 backend) into a virtual environment kept in the
# target directory, and its pytest suite compares it with the `ikou` binary built above.
# What it needs comes from PyPI (maturin, pytest, pyarrow, pandas, polars, pyspark) and, where
# `python3 -m venv` does not work or java is absent or older than 17, Debian (python3-venv,
# openjdk-17-jre-headless). Where that fails: with
# IKOU_REQUIRE_SHARED=1 the run fails, otherwise the suite is SKIPPED (and counted below).
python_skip() {
  if [ -n "$require" ]; then
    echo "test.sh: FAILED: python package tests: $1 (IKOU_REQUIRE_SHARED=1: every test must run)" >&2
    exit 1
  fi
  echo "SKIPPED: python package tests (crates/python): $1" >>"$IKOU_SKIP_LOG"
  echo "test.sh: SKIPPED python package tests: $1"
}
python_tests() {
  local started=$SECONDS target venv
  target=$(cargo metadata --format-version 1 --no-deps --locked \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  if cargo clippy --version >/dev/null 2>&1 && cargo fmt --version >/dev/null 2>&1; then
    cargo fmt --manifest-path crates/python/Cargo.toml -- --check
    CARGO_TARGET_DIR="$target" cargo clippy --manifest-path crates/python/Cargo.toml \
      --all-targets --locked --quiet -- -D warnings
  else
    python_skip "rustfmt or clippy missing (rustup component add rustfmt clippy)"
  fi
  venv="$target/pyvenv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1 || [ ! -x "$venv/bin/pip" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "test.sh: installing python3-venv (the python package's tests)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends python3-venv python3-pip >/dev/null || true
    fi
    rm -rf "$venv"
    if ! python3 -m venv "$venv" >/dev/null 2>&1 || [ ! -x "$venv/bin/pip" ]; then
      python_skip "python3 -m venv does not work (python3-venv missing)"
      return 0
    fi
  fi
  if ! "$venv/bin/pip" install -q --disable-pip-version-check maturin pytest pyarrow pandas polars; then
    python_skip "pip could not install maturin, pytest, pyarrow, pandas, polars from PyPI"
    return 0
  fi
  # ikou on Spark (crates/python/tests/test_spark.py, local[2]): pyspark 4 from PyPI and a
  # Java runtime (Spark 4 needs Java 17 or 21) from Debian where java is absent or older.
  # These are required: where an install fails the run fails (no skip).
  if ! "$venv/bin/pip" install -q --disable-pip-version-check 'pyspark>=4,<5'; then
    echo "test.sh: FAILED: pip could not install pyspark 4 (the Spark tests)" >&2
    exit 1
  fi
  spark_java_ok() {
    local v
    v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    [ -n "$v" ] && [ "$v" -ge 17 ]
  }
  if ! spark_java_ok; then
    local jre=""
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq || true
      for p in openjdk-17-jre-headless openjdk-21-jre-headless; do
        if apt-cache show "$p" >/dev/null 2>&1; then jre=$p; break; fi
      done
    fi
    if [ -z "$jre" ]; then
      echo "test.sh: FAILED: the Spark tests need Java 17 or 21 and none can be installed here" \
        "(not root, no apt-get, or no openjdk-17/21-jre-headless package)" >&2
      exit 1
    fi
    echo "test.sh: installing $jre (the Spark tests)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$jre" \
        >/dev/null || ! spark_java_ok; then
      echo "test.sh: FAILED: could not install $jre (the Spark tests need Java 17 or 21)" >&2
      exit 1
    fi
  fi
  echo "test.sh: building and installing the python package (pip install ./crates/python)"
  CARGO_TARGET_DIR="$target" "$venv/bin/pip" install -q --disable-pip-version-check \
    --force-reinstall --no-deps ./crates/python
  IKOU_BIN="$target/debug/ikou" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
    crates/python/tests
  echo "test.sh: python package: $((SECONDS - started)) s (fmt, clippy, install, pytest)"
}
cargo build --locked --quiet -p ikou-cli # the binary the python tests compare with
python_tests
