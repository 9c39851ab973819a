#!/usr/bin/env bash
# Gemma 3n's MobileNetV5 tower on the GPU machine, in ONE call (~3 minutes on an H100): timm's random-weight
# dump at 768 x 768 (tools/gpu/gemma3n_vision_check.py, float32 on the CPU), the vision test on CUDA bfloat16,
# then gemma3n_vision_check with the fused norm kernel on and off (LAYOUTLENS_FUSED_VISION_NORM): parity per
# stage against timm, the first forward at each batch size and the steady forward time at batch 1, 8 and 3,
# NCHW and channels-last. Needs .device carried
# (headers, googletest). Run from the repository root: bash tools/gpu/gemma3n_vision_check.sh
source "$(dirname "$0")/preamble.sh" gemma3n_vision_check.txt
DIR=/tmp/llvision
print_machine
python3 tools/gpu/gemma3n_vision_check.py "$DIR" 768 2 > "$OUT/vision_dump.log" 2>&1 &
DUMP=$!
build_gpu_targets gemma3n_vision_check test_core_models_gemma3n_vision
status=0
run_cuda_tests "$OUT" test_core_models_gemma3n_vision
wait "$DUMP" || { echo "timm dump FAILED"; tail -20 "$OUT/vision_dump.log"; exit 1; }
echo "== [$(elapsed) s] timm dump ready"
for fused in 1 0; do
  echo "== LAYOUTLENS_FUSED_VISION_NORM=$fused"
  LAYOUTLENS_FUSED_VISION_NORM=$fused "$BUILD/gemma3n_vision_check" "$DIR" 768 2 | grep -E "^(LAYOUT|TIME|FIRST|PARITY BFloat16)"
done
echo "== [$(elapsed) s] done"
exit $status
