#!/usr/bin/env bash
# Sets up (Debian packages), configures with CMake + Ninja and builds LayoutLens into build/.
# Usage: tools/build.sh [extra cmake args...]   (BUILD_DIR overrides the folder, JOBS the parallelism)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
jobs="${JOBS:-$(nproc)}"

if [ "${LAYOUTLENS_SKIP_SETUP:-0}" != "1" ]; then
  bash "$root/tools/setup-debian.sh"
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
cmake --build "$build" -j "$jobs"
