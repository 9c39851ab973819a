#!/usr/bin/env bash
# The decode steps' own kernels (split-KV attention, skinny GEMM) on the GPU machine, in one call (~5 minutes):
#  1. builds their tests, the Qwen2 and Gemma 3n decoder tests, qwen2_decode_bench and gemma3n_decode_bench
#     against pip PyTorch's libtorch (meanwhile reference_pipeline_bench.py --make-only writes a full-size
#     random Gemma 3n E4B checkpoint), and prints what ptxas gives each kernel (registers, spills);
#  2. runs those tests on CUDA bfloat16 (each kernel against a float32 product or loop, graphs, parity);
#  3. times the layout step (dots.ocr's text geometry, ~5,500 keys, 8 and 18 slots) with FlashAttention's
#     split kernel and with our tensor-core kernel (LAYOUTLENS_TENSOR_CORE_DECODE=1), same build, same
#     machine, each with a kernel trace (tools/gpu/trace_summary.py);
#  4. the tensor-core kernel's step at other slice counts, if asked for (ATTENTION_SPLITS="4 5 9 11");
#  5. the skinny GEMM against at::linear (LAYOUTLENS_SKINNY_GEMM=0): the layout step at 8 and 18 slots and
#     the E4B step at batch 8, each with a kernel trace;
#  6. Nsight Compute on one launch of the tensor-core kernel (memory throughput, occupancy, stall reasons),
#     where ncu can read the counters (ATTENTION_NCU=1; off by default).
# Carry .device (nlohmann, googletest, reference, bench_pages). Run from the repository root:
#   bash tools/gpu/decode_kernels_check.sh
source "$(dirname "$0")/preamble.sh" decode_kernels_check.log
T0=$(date +%s)
elapsed() { echo $(( $(date +%s) - T0 )); }
WORK=/tmp/lldecode
mkdir -p "$WORK"
status=0
echo "== machine"; date -u
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

echo "== [$(elapsed) s] E4B checkpoint (background)"
python3 tools/gpu/reference_pipeline_bench.py --make-only --workdir "$WORK" --pages-dir .device/bench_pages \
  --reference-code .device/reference/dots_ocr --out "$WORK/unused.json" --n 1 > "$WORK/checkpoints.log" 2>&1 &
MAKE=$!

echo "== [$(elapsed) s] ptxas: registers and spills"
for f in core/infer/split_kv_decode_kernel.cu core/infer/skinny_gemm_kernel.cu; do
  nvcc -arch=sm_90 -std=c++17 -I. -c "$f" -o "$WORK/kernel.o" -Xptxas -v 2>&1 | grep -E "Compiling entry|registers|spill" \
    | grep -A2 -E "TensorCore|skinny" | grep -E "registers|spill stores" | sed 's/ptxas info    : //' | head -12
done

echo "== [$(elapsed) s] configure + build"
TESTS=(test_core_infer_split_kv_decode test_core_infer_skinny_gemm test_core_models_qwen2_static_decode
       test_core_models_qwen2_causal_lm test_core_models_gemma3n_fused_ops test_core_models_gemma3n_text_decoder
       test_core_models_gemma3n_static_decode test_core_models_gemma3n_generator test_core_models_gemma3n_parity)
PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
cmake -S tools/gpu -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DLAYOUTLENS_CORE_ONLY=ON -DLAYOUTLENS_BUILD_TESTS=ON \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DLAYOUTLENS_EXTRA_INCLUDE="$PWD/.device" \
  -DLAYOUTLENS_GTEST_SOURCE="$PWD/.device/googletest" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 > "$OUT/build.log" 2>&1 \
  && cmake --build "$BUILD" -j "$(nproc)" --target qwen2_decode_bench gemma3n_decode_bench "${TESTS[@]}" >> "$OUT/build.log" 2>&1 \
  || { echo "build FAILED:"; grep -E "error|FAILED|CMake Error" -A3 "$OUT/build.log" | head -40; exit 1; }
echo "== [$(elapsed) s] build done"

echo "== [$(elapsed) s] tests on CUDA bfloat16"
for t in "${TESTS[@]}"; do
  LAYOUTLENS_TEST_DEVICE=cuda LAYOUTLENS_TEST_DTYPE=bfloat16 timeout 180 "$BUILD/layoutlens/tests/$t" > "$WORK/$t.log" 2>&1
  rc=$?; (( rc == 0 )) || status=1
  echo "$t: exit $rc $(grep -E '^\[  (PASSED|FAILED|SKIPPED)' "$WORK/$t.log" | tr '\n' ' ')"
  grep -E "^\[  FAILED  \]|Failure|Expected|Which is|max abs error" "$WORK/$t.log" | head -12
done

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

echo "== [$(elapsed) s] tensor-core kernel: slices per (slot, KV head) (default: one wave of two blocks per SM)"
for b in 8 18; do
  for n in ${ATTENTION_SPLITS:-}; do
    LAYOUTLENS_TENSOR_CORE_DECODE=1 LAYOUTLENS_TENSOR_CORE_DECODE_SPLITS=$n timeout 120 "$BUILD/qwen2_decode_bench" \
      cuda bfloat16 28 profile 5500 "$b" "$WORK/sweep.json" | grep -E "^profile: qwen2|rror" | sed "s/^/splits $n: /"
  done
done

echo "== [$(elapsed) s] skinny GEMM (1) against at::linear (0): layout step"
for b in 8 18; do
  for sk in 0 1; do
    LAYOUTLENS_SKINNY_GEMM=$sk timeout 120 "$BUILD/qwen2_decode_bench" cuda bfloat16 28 profile 5500 "$b" \
      "$WORK/qwen2_b${b}_sk$sk.json" | grep -E "^profile: qwen2|rror" | sed "s/^/skinny $sk: /"
  done
done
for sk in 0 1; do
  echo "-- kernels, 8 slots, skinny $sk"
  python3 tools/gpu/trace_summary.py "$WORK/qwen2_b8_sk$sk.json" 5 8 || true
done
if wait "$MAKE"; then
  echo "== [$(elapsed) s] skinny GEMM (1) against at::linear (0): Gemma 3n E4B step"
  for sk in 0 1; do
    mkdir -p "$WORK/gemma_trace_$sk"
    LAYOUTLENS_SKINNY_GEMM=$sk LL_TRACE_DIR=$WORK/gemma_trace_$sk timeout 200 "$BUILD/gemma3n_decode_bench" "$WORK/gemma" 8 32 \
      cuda bfloat16 2>&1 | grep -E "^(graphs|static)|rror" | sed "s/^/skinny $sk: /"
  done
  for sk in 0 1; do
    echo "-- kernels, E4B graphed step, skinny $sk"
    python3 tools/gpu/trace_summary.py "$WORK/gemma_trace_$sk/gemma3n_graph_trace.json" 4 10 || true
  done
else
  echo "checkpoint FAILED:"; tail -5 "$WORK/checkpoints.log"
fi

if [ "${ATTENTION_NCU:-0}" = 1 ] && command -v ncu >/dev/null; then
  echo "== [$(elapsed) s] Nsight Compute: the tensor-core kernel, 8 slots"
  LAYOUTLENS_TENSOR_CORE_DECODE=1 timeout 200 ncu --clock-control none --kernel-name regex:splitKvDecodeTensorCore \
    --launch-skip 20 --launch-count 1 --section SpeedOfLight --section Occupancy --section LaunchStats \
    --section MemoryWorkloadAnalysis --section WarpStateStats --section SchedulerStats \
    "$BUILD/qwen2_decode_bench" cuda bfloat16 28 profile 5500 8 "$WORK/ncu_trace.json" > "$OUT/ncu.txt" 2>&1
  echo "ncu exit $?"
  grep -E "DRAM Throughput|Memory Throughput|Duration|Registers Per|Achieved Occupancy|Theoretical Occupancy|Block Limit|Warp Cycles Per Issued|Stall|Shared Memory Configuration Size|Dynamic Shared|Compute \(SM\) Throughput|L2 Hit|Grid Size" "$OUT/ncu.txt" | head -40
fi

tar -czf "$OUT/decode_kernels_logs.tar.gz" -C "$WORK" $(cd "$WORK" && ls *.log)
echo "== [$(elapsed) s] done, status $status"
exit $status
