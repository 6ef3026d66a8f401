#!/usr/bin/env bash
# Runs every test of the workspace: unit, property, doc and integration tests (the `ikou`
# binary), plus the library example. Installs what the tests need on a fresh Debian machine
# (headless Chromium and CJK fonts for the report's browser test); where that cannot be
# installed, the browser test prints SKIPPED and the rest still runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test.sh: installing chromium and fonts-noto-cjk for the report's browser test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      chromium fonts-noto-cjk >/dev/null) \
    || echo "test.sh: could not install chromium; the browser test will be skipped"
fi

cargo test --workspace --locked "$@"
cargo run --locked --quiet --example embed -p ikou-convert -- testdata/sample/juki-1000.dat >/dev/null
