#!/usr/bin/env bash
# The main job: a user-event-gated pipeline (writes, a kernel, a read) with callbacks on
# every stage and the event timeline. Runs on lavapipe when there is no GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
exec cargo run --release -p wgcl --example pipeline
