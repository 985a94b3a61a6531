#!/usr/bin/env bash
# Reliability checks beyond `cargo test` (called from scripts/test.sh):
#  1. loom model checking of the event state machine, its callback hand-off and the
#     destructor pattern (runtime/tests/loom_event.rs), bounded to finish in CI in minutes.
#     Deeper by hand: LOOM_MAX_PREEMPTIONS=3 scripts/test-extra.sh
#  2. Miri on the runtime's unsafe host-memory code (runtime/src/host.rs), when a nightly
#     toolchain with miri is installed (rustup toolchain install nightly --component miri);
#     skipped with a note otherwise.
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
