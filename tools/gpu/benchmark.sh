#!/usr/bin/env bash
# Speed of LayoutLens against the reference pipeline, in ONE call on the GPU machine (~7-9 minutes):
#  1. in the background, tools/gpu/reference_pipeline_bench.py writes the plan (N pages of US letter at
#     200 DPI from .device/bench_pages, three picture regions per page, seeded forced output lengths) and
#     builds full-size random-weight dots.ocr (its own modeling code, .device/reference/dots_ocr) and Gemma 3n
#     E4B (transformers) checkpoints into $BENCH_WORKDIR, then waits with the models on the GPU;
#  2. meanwhile builds tools/gpu/layoutlens_bench against pip PyTorch's libtorch (tools/gpu/CMakeLists.txt);
#  3. runs LayoutLens on the same pages and weights (the GPU to itself: the reference only waits);
#  4. lets the reference measure itself (on a subset, extrapolated per token: see its header);
#  5. with 2+ GPUs and time left: LayoutLens again with the pages split over two GPUs (one process each);
#  6. tools/gpu/bench_report.py writes $OUT/benchmarks.md (copy it to docs/benchmarks.md).
# Sizes are chosen to fit one 10-minute call including the build: N=8 pages (BENCH_PAGES), the whole call
# budgeted to BENCH_BUDGET_S=540 s; if a LayoutLens stage would not fit what is left, its lengths are scaled
# down and its time extrapolated from the measured step time (the report says so).
# Needs .device/ carried: nlohmann, pcre2.h, googletest, reference/dots_ocr, bench_pages/*.png,
# tokenizers/qwen3/tokenizer.json(.gz), tokenizers/gemma3/tokenizer.json.gz (else a tiny Gemma tokenizer is used).
# Several sizes in one call: tools/gpu/benchmark_sizes.sh. BENCH_NO_GEMMA=1 measures the layout stage only; BENCH_GRAPH_CHECK=1 first compares graphed and eager Gemma
# decode steps; BENCH_AB_ENV="VAR=VALUE [VAR=VALUE ...]" runs LayoutLens once more with those variables set, e.g.
# LAYOUTLENS_FUSED_KERNELS=0 (the op chains instead of the fused kernels) or LAYOUTLENS_CUDA_GRAPHS=0
# (BENCH_AB_GRAPHS=1 is short for the latter). BENCH_OVERLAP=1 adds the stage-overlap experiment (layout and
# Gemma 3n on two threads/streams; ~40 s more, and slower than the stages one after another so far).
# Run from the repository root:  bash tools/gpu/benchmark.sh
source "$(dirname "$0")/preamble.sh" benchmark.log
WORK=${BENCH_WORKDIR:-/tmp/llbench}
N=${BENCH_PAGES:-8}
BUDGET=${BENCH_BUDGET_S:-540}
REF_RESERVE=${BENCH_REFERENCE_S:-75}  # the reference's measurements + the report
EXTRAS=/tmp/llbench_extras
rm -rf "$EXTRAS" && mkdir -p "$EXTRAS" "$WORK" && rm -f "$WORK/ready" "$WORK/go"

print_machine
GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
NGPU=$(nvidia-smi -L | grep -c '^GPU')
# The device's copy of the repository may carry an older git HEAD than the tree it runs: BENCH_COMMIT (the
# caller's `git rev-parse --short HEAD`) names the tree when given.
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
[ -n "${BENCH_COMMIT:-}" ] && COMMIT="$BENCH_COMMIT"
python3 -c 'import torch, transformers, timm; print("torch", torch.__version__, "transformers", transformers.__version__, "timm", timm.__version__)' \
  || { echo "python3 with torch, transformers and timm is required"; exit 1; }
[ -f .device/tokenizers/qwen3/tokenizer.json ] || [ -f .device/tokenizers/qwen3/tokenizer.json.gz ] \
  || { echo "missing .device/tokenizers/qwen3/tokenizer.json(.gz): carry .device (see the header of this script)"; exit 1; }
for f in .device/reference/dots_ocr/modeling_dots_ocr.py .device/bench_pages/page-1.png; do
  [ -f "$f" ] || { echo "missing $f: carry .device (see the header of this script)"; exit 1; }
done
NOGEMMA=(); GEMMA_ARG=(--gemma "$WORK/gemma")
if [ "${BENCH_NO_GEMMA:-0}" = 1 ]; then NOGEMMA=(--no-gemma); GEMMA_ARG=(); fi
echo "card: $GPU x $NGPU, commit $COMMIT, $N pages, budget $BUDGET s"

echo "== [$(elapsed) s] reference: plan + checkpoints (background)"
python3 tools/gpu/reference_pipeline_bench.py --workdir "$WORK" --pages-dir .device/bench_pages \
  --reference-code .device/reference/dots_ocr --out "$OUT/reference.json" --ours "$OUT/layoutlens.json" \
  --n "$N" "${NOGEMMA[@]}" --wait-s "$BUDGET" > "$EXTRAS/reference.log" 2>&1 &
REF=$!

echo "== [$(elapsed) s] configure + build"
PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
built=1
cmake -S tools/gpu -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DLAYOUTLENS_CORE_ONLY=ON -DLAYOUTLENS_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DLAYOUTLENS_EXTRA_INCLUDE="$PWD/.device" \
  -DLAYOUTLENS_GTEST_SOURCE="$PWD/.device/googletest" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 > "$EXTRAS/build.log" 2>&1 \
  && cmake --build "$BUILD" -j "$(nproc)" --target layoutlens_bench gemma3n_decode_bench >> "$EXTRAS/build.log" 2>&1 \
  || { built=0; echo "build FAILED:"; grep -E "error|FAILED" "$EXTRAS/build.log" | head -30; }
echo "== [$(elapsed) s] build done (ok=$built)"

while [ ! -f "$WORK/ready" ] && kill -0 "$REF" 2>/dev/null; do sleep 1; done
[ -f "$WORK/ready" ] || { echo "reference setup FAILED:"; tail -30 "$EXTRAS/reference.log"; }
echo "== [$(elapsed) s] checkpoints ready"
grep -E "plan:|dots.ocr:|Gemma 3n E4B:" "$EXTRAS/reference.log"

if [ "${BENCH_GRAPH_CHECK:-0}" = 1 ] && (( built == 1 )) && [ -f "$WORK/ready" ] && [ -z "${NOGEMMA[*]}" ]; then
  # The graphed decode step against the eager one on the benchmark's own E4B checkpoint (tame init), in
  # float32 (must agree to rounding) and bfloat16.
  echo "== [$(elapsed) s] Gemma 3n E4B: static/graphed vs eager decode steps"
  for d in float32 bfloat16; do
    timeout 120 "$BUILD/gemma3n_decode_bench" "$WORK/gemma" 4 8 cuda $d 2>&1 | grep -E "^(graphs|static):|rror" | sed "s/^/$d /"
  done
fi
left=$(( BUDGET - $(elapsed) - REF_RESERVE ))
ours_budget=$left
(( NGPU >= 2 )) && ours_budget=$(( left * 55 / 100 ))
if (( built == 1 )) && [ -f "$WORK/ready" ]; then
  echo "== [$(elapsed) s] LayoutLens, 1 GPU, budget ${ours_budget} s"
  timeout --signal=KILL $(( ours_budget + 45 )) "$BUILD/layoutlens_bench" --plan "$WORK/plan.json" --dots "$WORK/dots" \
    "${GEMMA_ARG[@]}" --budget-s "$ours_budget" --overlap "${BENCH_OVERLAP:-0}" --out "$OUT/layoutlens.json" \
    || echo "layoutlens_bench FAILED (rc $?)"
fi
touch "$WORK/go"
echo "== [$(elapsed) s] reference measurements"
# The reference saves reference.json after each stage; past the budget it is stopped, keeping what it saved.
while kill -0 "$REF" 2>/dev/null && (( $(elapsed) < BUDGET - 10 )); do sleep 1; done
kill -0 "$REF" 2>/dev/null && { echo "reference still running at the budget: stopped"; kill "$REF"; }
wait "$REF" || echo "reference ended with rc $?"
grep -E "^\[ref" "$EXTRAS/reference.log" | tail -8

AB_ENV=${BENCH_AB_ENV:-}
[ "${BENCH_AB_GRAPHS:-0}" = 1 ] && AB_ENV="LAYOUTLENS_CUDA_GRAPHS=0"
if [ -n "$AB_ENV" ] && (( built == 1 )) && [ -f "$OUT/layoutlens.json" ]; then
  # The same LayoutLens run once more with one switch changed (CUDA graphs off, fused kernels off), on the
  # same GPU: what that part is worth. Its figures go to the log and to ab.json in the extras.
  left=$(( BUDGET - $(elapsed) - 15 ))
  echo "== [$(elapsed) s] LayoutLens with $AB_ENV, budget ${left} s"
  # shellcheck disable=SC2086  # several assignments, split on spaces
  env $AB_ENV timeout --signal=KILL $(( left + 30 )) "$BUILD/layoutlens_bench" --plan "$WORK/plan.json" \
    --dots "$WORK/dots" "${GEMMA_ARG[@]}" --budget-s "$left" --out "$EXTRAS/ab.json" 2>&1 \
    | grep -E "requests|done in|overlapped:" | sed "s/^/$AB_ENV: /"
  grep -hE "requests|done in|overlapped:" "$OUT/benchmark.log" | grep -v "$AB_ENV" | sed "s/^/as built: /" | tail -5
fi

TWO=()
if (( NGPU >= 2 )) && (( built == 1 )) && [ -f "$OUT/layoutlens.json" ]; then
  left=$(( BUDGET - $(elapsed) - 15 ))
  if (( left > 60 )); then
    half=$(( N / 2 ))
    echo "== [$(elapsed) s] LayoutLens, 2 GPUs ($half + $(( N - half )) pages), budget ${left} s"
    CUDA_VISIBLE_DEVICES=0 timeout --signal=KILL $(( left + 30 )) "$BUILD/layoutlens_bench" --plan "$WORK/plan.json" --dots "$WORK/dots" "${GEMMA_ARG[@]}" \
      --pages "0:$half" --budget-s "$left" --out "$EXTRAS/gpu0.json" > "$EXTRAS/gpu0.log" 2>&1 &
    p0=$!
    CUDA_VISIBLE_DEVICES=1 timeout --signal=KILL $(( left + 30 )) "$BUILD/layoutlens_bench" --plan "$WORK/plan.json" --dots "$WORK/dots" "${GEMMA_ARG[@]}" \
      --pages "$half:$(( N - half ))" --budget-s "$left" --out "$EXTRAS/gpu1.json" > "$EXTRAS/gpu1.log" 2>&1 &
    p1=$!
    wait $p0; wait $p1
    tail -n 3 "$EXTRAS/gpu0.log" "$EXTRAS/gpu1.log"
    TWO=(--ours-2gpu "$EXTRAS/gpu0.json,$EXTRAS/gpu1.json")
  else
    echo "2 GPUs seen, but only ${left} s left: the split run is skipped"
  fi
fi

echo "== [$(elapsed) s] report"
python3 tools/gpu/bench_report.py --plan "$WORK/plan.json" --ours "$OUT/layoutlens.json" --reference "$OUT/reference.json" \
  --dots "$WORK/dots" --gemma "$WORK/gemma" --gpu "$GPU" --commit "$COMMIT" "${TWO[@]}" \
  --notes "Call: bash tools/gpu/benchmark.sh ($N pages, budget $BUDGET s, $(elapsed) s until the report)." \
  --json-out "$OUT/bench_summary.json" --out "$OUT/benchmarks.md" || echo "report FAILED"
cp "$WORK/plan.json" "$EXTRAS/" 2>/dev/null
tar -czf "$OUT/bench_extras.tar.gz" -C "$EXTRAS" . 2>/dev/null
echo "== [$(elapsed) s] done"
