#!/usr/bin/env bash
# Real OpenCL clients, unchanged, on wgcl through the ICD loader:
#   * tests/clients/pyopencl_test.py  (pyopencl + numpy from PyPI, pytest)
#   * tests/clients/opencl3/          (the opencl3 crate from crates.io, cargo test)
# Builds libwgcl, writes a vendors dir whose only .icd names it (OCL_ICD_VENDORS), makes a
# venv in target/clients-venv. Exit status: non-zero if any client test fails (pytest's
# "no tests collected", exit 5, counts as a failure).
#   WGCL_CLIENTS_PROFILE=release|debug (default debug: shares the build of `cargo test`)
#   CARGO_TARGET_DIR is honoured.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PROFILE=${WGCL_CLIENTS_PROFILE:-debug}
TARGET=$(realpath -m "${CARGO_TARGET_DIR:-$ROOT/target}")   # absolute: the tests run from other dirs
PY=${PYTHON:-python3}

step() { printf '\n== %s\n' "$*"; }

step "build libwgcl ($PROFILE)"
if [ "$PROFILE" = release ]; then
    cargo build -p wgcl-capi --release || exit 1
elif [ -z "${WGCL_PREBUILT:-}" ]; then   # set by scripts/test.sh: its build part made it
    cargo build -p wgcl-capi || exit 1
fi
LIB="$TARGET/$PROFILE/libwgcl.so"
[ -f "$LIB" ] || { echo "libwgcl.so not found at $LIB"; exit 1; }

VENDORS="$TARGET/clients-vendors"
rm -rf "$VENDORS" && mkdir -p "$VENDORS"
echo "$(cd "$(dirname "$LIB")" && pwd)/libwgcl.so" > "$VENDORS/wgcl.icd"
export OCL_ICD_VENDORS="$VENDORS"
unset OCL_ICD_FILENAMES   # only the vendors dir
export PYOPENCL_NO_CACHE=1
# The Python wheels' loader and the system one both read OCL_ICD_VENDORS.
: "${XDG_RUNTIME_DIR:=$(mktemp -d)}"; export XDG_RUNTIME_DIR

PY_RC=0
step "pyopencl (venv: target/clients-venv)"
VENV="$ROOT/target/clients-venv"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV" || { echo "cannot create a venv with $PY"; PY_RC=1; }
fi
if [ $PY_RC -eq 0 ]; then
    "$VENV/bin/python" -c 'import pyopencl, numpy, pytest, mako' 2>/dev/null \
        || "$VENV/bin/pip" install -q pyopencl numpy pytest mako || PY_RC=1
fi
if [ $PY_RC -eq 0 ]; then
    (cd "$ROOT/tests/clients" && "$VENV/bin/python" -m pytest -q -rxXs -p no:cacheprovider pyopencl_test.py)
    PY_RC=$?
    if [ $PY_RC -eq 5 ]; then echo "pytest collected no tests: failure"; PY_RC=1; fi
fi

step "opencl3 crate (tests/clients/opencl3)"
(cd "$ROOT/tests/clients/opencl3" && CARGO_TARGET_DIR="$TARGET/clients-opencl3" cargo test -q 2>&1)
RS_RC=$?

step "results"
echo "pyopencl: $([ $PY_RC -eq 0 ] && echo PASS || echo "FAIL ($PY_RC)")"
echo "opencl3:  $([ $RS_RC -eq 0 ] && echo PASS || echo "FAIL ($RS_RC)")"
[ $PY_RC -eq 0 ] && [ $RS_RC -eq 0 ]
