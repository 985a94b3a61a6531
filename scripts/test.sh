#!/usr/bin/env bash
# Runs every test: the Rust crates (runtime on lavapipe, front ends, the C ABI with its C
# tests directly and through the ICD loader, against PoCL too), the model checks, the real
# OpenCL clients, the browser demo in headless Chromium, the Khronos OpenCL CTS (its CI set),
# and the benchmarks at CI size.
# Each part runs even if an earlier one failed; the exit status says whether all passed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh || exit 1
failed=()
summary=()   # "part  seconds  ok|FAILED", printed as a table at the end
start_all=$SECONDS
# Each part's output also goes to target/test-logs/<part>.log; the end of a failed part's log
# is printed again after the summary, so that a CI page showing only the tail still says why.
logs=${CARGO_TARGET_DIR:-target}/test-logs
mkdir -p "$logs"
run() {
  local name=$1; shift
  local t0=$SECONDS result=ok
  echo "=== $name: $*"
  if "$@" 2>&1 | tee "$logs/$name.log"; then echo "=== $name: ok"; else echo "=== $name: FAILED"; failed+=("$name"); result=FAILED; fi
  summary+=("$(printf '%-14s %6d s  %s' "$name" $((SECONDS - t0)) "$result")")
}
# `cargo test` does not produce the cdylib (libwgcl.so) that the C tests link: build first.
# --all-targets: with the dev-dependencies' features, so that `cargo test` reuses every
# artifact (cbindgen's dependencies turn on std features of bitflags/indexmap, which would
# otherwise compile naga and wgpu twice). The later parts use this build (WGCL_PREBUILT)
# instead of building libwgcl with another package selection, hence other features.
run build cargo build --workspace --all-targets
export WGCL_PREBUILT=1
run rust cargo test --workspace --no-fail-fast
# The model checks include a bounded libFuzzer run of the C API (cargo-fuzz is installed on
# first use: WGCL_FUZZ_INSTALL= (empty) skips that, WGCL_FUZZ_SECS sets the length).
[ -x scripts/test-extra.sh ] && run model-checks env WGCL_FUZZ_INSTALL="${WGCL_FUZZ_INSTALL-1}" scripts/test-extra.sh
[ -x scripts/test-clients.sh ] && run clients scripts/test-clients.sh
[ -x scripts/test-web.sh ] && run browser scripts/test-web.sh
# The Khronos CTS (its CI set; the CTS build is cached outside the checkout): tests/cts/README.md.
[ -x scripts/test-cts.sh ] && run cts scripts/test-cts.sh
run benches benches/run.sh --quick
echo "=== parts (wall time on $(nproc) cores):"
printf '%s\n' "${summary[@]}"
printf '%-14s %6d s\n' total $((SECONDS - start_all))
if [ ${#failed[@]} -gt 0 ]; then
  for name in "${failed[@]}"; do
    echo "=== last lines of $name (full log: $logs/$name.log):"
    grep -v 'XDG_RUNTIME_DIR' "$logs/$name.log" | tail -n 60
  done
  echo "FAILED parts: ${failed[*]}"
  exit 1
fi
echo "all parts passed"
