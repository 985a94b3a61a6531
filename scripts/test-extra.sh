#!/usr/bin/env bash
# Reliability checks beyond `cargo test` (called from scripts/test.sh):
#  1. loom model checking of the event state machine, its callback hand-off and the
#     destructor pattern (runtime/tests/loom_event.rs), bounded to finish in CI in minutes.
#     Deeper by hand: LOOM_MAX_PREEMPTIONS=3 scripts/test-extra.sh
#  2. Miri on the runtime's unsafe host-memory code (runtime/src/host.rs), when a nightly
#     toolchain with miri is installed (rustup toolchain install nightly --component miri);
#     skipped with a note otherwise.
#  3. A bounded libFuzzer run of the C-API fuzz target (capi/fuzz, target c_api) when
#     cargo-fuzz is installed; skipped with a note otherwise (installing it takes minutes:
#     WGCL_FUZZ_INSTALL=1 runs `cargo install cargo-fuzz --locked` first). Works on stable
#     (--sanitizer none; the first build of the instrumented target takes minutes too);
#     WGCL_FUZZ_SANITIZER=address with a nightly toolchain for ASan. Length: WGCL_FUZZ_SECS (default 60). Longer by hand:
#     WGCL_FUZZ_SECS=3600 scripts/test-extra.sh, or `cd capi/fuzz && cargo fuzz run c_api`.
#     Every crash it finds belongs in capi/fuzz/regressions/ (replayed by the stable test
#     capi/tests/fuzz_replay.rs, which also runs seeded sequences without cargo-fuzz).
# The stress and fault tests (reliability_stress.rs, faults.rs) run with plain `cargo test`;
# the long soak by hand: WGCL_SOAK=100000 cargo test -p wgcl --release --test reliability_stress
set -euo pipefail
cd "$(dirname "$0")/.."

# A separate target dir: --cfg loom rebuilds every dependency, keep it apart from the normal build.
LOOM_TARGET=${LOOM_TARGET_DIR:-${CARGO_TARGET_DIR:-target}/loom}
echo "== loom (LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-2})"
RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-2} CARGO_TARGET_DIR="$LOOM_TARGET" \
  cargo test -p wgcl --release --test loom_event -- --test-threads=1

echo "== miri (runtime/src/host.rs)"
if cargo +nightly miri --version >/dev/null 2>&1; then
  # A crate of its own (runtime/miri) that includes host.rs: Miri then needs no wgpu.
  (cd runtime/miri && MIRIFLAGS="${MIRIFLAGS:--Zmiri-strict-provenance}" cargo +nightly miri test)
else
  echo "skipped: no nightly toolchain with miri (rustup toolchain install nightly --component miri)"
fi

echo "== cargo fuzz (capi/fuzz: c_api, ${WGCL_FUZZ_SECS:-60} s)"
if [ -n "${WGCL_FUZZ_INSTALL:-}" ] && ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked || echo "cargo install cargo-fuzz failed"
fi
if cargo fuzz --version >/dev/null 2>&1; then
  sanitizer=${WGCL_FUZZ_SANITIZER:-none}
  toolchain=()
  if [ "$sanitizer" != none ]; then
    if cargo +nightly --version >/dev/null 2>&1; then
      toolchain=(+nightly)
    else
      echo "no nightly toolchain for sanitizer $sanitizer: fuzzing with --sanitizer none"
      sanitizer=none
    fi
  fi
  # The fuzz crate is a workspace of its own: it keeps its target dir under capi/fuzz/.
  # No leak checks: Mesa's lavapipe keeps a few allocations to the end of the process,
  # which LeakSanitizer would report as a crash (wgcl's own leaks are the interpreter's
  # "handles still alive" check).
  # A fixed seed (WGCL_FUZZ_SEED) makes a CI failure reproducible with the same command.
  # On a crash or hang, the input is printed in base64 so that a CI log alone can recreate it
  # (`base64 -d > capi/fuzz/regressions/NAME`).
  rm -rf capi/fuzz/artifacts/c_api
  if ! (cd capi/fuzz && mkdir -p corpus/c_api artifacts/c_api && env -u CARGO_TARGET_DIR ASAN_OPTIONS=detect_leaks=0 \
    cargo "${toolchain[@]}" fuzz run --sanitizer "$sanitizer" c_api corpus/c_api regressions -- \
      -seed="${WGCL_FUZZ_SEED:-1}" -max_total_time="${WGCL_FUZZ_SECS:-60}" -timeout=120 -rss_limit_mb=8192 \
      -detect_leaks=0 -print_final_stats=1); then
    for f in capi/fuzz/artifacts/c_api/*; do
      [ -f "$f" ] && echo "fuzz input $f (base64): $(base64 -w0 "$f")"
    done
    exit 1
  fi
else
  echo "skipped: cargo-fuzz is not installed (cargo install cargo-fuzz --locked);"
  echo "         the interpreter still runs on stable: cargo test -p wgcl-capi --test fuzz_replay"
fi
