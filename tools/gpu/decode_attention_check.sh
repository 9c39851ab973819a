#!/usr/bin/env bash
# The layout decoder's decode attention on the GPU machine, in one call (~4 minutes on an H100):
#  1. builds the split-KV and Qwen2 decoder tests and qwen2_decode_bench against pip PyTorch's libtorch, and
#     prints what ptxas gives each split-KV kernel (registers, spills, shared memory);
#  2. runs those tests on CUDA bfloat16 (the tensor-core kernel against a float32 loop, graphs, parity);
#  3. times the layout step (dots.ocr's text geometry, ~5,500 keys, 8 and 18 slots) with FlashAttention's
#     split kernel (LAYOUTLENS_TENSOR_CORE_DECODE=0) and with our tensor-core kernel (the default), same
#     build, same machine, each with a kernel trace (tools/gpu/trace_summary.py);
#  4. if asked for, the tensor-core kernel's step at other slice counts (ATTENTION_SPLITS="4 11 16 24");
#  5. Nsight Compute on one launch of the tensor-core kernel (memory throughput, occupancy, stall reasons),
#     where ncu can read the counters (ATTENTION_NCU=0 skips it).
# Carry .device (nlohmann, googletest). Run from the repository root: bash tools/gpu/decode_attention_check.sh
source "$(dirname "$0")/preamble.sh" decode_attention_check.log
WORK=/tmp/llattention
mkdir -p "$WORK"
status=0
print_machine

echo "== [$(elapsed) s] ptxas: split-KV kernels"
nvcc -arch=sm_90 -std=c++17 -I. -c core/infer/split_kv_decode_kernel.cu -o "$WORK/split_kv.o" -Xptxas -v 2>&1 \
  | grep -E "Compiling entry|registers|spill" | sed -E 's/_Z[0-9]+//' | grep -B1 -A1 -E "TensorCore|Merge|merge" | head -12

echo "== [$(elapsed) s] configure + build"
TESTS=(test_core_infer_split_kv_decode test_core_models_qwen2_static_decode test_core_models_qwen2_causal_lm)
build_gpu_targets qwen2_decode_bench "${TESTS[@]}"
echo "== [$(elapsed) s] build done"

echo "== [$(elapsed) s] tests on CUDA bfloat16"
run_cuda_tests "$WORK" "${TESTS[@]}"

echo "== [$(elapsed) s] layout step: FlashAttention's split kernel (0) against the tensor-core kernel (1)"
for b in 8 18; do
  for tc in 0 1; do
    LAYOUTLENS_TENSOR_CORE_DECODE=$tc timeout 120 "$BUILD/qwen2_decode_bench" cuda bfloat16 28 profile 5500 "$b" \
      "$WORK/qwen2_b${b}_tc$tc.json" | grep -E "^profile: qwen2|rror" | sed "s/^/tensor cores $tc: /"
  done
  for tc in 0 1; do
    echo "-- kernels, $b slots, tensor cores $tc"
    python3 tools/gpu/trace_summary.py "$WORK/qwen2_b${b}_tc$tc.json" 5 8 || true
  done
done

[ -n "${ATTENTION_SPLITS:-}" ] && echo "== [$(elapsed) s] tensor-core kernel: slices per (slot, KV head) (default: one wave of two blocks per SM)"
for b in 8 18; do
  for n in ${ATTENTION_SPLITS:-}; do
    LAYOUTLENS_TENSOR_CORE_DECODE=1 LAYOUTLENS_TENSOR_CORE_DECODE_SPLITS=$n timeout 120 "$BUILD/qwen2_decode_bench" \
      cuda bfloat16 28 profile 5500 "$b" "$WORK/sweep.json" | grep -E "^profile: qwen2|rror" | sed "s/^/splits $n: /"
  done
done

if [ "${ATTENTION_NCU:-1}" = 1 ] && command -v ncu >/dev/null; then
  echo "== [$(elapsed) s] Nsight Compute: the tensor-core kernel, 8 slots"
  LAYOUTLENS_TENSOR_CORE_DECODE=1 timeout 200 ncu --clock-control none --kernel-name regex:splitKvDecodeTensorCore \
    --launch-skip 20 --launch-count 1 --section SpeedOfLight --section Occupancy --section LaunchStats \
    --section MemoryWorkloadAnalysis --section WarpStateStats --section SchedulerStats \
    "$BUILD/qwen2_decode_bench" cuda bfloat16 28 profile 5500 8 "$WORK/ncu_trace.json" > "$OUT/ncu.txt" 2>&1
  echo "ncu exit $?"
  grep -E "DRAM Throughput|Memory Throughput|Duration|Registers Per|Achieved Occupancy|Theoretical Occupancy|Block Limit|Warp Cycles Per Issued|Stall|Shared Memory Configuration Size|Dynamic Shared|Compute \(SM\) Throughput|L2 Hit|Grid Size" "$OUT/ncu.txt" | head -40
fi

tar -czf "$OUT/attention_logs.tar.gz" -C "$WORK" $(cd "$WORK" && ls *.log)
echo "== [$(elapsed) s] done, status $status"
exit $status
