#!/usr/bin/env bash
# Runs every test of the workspace: unit, doc, integration (the `ikou` binary) and examples.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked "$@"
