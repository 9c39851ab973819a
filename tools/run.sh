#!/usr/bin/env bash
# Sets up, builds and starts the LayoutLens window. With no argument it opens the sample drawing the
# build generates; otherwise it opens the given PDF(s).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
bash "$root/tools/build.sh"
if [ $# -eq 0 ]; then
  set -- "$build/resources/sample-drawing.pdf"
fi
exec "$build/app/layoutlens" "$@"
