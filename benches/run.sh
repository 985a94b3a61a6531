#!/usr/bin/env bash
# Runs the benchmarks in one go:
#  * clbench.c, the same OpenCL workloads on every platform the ICD loader finds: wgcl
#    (registered here through a private vendors dir), plus NVIDIA's OpenCL on a GPU machine
#    or PoCL on a CPU one;
#  * corpus_bench.c, kernels of the OpenCL C corpus (kernels/tests/corpus/*.cl: saxpy,
#    reduction, histogram, tiled matmul, N-body, Mandelbrot, convolution, ...) built from the
#    same .cl files on every platform, each checked against a C reference (a MISMATCH makes
#    this script exit non-zero, after rustbench has run);
#  * rustbench, wgcl's Rust API against raw wgpu, the floor it is built on;
#  * streambench, STREAM through raw wgpu in several launch shapes (the bandwidth floor);
#  * latplot: the latency distributions of both (CDF per workload) -> target/bench/latency.svg.
#   benches/run.sh           full sizes, release builds (for a GPU machine)
#   benches/run.sh --quick   small sizes, debug builds (CI on lavapipe; no timing asserts)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release; flag=--release
if [ "${1:-}" = "--quick" ]; then profile=debug; flag=; fi
mkdir -p target/bench/icd
samples=target/bench/samples
rm -rf "$samples" && mkdir -p "$samples"
cc -O2 -std=gnu11 -Wall -o target/bench/clbench benches/clbench.c -lOpenCL -lpthread
cc -O2 -std=gnu11 -Wall -o target/bench/corpus_bench benches/corpus_bench.c -lOpenCL -lm
# WGCL_PREBUILT=1 (set by scripts/test.sh after its build part): the debug build is there,
# built once with the whole workspace's feature set; building here with another package
# selection would compile the wgpu stack a second time with other features.
if [ -z "${WGCL_PREBUILT:-}" ] || [ "$profile" != debug ]; then cargo build $flag -q -p wgcl-capi -p wgcl-benches; fi
echo "$PWD/target/$profile/libwgcl.so" > target/bench/icd/wgcl.icd
# The system's vendors (NVIDIA, PoCL) and wgcl side by side.
vendors=target/bench/icd
for f in /etc/OpenCL/vendors/*.icd; do [ -e "$f" ] && cp "$f" "$vendors/"; done
OCL_ICD_VENDORS="$PWD/$vendors" target/bench/clbench --samples "$samples" "$@"
corpus_status=0
OCL_ICD_VENDORS="$PWD/$vendors" target/bench/corpus_bench --corpus kernels/tests/corpus "$@" || corpus_status=$?
"target/$profile/rustbench" --samples "$samples" "$@"
"target/$profile/streambench" "$@"
"target/$profile/latplot" "$samples" target/bench/latency.svg
exit "$corpus_status"
