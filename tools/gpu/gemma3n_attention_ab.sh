#!/usr/bin/env bash
# Gemma 3n E4B graphed decode steps (tools/gpu/gemma3n_decode_bench: 8 slots with prompts of 300-3,500
# tokens, batches 1 / 8 / 32) with the global layers' long key ranges on FlashAttention's split kernel (as
# built) and on our CUDA-core split-KV kernel (LAYOUTLENS_SPLIT_KV_LONG_RANGES=1), same build, same machine, in
# ONE call (~2 minutes on an H100), the split-KV kernel's tests first. Needs .device carried (random E4B
# checkpoint through reference_pipeline_bench.py --make-only). Run from the repository root:
#   bash tools/gpu/gemma3n_attention_ab.sh
source "$(dirname "$0")/preamble.sh" gemma3n_attention_ab.txt
WORK=${BENCH_WORKDIR:-/tmp/llprofile}
mkdir -p "$WORK"
print_machine
python3 tools/gpu/reference_pipeline_bench.py --make-only --workdir "$WORK" --pages-dir .device/bench_pages \
  --reference-code .device/reference/dots_ocr --out "$WORK/unused.json" --n 1 > "$WORK/checkpoints.log" 2>&1 &
MAKE=$!
TESTS=(test_core_infer_split_kv_decode)
build_gpu_targets gemma3n_decode_bench "${TESTS[@]}"
status=0
run_cuda_tests "$WORK" "${TESTS[@]}"
wait "$MAKE" || { echo "checkpoint FAILED"; tail -20 "$WORK/checkpoints.log"; exit 1; }
echo "== [$(elapsed) s] built, checkpoint ready"
for round in 1 2; do
  for long in 0 1; do
    echo "-- round $round, LAYOUTLENS_SPLIT_KV_LONG_RANGES=$long"
    LAYOUTLENS_SPLIT_KV_LONG_RANGES=$long timeout 200 "$BUILD/gemma3n_decode_bench" "$WORK/gemma" 8 32 cuda bfloat16 \
      | grep -E "^graphs|rror"
  done
done
echo "== [$(elapsed) s] done"
exit $status
