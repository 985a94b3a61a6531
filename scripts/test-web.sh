#!/usr/bin/env bash
# Browser test of wgcl: builds the wasm demo (scripts/web.sh --build-only), serves web-demo/
# on a free localhost port and drives headless Debian Chromium (WebGPU on SwiftShader, no
# GPU needed) with playwright-core through web-demo/tests/browser.mjs.
# Prints "N passed, M failed" last; exits non-zero on any failure. Every step is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-web.sh: installing ${need[*]}"
  timeout 300 $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 400 $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -f web-demo/node_modules/playwright-core/package.json ]; then
  (cd web-demo && timeout 300 npm install --no-audit --no-fund --loglevel=error)
fi
# Generous bound (a cold release build of wgpu+naga for wasm32 took 6.5 min on a loaded
# 2-core machine); it only guards against a hang.
timeout 600 scripts/web.sh --build-only

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
LOG="$(mktemp)"
python3 -m http.server --bind 127.0.0.1 --directory web-demo "$PORT" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/', timeout=2)" 2>/dev/null && break
  sleep 0.2
done
mkdir -p target
timeout 360 node web-demo/tests/browser.mjs "http://127.0.0.1:$PORT/" target/web-demo.png
