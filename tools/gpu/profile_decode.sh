#!/usr/bin/env bash
# Where the decode steps' time goes, in ONE call on the GPU machine (~1.5 minutes on an H100):
#  - tools/gpu/decode_kernels_probe.py: fused RMSNorm and FlashAttention varlen decode vs our op chains;
#  - qwen2_decode_bench profile: a layout step (18-slot pool, ~5,500 keys) with and without the per-step
#    read-back, and a Kineto trace of it;
#  - gemma3n_decode_bench with LL_TRACE_DIR: Gemma 3n E4B steps graphed and eager, traced at batch 8
#    (random full-size checkpoint from reference_pipeline_bench.py --make-only);
#  - tools/gpu/trace_summary.py over each trace -> $OUT/profile.txt.
# Needs .device carried (nlohmann, pcre2.h, googletest, reference/dots_ocr, bench_pages). Run from the
# repository root: bash tools/gpu/profile_decode.sh (PROFILE_PROBE=0 skips the kernel probe, PROFILE_GEMMA=0
# the Gemma 3n part and its checkpoint)
source "$(dirname "$0")/preamble.sh" profile.txt
WORK=${BENCH_WORKDIR:-/tmp/llprofile}
mkdir -p "$WORK"
nvidia-smi --query-gpu=name --format=csv,noheader | head -1
git rev-parse --short HEAD 2>/dev/null

GEMMA=${PROFILE_GEMMA:-1}
if [ "$GEMMA" = 1 ]; then
  python3 tools/gpu/reference_pipeline_bench.py --make-only --workdir "$WORK" --pages-dir .device/bench_pages \
    --reference-code .device/reference/dots_ocr --out "$WORK/unused.json" --n 1 > "$WORK/checkpoints.log" 2>&1 &
  MAKE=$!
fi

PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
(cmake -S tools/gpu -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DLAYOUTLENS_CORE_ONLY=ON -DLAYOUTLENS_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DLAYOUTLENS_EXTRA_INCLUDE="$PWD/.device" \
  -DLAYOUTLENS_GTEST_SOURCE="$PWD/.device/googletest" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 \
  && cmake --build "$BUILD" -j "$(nproc)" --target qwen2_decode_bench gemma3n_decode_bench) > "$WORK/build.log" 2>&1 &
BUILDER=$!

if [ "${PROFILE_PROBE:-1}" = 1 ]; then
  echo "== [$(elapsed) s] kernel probe (while building)"
  timeout 150 python3 tools/gpu/decode_kernels_probe.py 2>&1 | grep -v -i warn
fi
wait "$BUILDER" || { echo "build FAILED"; grep -E "error|FAILED" "$WORK/build.log" | head -30; exit 1; }
echo "== [$(elapsed) s] built"

echo "== [$(elapsed) s] qwen2 (dots.ocr text geometry) layout step"
for b in 8 18; do
  timeout 120 "$BUILD/qwen2_decode_bench" cuda bfloat16 28 profile 5500 "$b" "$WORK/qwen2_b$b.json" | grep -E "^profile|rror"
  python3 tools/gpu/trace_summary.py "$WORK/qwen2_b$b.json" 5 22
done

if [ "$GEMMA" = 1 ]; then
wait "$MAKE" || { echo "checkpoint FAILED"; tail -20 "$WORK/checkpoints.log"; }
echo "== [$(elapsed) s] gemma 3n E4B steps"
LL_TRACE_DIR=$WORK timeout 240 "$BUILD/gemma3n_decode_bench" "$WORK/gemma" 8 32 cuda bfloat16 | grep -E "^(graphs|static|trace|loaded)|rror"
for m in graph eager; do
  [ -f "$WORK/gemma3n_${m}_trace.json" ] && python3 tools/gpu/trace_summary.py "$WORK/gemma3n_${m}_trace.json" 4 "${PROFILE_TOP:-22}"
done
fi
echo "== [$(elapsed) s] done"
