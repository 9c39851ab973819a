# The common start of the GPU-machine scripts, sourced as their first step:
#   source "$(dirname "$0")/preamble.sh" LOGNAME
# strict mode (unset variables and failing pipes), $OUT created (the device's output folder, ./out by
# default), everything the script prints also appended to $OUT/LOGNAME, unbuffered Python, CUDA's nvcc on
# the PATH (tools/gpu/CMakeLists.txt compiles the fused kernels with it), and $BUILD, the shared build folder.
set -uo pipefail
OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/${1:?preamble.sh needs the log file name}") 2>&1
export PYTHONUNBUFFERED=1 PATH=/usr/local/cuda/bin:$PATH
BUILD=${LAYOUTLENS_GPU_BUILD:-/tmp/layoutlens-gpu-build}
