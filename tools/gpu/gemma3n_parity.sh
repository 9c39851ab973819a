#!/usr/bin/env bash
# Gemma 3n parity on the GPU machine, in one call of at most 10 minutes (device time is scarce):
#  1. builds the Qt-free core and the Gemma 3n tests against pip PyTorch's libtorch (tools/gpu/CMakeLists.txt);
#  2. meanwhile tools/gpu/gemma3n_reference.py builds transformers' Gemma3nForConditionalGeneration (+ timm's
#     MobileNetV5) with seeded random weights, one size after the other, in the background:
#       tiny            -> $OUT/gemma3n_tiny (CPU float32 + CUDA bfloat16), committed as tests/fixtures/gemma3n_tiny
#       tiny-fullvocab  -> /tmp (released vocab and token ids, tiny widths)
#       e2b, e4b        -> /tmp (released configurations, 10.9 / 15.7 GB of bf16 shards: never returned)
#     on two crops of a real drawing page (.device/dots_ocr/page-1.png, see dots_ocr_parity.sh);
#  3. runs our C++ (test_core_models_gemma3n_parity) against each as soon as its reference exists: the tiny
#     fixture on the CPU and on CUDA, the others on CUDA; float32 and bfloat16 for every size. e2b's C++ run
#     overlaps the e4b reference build (its timings are therefore rough); e4b runs alone.
# Sizes and dtypes: float32 references for e2b/e4b are built too (the model is created in float32 on the GPU,
# ~32 GB for E4B, then cast to bf16 for the bf16 run), because two bf16 implementations differ by rounding and
# the bf16 check needs the float32 reference as the arbiter. If time runs short, e4b is skipped (logged).
# Log: $OUT/gemma3n_parity.log (the PARITY lines go to docs/gpu-results.md); other logs and each reference's
# reference.json: $OUT/gemma3n_extras.tar.gz. At most 8 files come back from $OUT: keep it that way.
# Run from the repository root:  bash tools/gpu/gemma3n_parity.sh
source "$(dirname "$0")/preamble.sh" gemma3n_parity.log
PAGE=${GEMMA3N_PAGE:-$PWD/.device/dots_ocr/page-1.png}  # B1200-Z1P-A.pdf p1 at 144 dpi (A4 drawing)
BUDGET=${GEMMA3N_BUDGET_S:-570}                           # the whole script, seconds
LOGS=/tmp/gemma3n_logs MARK=/tmp/gemma3n_marks
TINY=$OUT/gemma3n_tiny FULLVOCAB=/tmp/gemma3n_tiny_fullvocab E2B=/tmp/gemma3n_e2b E4B=/tmp/gemma3n_e4b
rm -rf "$LOGS" "$MARK" && mkdir -p "$LOGS" "$MARK"
status=0
remaining() { echo $(( BUDGET - ($(date +%s) - T0) )); }

print_machine
python3 -c 'import torch, transformers, timm; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__, "timm", timm.__version__)' \
  || { echo "python3 with torch, transformers and timm is required"; exit 1; }
[ -f "$PAGE" ] || { echo "missing $PAGE: carry .device (see tools/gpu/dots_ocr_parity.sh)"; exit 1; }
df -h /tmp | tail -1

# References, one size after the other (each needs the GPU, and the disk for e2b/e4b), in the background.
reference() {  # size dir timeout_s [args...]
  local size=$1 dir=$2 limit=$3; shift 3
  local left; left=$(remaining)
  if (( left < limit / 2 + 60 )); then
    echo "[$(elapsed) s] $size reference SKIPPED: ${left} s left of the budget"; touch "$MARK/$size.failed"; return
  fi
  (( limit > left - 60 )) && limit=$(( left - 60 ))
  echo "[$(elapsed) s] $size reference: start (limit ${limit} s)"
  if timeout "$limit" python3 tools/gpu/gemma3n_reference.py "$dir" --size "$size" --image "$PAGE" "$@" \
       > "$LOGS/reference_$size.log" 2>&1; then
    touch "$MARK/$size.done"; echo "[$(elapsed) s] $size reference: done"
  else
    touch "$MARK/$size.failed"; echo "[$(elapsed) s] $size reference FAILED:"; tail -25 "$LOGS/reference_$size.log"
  fi
}
(
  reference tiny "$TINY" 150 --image-note "B1200-Z1P-A.pdf p1 (144 dpi): two crops at 256x256"
  if [ "${GEMMA3N_SKIP_FULLVOCAB:-0}" = 1 ]; then  # the released-vocab tiny model: optional when time is short
    echo "[$(elapsed) s] tiny-fullvocab reference SKIPPED (GEMMA3N_SKIP_FULLVOCAB=1)"; touch "$MARK/tiny-fullvocab.failed"
  else
    reference tiny-fullvocab "$FULLVOCAB" 100
  fi
  [ "${GEMMA3N_SKIP_E2B:-0}" = 1 ] && { echo "e2b reference SKIPPED (GEMMA3N_SKIP_E2B=1)"; touch "$MARK/e2b.failed"; } ||
  reference e2b "$E2B" 210 --image-note "B1200-Z1P-A.pdf p1 (144 dpi): two crops at 768x768"
  reference e4b "$E4B" 240 --image-note "B1200-Z1P-A.pdf p1 (144 dpi): two crops at 768x768"
) &
refs=$!

echo "== configure + build"
PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
cmake -S tools/gpu -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DLAYOUTLENS_CORE_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DLAYOUTLENS_EXTRA_INCLUDE="$PWD/.device" \
  -DLAYOUTLENS_GTEST_SOURCE="$PWD/.device/googletest" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 > "$LOGS/build.log" 2>&1 \
  || { echo "configure FAILED"; tail -40 "$LOGS/build.log"; status=1; }
# Every Gemma 3n test; -k 0 keeps building the others when one (someone else's, half-written) fails.
TARGETS=(); for f in tests/core/models/gemma3n_*_test.cpp; do u=$(basename "$f" _test.cpp); TARGETS+=(--target "test_core_models_$u"); done
KEEP=(); [ ${#GEN[@]} -gt 0 ] && KEEP=(-- -k 0)
cmake --build "$BUILD" -j "$(nproc)" "${TARGETS[@]}" "${KEEP[@]}" >> "$LOGS/build.log" 2>&1 \
  || { echo "build had errors:"; grep -E "error|FAILED" "$LOGS/build.log" | head -30; }
echo "[$(elapsed) s] build done"
TESTS="$BUILD/layoutlens/tests"
PARITY="$TESTS/test_core_models_gemma3n_parity"
[ -x "$PARITY" ] || { echo "test_core_models_gemma3n_parity did not build"; status=1; }

wait_for() {  # size: 0 when its reference is done
  while [ ! -e "$MARK/$1.done" ] && [ ! -e "$MARK/$1.failed" ]; do
    (( $(remaining) < 30 )) && { echo "[$(elapsed) s] gave up waiting for the $1 reference"; return 1; }
    sleep 2
  done
  [ -e "$MARK/$1.done" ]
}
parity() {  # label timeout_s gtest_filter VAR=value...
  local label=$1 limit=$2 filter=$3; shift 3
  local left; left=$(remaining)
  (( left < 20 )) && { echo "[$(elapsed) s] $label: SKIPPED, no time left"; status=1; return; }
  (( limit > left - 10 )) && limit=$(( left - 10 ))
  echo "== [$(elapsed) s] parity $label"
  env "$@" timeout "$limit" "$PARITY" --gtest_filter="$filter" > "$LOGS/parity_$label.log" 2>&1
  local rc=$?
  grep -E "^PARITY|Failure|threw|error|Expected|Which is|OK \]|FAILED \]|SKIPPED \]" "$LOGS/parity_$label.log" | head -120
  (( rc == 124 )) && echo "$label: TIMED OUT after $limit s"
  (( rc != 0 )) && status=1
  echo "[$(elapsed) s] $label rc=$rc"
}

if [ -x "$PARITY" ]; then
  # The fixture is not committed yet: the External test reads the fresh output folder instead (on the CPU
  # that is the float32 check CI will run on tests/fixtures/gemma3n_tiny).
  EXT='Gemma3nParity.External*'
  if wait_for tiny; then
    parity tiny_cpu 120 "$EXT" LAYOUTLENS_TEST_DEVICE=cpu LAYOUTLENS_GEMMA3N_PARITY_DIRS="$TINY"
    parity tiny_cuda 120 "$EXT" LAYOUTLENS_TEST_DEVICE=cuda LAYOUTLENS_GEMMA3N_PARITY_DIRS="$TINY"
  else status=1; fi
  if wait_for tiny-fullvocab; then
    parity tiny_fullvocab 90 "$EXT" LAYOUTLENS_TEST_DEVICE=cuda LAYOUTLENS_GEMMA3N_PARITY_DIRS="$FULLVOCAB"
  else status=1; fi
  if wait_for e2b; then
    parity e2b 150 "$EXT" LAYOUTLENS_TEST_DEVICE=cuda LAYOUTLENS_GEMMA3N_PARITY_DIRS="$E2B"
  else status=1; fi
  if wait_for e4b; then
    parity e4b 200 "$EXT" LAYOUTLENS_TEST_DEVICE=cuda LAYOUTLENS_GEMMA3N_PARITY_DIRS="$E4B"
  else status=1; fi
fi
# A reference still running (we gave up waiting) is stopped: its timeout process forwards the TERM to Python.
pkill -TERM -P "$refs" 2>/dev/null; kill "$refs" 2>/dev/null; wait "$refs" 2>/dev/null

# The other Gemma 3n unit tests (CPU), while time is left: cheap, and useful to their owners.
for t in "$TESTS"/test_core_models_gemma3n_*; do
  [ -x "$t" ] || continue; [ "$t" = "$PARITY" ] && continue
  (( $(remaining) < 25 )) && { echo "no time left for $(basename "$t")"; continue; }
  echo "== [$(elapsed) s] $(basename "$t")"
  timeout 20 "$t" --gtest_brief=1 > "$LOGS/$(basename "$t").log" 2>&1; rc=$?
  grep -E "Failure|PASSED|FAILED|SKIPPED|tests ran" "$LOGS/$(basename "$t").log" | head -12; echo "rc=$rc"
done

echo "== summary"
grep -h -E "^PARITY" "$LOGS"/parity_*.log 2>/dev/null | grep -v " ok$" | head -60
echo "-- PARITY lines: $(cat "$LOGS"/parity_*.log 2>/dev/null | grep -c -E '^PARITY '), FAIL: $(cat "$LOGS"/parity_*.log 2>/dev/null | grep -c -E '^PARITY .* FAIL')"
grep -h -E "^PARITY-PERF|greedy" "$LOGS"/parity_*.log 2>/dev/null
for d in "$TINY" "$FULLVOCAB" "$E2B" "$E4B"; do
  [ -f "$d/reference.json" ] && cp "$d/reference.json" "$LOGS/reference_$(basename "$d").json"
done
ls -l "$TINY" 2>/dev/null; du -sh "$TINY" 2>/dev/null
tar -C /tmp -czf "$OUT/gemma3n_extras.tar.gz" gemma3n_logs 2>/dev/null
echo "== done in $(elapsed) s, status $status"; date -u
exit $status
