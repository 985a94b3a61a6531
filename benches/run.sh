#!/usr/bin/env bash
# Runs the benchmarks: the C harness (clbench.c) on every OpenCL platform the ICD loader finds
# (wgcl when its .icd is registered, NVIDIA's OpenCL on a GPU machine, PoCL on a CPU one), and
# the Rust harness (wgcl's Rust API against raw wgpu). `--quick` for small, CI-sized runs.
#   benches/run.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bench
cc -O2 -std=gnu11 -Wall -o target/bench/clbench benches/clbench.c -lOpenCL -lpthread
cargo build --release -q -p wgcl-benches --bin rustbench
target/bench/clbench "$@"
target/release/rustbench "$@"
