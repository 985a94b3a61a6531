#!/bin/sh
# Builds libwgcl in release mode and installs it:
#   $DESTDIR$PREFIX/lib/libwgcl.so.$VERSION (+ libwgcl.so.$MAJOR, libwgcl.so links)
#   $DESTDIR$PREFIX/lib/libwgcl.a
#   $DESTDIR$PREFIX/include/wgcl.h
#   $DESTDIR$PREFIX/lib/pkgconfig/wgcl.pc
#   $DESTDIR$ICD_DIR/wgcl.icd          (ICD_DIR defaults to /etc/OpenCL/vendors, the one
#                                       directory the system's ICD loader reads, for the
#                                       system prefixes /usr and /usr/local; for any other
#                                       (private) prefix to $PREFIX/etc/OpenCL/vendors, and
#                                       the script prints how to point the loader there)
# Usage: scripts/install.sh [--prefix P] [--no-build] [--profile release|debug] [DESTDIR=...] [ICD_DIR=...]
set -eu

PREFIX=/usr/local
DESTDIR=${DESTDIR:-}
ICD_DIR=${ICD_DIR:-}
BUILD=1
PROFILE=release
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX=$2; shift 2 ;;
        --prefix=*) PREFIX=${1#--prefix=}; shift ;;
        --no-build) BUILD=0; shift ;;
        --profile) PROFILE=$2; shift 2 ;;
        DESTDIR=*) DESTDIR=${1#DESTDIR=}; shift ;;
        ICD_DIR=*) ICD_DIR=${1#ICD_DIR=}; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
MAJOR=${VERSION%%.*}
if [ -z "$ICD_DIR" ]; then
    case "$PREFIX" in
        /usr|/usr/|/usr/local|/usr/local/) ICD_DIR=/etc/OpenCL/vendors ;;
        *) ICD_DIR=$PREFIX/etc/OpenCL/vendors ;;
    esac
fi

if [ "$BUILD" = 1 ]; then
    if [ "$PROFILE" = release ]; then cargo build --release -p wgcl-capi; else cargo build -p wgcl-capi; fi
fi
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE

LIBDIR=$DESTDIR$PREFIX/lib
install -d "$LIBDIR" "$LIBDIR/pkgconfig" "$DESTDIR$PREFIX/include" "$DESTDIR$ICD_DIR"
install -m 755 "$TARGET/libwgcl.so" "$LIBDIR/libwgcl.so.$VERSION"
# The soname stays libwgcl.so (Rust cdylibs carry no versioned soname); the versioned file
# and links follow the usual layout so packagers can add one later.
ln -sf "libwgcl.so.$VERSION" "$LIBDIR/libwgcl.so.$MAJOR"
ln -sf "libwgcl.so.$VERSION" "$LIBDIR/libwgcl.so"
install -m 644 "$TARGET/libwgcl.a" "$LIBDIR/libwgcl.a"
install -m 644 capi/include/wgcl.h "$DESTDIR$PREFIX/include/wgcl.h"
sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@VERSION@|$VERSION|g" capi/wgcl.pc.in > "$LIBDIR/pkgconfig/wgcl.pc"
# The loader dlopens this path: absolute, without DESTDIR (the final location).
echo "$PREFIX/lib/libwgcl.so" > "$DESTDIR$ICD_DIR/wgcl.icd"
echo "installed wgcl $VERSION into $DESTDIR$PREFIX (ICD file $DESTDIR$ICD_DIR/wgcl.icd)"
if [ "$ICD_DIR" != /etc/OpenCL/vendors ]; then
    echo "the system's ICD loader reads only /etc/OpenCL/vendors; to use this install:"
    echo "  export OCL_ICD_VENDORS=$ICD_DIR    # then: clinfo -l"
fi
