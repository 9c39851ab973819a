#!/usr/bin/env bash
# GPU-machine check of the inference core, in one call (device time is scarce):
#  1. builds the Qt-free core and its tests against pip PyTorch's libtorch (tools/gpu/CMakeLists.txt adds
#     the repository with -DLAYOUTLENS_CORE_ONLY=ON and the .device/ header/googletest fallbacks);
#  2. makes a tiny random Qwen2 with transformers and its reference logits/greedy tokens
#     (tools/gpu/qwen2_reference.py) into $OUT/qwen2_tiny — the fixture committed as tests/fixtures/qwen2_tiny;
#  3. runs the core tests on the CPU (float32) and on CUDA (float32 and bfloat16), parity included;
#  4. benchmarks decode steps (tools/gpu/qwen2_decode_bench.cpp).
# Everything is logged to $OUT/check_infer.log. Run from the repository root:  bash tools/gpu/check_infer.sh
# Narrower runs: CHECK_COMBOS="cuda:bfloat16" (device:dtype list), CHECK_TESTS=REGEX (ctest -R), CHECK_BENCH=0.
source "$(dirname "$0")/preamble.sh" check_infer.log
JOBS=$(nproc)
status=0

print_machine
python3 -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.version.cuda, "cxx11abi", torch._C._GLIBCXX_USE_CXX11_ABI, "transformers", transformers.__version__)'
PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')

echo "== configure"
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
t0=$(date +%s)
cmake -S tools/gpu -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DLAYOUTLENS_CORE_ONLY=ON -DLAYOUTLENS_BUILD_TESTS=ON \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DLAYOUTLENS_EXTRA_INCLUDE="$PWD/.device" \
  -DLAYOUTLENS_GTEST_SOURCE="$PWD/.device/googletest" -DLAYOUTLENS_TOKENIZER_DIR="$(unpack_tokenizers)" \
  -DCMAKE_POLICY_VERSION_MINIMUM=3.5 -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 > "$OUT/build.log" 2>&1 \
  || { echo "configure FAILED"; tail -40 "$OUT/build.log"; exit 1; }
echo "== build (keep going past failures of other units)"
if [ ${#GEN[@]} -gt 0 ]; then KEEP=(-k 0); else KEEP=(-k); fi
cmake --build "$BUILD" -j "$JOBS" -- "${KEEP[@]}" >> "$OUT/build.log" 2>&1 || { status=1; echo "build had failures:"; grep -E "error|FAILED" "$OUT/build.log" | head -30; }
echo "build took $(( $(date +%s) - t0 )) s"

echo "== reference (transformers Qwen2ForCausalLM)"
python3 tools/gpu/qwen2_reference.py "$OUT/qwen2_tiny" --device cuda || status=1
ls -l "$OUT/qwen2_tiny"

export LAYOUTLENS_QWEN2_REFERENCE_DIR="$OUT/qwen2_tiny"
for combo in ${CHECK_COMBOS:-cpu:float32 cuda:float32 cuda:bfloat16}; do
  echo "== core tests on ${combo%%:*} ${combo##*:}"
  LAYOUTLENS_TEST_DEVICE=${combo%%:*} LAYOUTLENS_TEST_DTYPE=${combo##*:} \
    ctest --test-dir "$BUILD" -R "${CHECK_TESTS:-^test_core_}" -j 8 --timeout 300 --output-on-failure > "$OUT/ctest-${combo/:/-}.log" 2>&1 || status=1
  grep -E "tests passed|tests failed|Failed|\*\*\*|Not Run" "$OUT/ctest-${combo/:/-}.log" | head -30
  # The parity numbers, printed by the reference test itself.
  LAYOUTLENS_TEST_DEVICE=${combo%%:*} LAYOUTLENS_TEST_DTYPE=${combo##*:} \
    "$BUILD"/layoutlens/tests/test_core_models_qwen2_reference 2>&1 | grep -E "qwen2 parity|OK|FAILED|SKIPPED" || true
done

if [ "${CHECK_BENCH:-1}" = 1 ]; then
  echo "== decode benchmark (dots.ocr text geometry, random weights)"
  "$BUILD"/qwen2_decode_bench cuda bfloat16 28 || status=1
fi
echo "== done, status $status"; date -u
exit $status
