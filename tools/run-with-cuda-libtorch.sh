#!/usr/bin/env bash
# Why: Debian's libtorch is CPU-only, and a program built against it cannot simply be pointed at the
# official CUDA LibTorch: the Debian libraries carry versioned sonames (libtorch.so.1.13) and libtorch has
# no stable C++ ABI between releases. The supported way is to build LayoutLens once against the unpacked
# official LibTorch (cxx11 ABI, CUDA) and to pick that libtorch at run time through the library path.
# This script does both steps and refuses, with the reason, combinations that cannot work.
#
# usage: tools/run-with-cuda-libtorch.sh build LIBTORCH_DIR [BUILD_DIR]
#        tools/run-with-cuda-libtorch.sh run   LIBTORCH_DIR PROGRAM [ARGS...]
#
#   LIBTORCH_DIR  the folder unpacked from https://pytorch.org (libtorch-...-cxx11-abi-shared-with-deps-*.zip,
#                 CUDA build); it holds lib/libtorch_cuda.so and share/cmake/Torch
#   BUILD_DIR     default build-cuda next to this script's repository
#   PROGRAM       a layoutlens or layoutlens-cli built by the `build` step
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "run-with-cuda-libtorch: $*" >&2; exit 2; }

mode=${1:-}
libtorch=${2:-}
[[ $mode == build || $mode == run ]] || die "first argument must be build or run (see the usage at the top of this script)"
[[ -n $libtorch ]] || die "give the folder of the unpacked official LibTorch, e.g. /opt/libtorch"
libtorch="$(cd "$libtorch" 2>/dev/null && pwd)" || die "$2: no such folder"
[[ -f $libtorch/lib/libtorch_cpu.so ]] || die "$libtorch has no lib/libtorch_cpu.so: unpack the LibTorch zip and pass its libtorch/ folder"
[[ -f $libtorch/lib/libtorch_cuda.so ]] || die "$libtorch has no lib/libtorch_cuda.so: this is a CPU LibTorch; download a CUDA build (Compute Platform: CUDA)"
config="$libtorch/share/cmake/Torch/TorchConfig.cmake"
[[ -f $config ]] || die "$libtorch has no share/cmake/Torch/TorchConfig.cmake: not a LibTorch folder"
# Qt, Poppler and OpenCV from Debian use the C++11 ABI; a pre-cxx11 LibTorch cannot be linked with them.
if grep -q '_GLIBCXX_USE_CXX11_ABI=0' "$config"; then
  die "$libtorch is the pre-cxx11 ABI build; download the 'cxx11 ABI' LibTorch (it matches Debian's Qt and Poppler)"
fi

case $mode in
build)
  build=${3:-$root/build-cuda}
  kernels=(-DLAYOUTLENS_CUDA_KERNELS=OFF)
  if command -v nvcc >/dev/null || [[ -x /usr/local/cuda/bin/nvcc ]]; then
    # The fused decode kernels (docs/benchmarks.md): Ampere and newer (bfloat16); CUDA_ARCHS overrides.
    kernels=(-DLAYOUTLENS_CUDA_KERNELS=ON "-DCMAKE_CUDA_ARCHITECTURES=${CUDA_ARCHS:-80;86;89;90}")
  else
    echo "run-with-cuda-libtorch: warning: no nvcc found; LibTorch's CMake files look for the CUDA toolkit (set CUDA_HOME or PATH), and the fused CUDA kernels are left out" >&2
  fi
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$libtorch" -DLAYOUTLENS_BUILD_TESTS=OFF "${kernels[@]}"
  cmake --build "$build" --target layoutlens layoutlens-cli
  echo "built against $libtorch; run with: $0 run $libtorch $build/app/layoutlens-cli --version"
  ;;
run)
  program=${3:-}
  [[ -n $program && -x $program ]] || die "give the program to run (layoutlens or layoutlens-cli from the build step)"
  shift 3
  # A binary built against Debian's libtorch asks for libtorch.so.1.13 and cannot use this one.
  needed=$(objdump -p "$program" 2>/dev/null | awk '/NEEDED/ && $2 ~ /^lib(torch|torch_cpu|c10)\.so/ {print $2}')
  for lib in $needed; do
    [[ -e $libtorch/lib/$lib ]] ||
      die "$program needs $lib, which $libtorch does not have: it was built against another libtorch (Debian's is libtorch.so.1.13); build it first with: $0 build $libtorch"
  done
  export LD_LIBRARY_PATH="$libtorch/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  exec "$program" "$@"
  ;;
esac
