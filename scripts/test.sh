#!/usr/bin/env bash
# Runs every test: the Rust crates (runtime on lavapipe, front ends, C ABI with its C tests
# through libwgcl directly and through the ICD loader).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cargo test --workspace --no-fail-fast 2>&1
