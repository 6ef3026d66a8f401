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
