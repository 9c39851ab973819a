#!/usr/bin/env bash
# Gemma 3n's fused layer kernels (core/models/gemma3n/fused_kernels.cu) on the GPU machine, in one call:
#  1. builds the Qt-free core, the Gemma 3n and fused-kernel tests and gemma3n_decode_bench against pip
#     PyTorch's libtorch; meanwhile tools/gpu/reference_pipeline_bench.py --make-only writes a full-size
#     random-weight Gemma 3n E4B checkpoint (transformers, real tensor names);
#  2. runs those tests on CUDA bfloat16 (and the Qwen2 decoder's, whose decode step takes the shared
#     rotary + K/V cache write kernel): each kernel against its op chain, the fused layers of a two-layer
#     model at the released widths against the float32 chain layer by layer (the check of how the kernels
#     are wired), the tiny model's parity with transformers (its sparse MLP layers take the fused top-k);
#  3. decodes the same prompts and tokens with the full-size E4B three times: bfloat16 with the fused
#     kernels, bfloat16 with the op chains (LAYOUTLENS_FUSED_KERNELS=0), float32 (the chains), and
#     tools/gpu/compare_logits.py compares both bfloat16 runs with float32 (random E4B is chaotic over 35
#     layers: this shows only that the fused run is no farther off than the chain run);
#  4. the step times of both bfloat16 runs (graphed, batch 1 and 8) and a kernel trace of the fused one
#     (tools/gpu/trace_summary.py: kernels per step, time per kernel family).
# Carry .device (nlohmann, googletest, tokenizers, reference, bench_pages). Run from the repository root:
#   bash tools/gpu/gemma3n_fused_check.sh        (~5 minutes; FUSED_CHECK_DECODE=0: the tests only, ~2)
source "$(dirname "$0")/preamble.sh" gemma3n_fused_check.log
WORK=/tmp/llfused
mkdir -p "$WORK"
status=0

print_machine

DECODE=${FUSED_CHECK_DECODE:-1}
MAKE=""
if [ "$DECODE" = 1 ]; then
echo "== [$(elapsed) s] E4B checkpoint (background)"
python3 tools/gpu/reference_pipeline_bench.py --make-only --workdir "$WORK" --pages-dir .device/bench_pages \
  --reference-code .device/reference/dots_ocr --out "$WORK/unused.json" --n 1 > "$OUT/checkpoints.log" 2>&1 &
MAKE=$!
fi

echo "== [$(elapsed) s] configure + build"
TESTS=(test_core_models_gemma3n_fused_ops test_core_infer_fused_elementwise test_core_models_gemma3n_text_decoder
       test_core_models_gemma3n_static_decode test_core_models_gemma3n_generator test_core_models_gemma3n_parity
       test_core_models_qwen2_causal_lm test_core_models_qwen2_static_decode test_core_infer_split_kv_decode)
build_gpu_targets gemma3n_decode_bench "${TESTS[@]}"
echo "== [$(elapsed) s] build done"

echo "== [$(elapsed) s] tests on CUDA bfloat16"
run_cuda_tests "$WORK" "${TESTS[@]}"

if [ "$DECODE" = 1 ]; then
wait "$MAKE" || { echo "checkpoint FAILED:"; tail -20 "$OUT/checkpoints.log"; exit 1; }
grep -E "Gemma 3n E4B:" "$OUT/checkpoints.log"
BENCH=$BUILD/gemma3n_decode_bench
echo "== [$(elapsed) s] E4B decode: bfloat16 fused, bfloat16 chains, float32"
mkdir -p "$WORK/trace"
LL_LOGITS_OUT=$WORK/fused.f32 LL_TRACE_DIR=$WORK/trace timeout 200 "$BENCH" "$WORK/gemma" 16 8 cuda bfloat16 2>&1 \
  | sed 's/^/fused: /' | grep -E "graphs:|static:|logits:|rror"
LAYOUTLENS_FUSED_KERNELS=0 LL_LOGITS_OUT=$WORK/chain.f32 timeout 200 "$BENCH" "$WORK/gemma" 16 8 cuda bfloat16 2>&1 \
  | sed 's/^/chain: /' | grep -E "graphs:|static:|logits:|rror"
LL_LOGITS_OUT=$WORK/float32.f32 timeout 200 "$BENCH" "$WORK/gemma" 4 8 cuda float32 2>&1 \
  | sed 's/^/float32: /' | grep -E "static:|logits:|rror"
python3 tools/gpu/compare_logits.py 8 "$WORK/float32.f32" "$WORK/chain.f32" "$WORK/fused.f32" || status=1

echo "== [$(elapsed) s] kernels per graphed step (fused, batch 8)"
python3 tools/gpu/trace_summary.py "$WORK/trace/gemma3n_graph_trace.json" 4 15 || true
fi

tar -czf "$OUT/fused_check_logs.tar.gz" -C "$WORK" $(cd "$WORK" && ls *.log)
echo "== [$(elapsed) s] done, status $status"
exit $status
