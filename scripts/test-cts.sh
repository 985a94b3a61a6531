#!/usr/bin/env bash
# The Khronos OpenCL CTS against wgcl, through the ICD loader.
#
#   scripts/test-cts.sh            build what is missing, run the suites, compare with
#                                  tests/cts/expected-fails.txt (exit 1 on any difference)
#   scripts/test-cts.sh build      only build the suites (into the cache)
#   scripts/test-cts.sh pack FILE  build, then pack the stripped binaries into FILE (.tar.gz);
#                                  unpack it elsewhere and point WGCL_CTS_BIN at it
#
# The CTS sources are the snapshot tarballs in ../shared/cts; they are extracted and built once
# into a cache outside the checkout, and later runs reuse it. Each test runs as its own process
# with a time cap; logs go to $CARGO_TARGET_DIR/cts-logs/<suite>/<test>.log.
#
# Environment:
#   WGCL_CTS_SUITES    suites to run (default: the CI set below; "all" = every suite we know)
#   WGCL_CTS_MODE      ci (default: conversions and math_brute_force run with -w) | full (no -w)
#   WGCL_CTS_LIB       libwgcl.so to test (default: cargo build -p wgcl-capi, WGCL_CTS_PROFILE)
#   WGCL_CTS_PROFILE   debug (default) | release, when WGCL_CTS_LIB is not given
#   WGCL_CTS_BIN       dir of suite binaries (<suite>/test_*) — e.g. an unpacked pack; with it
#                      and WGCL_CTS_LIB set, nothing is built and cargo is not needed
#   WGCL_CTS_SRC       dir of the CTS tarballs (default <repo>/../shared/cts)
#   WGCL_CTS_CACHE     build cache (default ${XDG_CACHE_HOME:-~/.cache}/wgcl-cts)
#   WGCL_CTS_TIMEOUT   seconds per test (default 120 in ci mode, 600 in full mode)
#   WGCL_CTS_JOBS      tests run at once (default: nproc)
#   WGCL_CTS_EXPECTED  expected-results list (default tests/cts/expected-fails.txt)
#   WGCL_CTS_LOGS      log dir (default $CARGO_TARGET_DIR/cts-logs, else target/cts-logs)
#   WGCL_CTS_RESULTS   also write the results table to this file
#   WGCL_CTS_FILTER    only tests whose suite/test name matches this regex (a partial run:
#                      expected-list lines outside it are not checked)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ACTION=${1:-run}

# Every suite the runner knows, and the CI set: what fits the CI time budget on lavapipe (the
# others spend most of their time at the cap there: integer_ops, conversions, math_brute_force).
ALL_SUITES="basic api compiler buffers profiling events printf select relationals vectors
  geometrics integer_ops commonfns atomics c11_atomics non_uniform_work_group conversions
  math_brute_force"
CI_SUITES="basic api compiler buffers profiling events printf select relationals vectors
  geometrics commonfns atomics c11_atomics non_uniform_work_group"
SUITES=${WGCL_CTS_SUITES:-$CI_SUITES}
[ "$SUITES" = all ] && SUITES=$ALL_SUITES
SUITES=$(echo $SUITES)   # one line

SRC=$(realpath -m "${WGCL_CTS_SRC:-$ROOT/../shared/cts}")
CACHE=$(realpath -m "${WGCL_CTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wgcl-cts}")
TARGET=$(realpath -m "${CARGO_TARGET_DIR:-$ROOT/target}")

die() { echo "test-cts: $*" >&2; exit 1; }
target_of() { [ "$1" = math_brute_force ] && echo test_bruteforce || echo "test_$1"; }

# Debian packages the build needs, installed only when missing (as scripts/deps.sh does).
deps() {
  local pkgs=(cmake g++ python3 spirv-tools ocl-icd-opencl-dev) missing=() p
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    local SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
  fi
}

# Extracts, configures and builds the missing suites into $WORK/bin/<suite>/.
build() {
  local cts hdr spv
  cts=$(ls "$SRC"/OpenCL-CTS-*.tar.xz 2>/dev/null | head -1)
  hdr=$(ls "$SRC"/OpenCL-Headers-*.tar.xz 2>/dev/null | head -1)
  spv=$(ls "$SRC"/SPIRV-Headers-*.tar.xz 2>/dev/null | head -1)
  [ -n "$cts" ] && [ -n "$hdr" ] && [ -n "$spv" ] || die "CTS tarballs not found in $SRC (WGCL_CTS_SRC)"
  local missing=() s
  for s in $SUITES; do [ -x "$WORK/bin/$s/$(target_of "$s")" ] || missing+=("$s"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  deps || die "cannot install the build packages"
  mkdir -p "$WORK/src"
  local t
  for t in "$cts" "$hdr" "$spv"; do
    local name; name=$(basename "$t" .tar.xz); name=${name%-*}
    [ -d "$WORK/src/$name" ] || tar -xf "$t" -C "$WORK/src" || die "cannot extract $t"
  done
  # The snapshot leaves out test_conformance/spir: drop it from the build.
  [ -d "$WORK/src/OpenCL-CTS/test_conformance/spir" ] ||
    sed -i '/add_subdirectory( *spir *)/d' "$WORK/src/OpenCL-CTS/test_conformance/CMakeLists.txt"
  local cllib; cllib=$(dirname "$(realpath "$(gcc -print-file-name=libOpenCL.so)")")
  if [ ! -f "$WORK/build/CMakeCache.txt" ]; then
    echo "configuring the CTS in $WORK/build"
    cmake -S "$WORK/src/OpenCL-CTS" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
      -DCL_INCLUDE_DIR="$WORK/src/OpenCL-Headers" -DSPIRV_INCLUDE_DIR="$WORK/src/SPIRV-Headers" \
      -DCL_LIB_DIR="$cllib" -DOPENCL_LIBRARIES=OpenCL \
      -DSPIRV_TOOLS_DIR="$(dirname "$(command -v spirv-as)")" >"$WORK/configure.log" 2>&1 ||
      { tail -n 30 "$WORK/configure.log"; die "cmake configure failed (log: $WORK/configure.log)"; }
  fi
  local targets=() start=$SECONDS
  for s in "${missing[@]}"; do targets+=("$(target_of "$s")"); done
  echo "building ${missing[*]} (log: $WORK/build.log)"
  make -C "$WORK/build" -j"$(nproc)" "${targets[@]}" >"$WORK/build.log" 2>&1 ||
    { grep -m 20 -B 2 -A 5 'error' "$WORK/build.log"; die "CTS build failed (log: $WORK/build.log)"; }
  echo "built in $((SECONDS - start)) s"
  # bin/<suite>/ holds the stripped binary and the data files it reads from its own dir.
  for s in "${missing[@]}"; do
    local out="$WORK/build/test_conformance/$s" bin="$WORK/bin/$s" exe; exe=$(target_of "$s")
    rm -rf "$bin" && mkdir -p "$bin"
    strip -o "$bin/$exe" "$out/$exe" || die "no binary $out/$exe"
    for d in includeTestDirectory secondIncludeTestDirectory spirv_bin; do
      [ -d "$out/$d" ] && cp -r "$out/$d" "$bin/"
    done
  done
  return 0
}

if [ -n "${WGCL_CTS_BIN:-}" ]; then
  BIN=$(realpath -m "$WGCL_CTS_BIN")
  [ "$ACTION" = run ] || die "WGCL_CTS_BIN is set: nothing to build or pack"
else
  WORK="$CACHE/$(basename "$(ls "$SRC"/OpenCL-CTS-*.tar.xz 2>/dev/null | head -1)" .tar.xz)"
  [ "$WORK" != "$CACHE/" ] || die "CTS tarballs not found in $SRC (WGCL_CTS_SRC)"
  BIN=$WORK/bin
  build || exit 1
fi

case $ACTION in
  build) exit 0 ;;
  pack)
    [ -n "${2:-}" ] || die "usage: $0 pack FILE.tar.gz"
    out=$(realpath -m "$2")
    tar -czf "$out" -C "$BIN" $SUITES || die "cannot write $out"
    echo "packed $SUITES into $out ($(du -h "$out" | cut -f1)); run with WGCL_CTS_BIN=<unpacked dir> WGCL_CTS_LIB=<libwgcl.so>"
    exit 0 ;;
  run) ;;
  *) die "unknown action $ACTION (run | build | pack FILE)" ;;
esac

if [ -n "${WGCL_CTS_LIB:-}" ]; then
  LIB=$(realpath -m "$WGCL_CTS_LIB")
else
  PROFILE=${WGCL_CTS_PROFILE:-debug}
  # WGCL_PREBUILT (scripts/test.sh): its build part made the debug lib with the workspace's
  # feature set; building here with -p would compile the wgpu stack again with other features.
  if [ "$PROFILE" = release ]; then cargo build -q -p wgcl-capi --release || exit 1
  elif [ -z "${WGCL_PREBUILT:-}" ]; then cargo build -q -p wgcl-capi || exit 1; fi
  LIB=$TARGET/$PROFILE/libwgcl.so
fi
[ -f "$LIB" ] || die "libwgcl.so not found at $LIB (WGCL_CTS_LIB)"

LOGS=$(realpath -m "${WGCL_CTS_LOGS:-$TARGET/cts-logs}")
VENDORS="$LOGS/vendors"
mkdir -p "$VENDORS" && echo "$LIB" >"$VENDORS/wgcl.icd"
export OCL_ICD_VENDORS="$VENDORS"
unset OCL_ICD_FILENAMES
: "${XDG_RUNTIME_DIR:=$(mktemp -d)}"; export XDG_RUNTIME_DIR

MODE=${WGCL_CTS_MODE:-ci}
[ "$MODE" = full ] && CAP=600 || CAP=120
exec python3 "$ROOT/tests/cts/run_cts.py" --bin "$BIN" --logs "$LOGS" --suites "$SUITES" \
  --mode "$MODE" --timeout "${WGCL_CTS_TIMEOUT:-$CAP}" --jobs "${WGCL_CTS_JOBS:-$(nproc)}" \
  --expected "${WGCL_CTS_EXPECTED:-$ROOT/tests/cts/expected-fails.txt}" \
  --results "${WGCL_CTS_RESULTS:-}" --filter "${WGCL_CTS_FILTER:-}" --lib "$LIB"
