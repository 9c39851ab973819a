#!/usr/bin/env bash
# Parses and type-checks every .cu file of the repository with clang in CUDA mode (host and device side,
# sm_80) against the declaration-only headers in tools/cuda_stub/: catches typos, wrong types and missing
# declarations before a GPU call is spent on them, on a machine without nvcc. It proves nothing about what
# the kernels compute (that is the GPU tests' job). Needs clang (Debian: apt-get install clang).
# Usage: bash tools/cuda_syntax_check.sh [FILE.cu ...]   (default: every .cu under core/)
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG=$(command -v clang++ || command -v clang++-14 || true)
[ -n "$CLANG" ] || { echo "clang++ not found: apt-get install clang"; exit 2; }
files=("$@")
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(find core -name '*.cu' | sort)
status=0
for f in "${files[@]}"; do
  if "$CLANG" -x cuda --cuda-gpu-arch=sm_80 -nocudainc -nocudalib -fsyntax-only -std=c++17 -Wall \
       -Wno-unknown-cuda-version -Itools/cuda_stub -I. "$f"; then
    echo "ok      $f"
  else
    echo "FAILED  $f"; status=1
  fi
done
exit $status
