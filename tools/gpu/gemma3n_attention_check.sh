#!/usr/bin/env bash
# Gemma 3n's decode attention (heads of 256) on the tensor-core split-KV kernel, in ONE call on the GPU
# machine (~3 minutes on an H100):
#  1. ptxas on the split-KV kernels (registers, spills, shared memory of each instance);
#  2. the split-KV, Qwen2 and Gemma 3n decoder tests on CUDA bfloat16;
#  3. the E4B graphed decode step (tools/gpu/gemma3n_decode_bench: prompts of 300-3,500 tokens, batches 1 / 8
#     / 32) three ways, same build, same machine, two rounds: as built (windows and global layers on the
#     tensor-core kernel), LAYOUTLENS_TENSOR_CORE_WINDOWS=0 (windows on the CUDA-core kernel) and
#     LAYOUTLENS_TENSOR_CORE_DECODE=0 (windows on the CUDA-core kernel, global layers on FlashAttention), and a
#     kernel trace of the first two at batch 8.
# Needs .device carried (a random full-size E4B from reference_pipeline_bench.py --make-only). Run from the
# repository root: bash tools/gpu/gemma3n_attention_check.sh
source "$(dirname "$0")/preamble.sh" gemma3n_attention_check.txt
WORK=${BENCH_WORKDIR:-/tmp/llprofile}
mkdir -p "$WORK"
status=0
print_machine
make_checkpoints 1

echo "== [$(elapsed) s] ptxas: split-KV kernels"
nvcc -arch=sm_90 -std=c++17 -I. -c core/infer/split_kv_decode_kernel.cu -o "$WORK/split_kv.o" -Xptxas -v 2>&1 \
  | grep -E "Compiling entry|registers|spill" | sed -E 's/_Z[0-9]+//' | grep -A2 -E "Compiling entry.*TensorCore" | head -16

TESTS=(test_core_infer_split_kv_decode test_core_models_gemma3n_static_decode test_core_models_gemma3n_text_decoder
       test_core_models_qwen2_static_decode)
build_gpu_targets gemma3n_decode_bench "${TESTS[@]}"
echo "== [$(elapsed) s] tests on CUDA bfloat16"
run_cuda_tests "$WORK" "${TESTS[@]}"
wait_for_checkpoints

echo "== [$(elapsed) s] E4B graphed step"
for round in 1 2; do
  for mode in built windows0 tc0; do
    case $mode in
      built) env=(LAYOUTLENS_TENSOR_CORE_DECODE=1) ;;
      windows0) env=(LAYOUTLENS_TENSOR_CORE_WINDOWS=0) ;;
      tc0) env=(LAYOUTLENS_TENSOR_CORE_DECODE=0) ;;
    esac
    trace=()
    [ "$round" = 1 ] && [ "$mode" != tc0 ] && trace=(LL_TRACE_DIR="$WORK/trace_$mode")
    mkdir -p "$WORK/trace_$mode"
    env "${env[@]}" "${trace[@]}" timeout 200 "$BUILD/gemma3n_decode_bench" "$WORK/gemma" 8 32 cuda bfloat16 \
      | grep -E "^graphs|rror" | sed "s/^/round $round, $mode: /"
  done
done
for mode in built windows0; do
  f="$WORK/trace_$mode/gemma3n_graph_trace.json"
  [ -f "$f" ] && { echo "-- kernels, batch 8, $mode"; python3 tools/gpu/trace_summary.py "$f" 4 10; }
done
echo "== [$(elapsed) s] done"
exit $status
