#!/usr/bin/env bash
# wgcl in the browser: builds the wasm bindings (web-demo/, crate wgcl-web) and serves the
# demo page on http://localhost:$PORT/ (default 8000) for a WebGPU browser.
#   scripts/web.sh              build, then serve (Ctrl-C stops)
#   scripts/web.sh --build-only build web-demo/pkg/ and stop (scripts/test-web.sh uses this)
# Needs: Rust (rustup), python3. Installs wasm-bindgen-cli at exactly the wasm-bindgen
# version in Cargo.lock (the CLI and the crate must match) and the wasm32 target.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_ONLY=0
PORT="${PORT:-8000}"
while [ $# -gt 0 ]; do
  case "$1" in
    --build-only) BUILD_ONLY=1 ;;
    --port) PORT="$2"; shift ;;
    *) echo "usage: $0 [--build-only] [--port N]" >&2; exit 2 ;;
  esac
  shift
done

WB_VERSION="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[ -n "$WB_VERSION" ] || { echo "web.sh: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have" != "$WB_VERSION" ]; then
  echo "web.sh: installing wasm-bindgen-cli $WB_VERSION (matches Cargo.lock; a few minutes)"
  if ! cargo install wasm-bindgen-cli --version "$WB_VERSION" --locked; then
    # --locked fails when the registry lacks a version pinned in the CLI's own lock file
    # (seen with a lagging crates.io mirror); the CLI version itself stays exact.
    echo "web.sh: 'cargo install --locked' failed; retrying without --locked (still $WB_VERSION)"
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
  fi
fi
rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

cargo build --release -p wgcl-web --target wasm32-unknown-unknown
TARGET_DIR="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')}"
wasm-bindgen --target web --no-typescript --out-dir web-demo/pkg \
  "$TARGET_DIR/wasm32-unknown-unknown/release/wgcl_web.wasm"
echo "web.sh: built web-demo/pkg/ ($(du -h web-demo/pkg/wgcl_web_bg.wasm | cut -f1) wasm)"

[ "$BUILD_ONLY" = 1 ] && exit 0
echo "web.sh: open http://localhost:$PORT/ in a browser with WebGPU (Chrome/Edge 113+, ...); Ctrl-C stops"
exec python3 -m http.server --bind 127.0.0.1 --directory web-demo "$PORT"
