#!/usr/bin/env bash
# dots.ocr parity on the GPU machine, in one call (device time is scarce):
#  1. builds the Qt-free core and the dots.ocr tests against pip PyTorch's libtorch (tools/gpu/CMakeLists.txt);
#  2. tools/gpu/dots_ocr_reference.py builds the reference DotsOCRForCausalLM (dots.ocr's own modeling code, a
#     public copy carried in the git-ignored .device/reference/dots_ocr/) with random weights, twice:
#       tiny  -> $OUT/dots_ocr_tiny (CPU float32 + CUDA bfloat16 reference), committed as tests/fixtures/dots_ocr_tiny
#       full  -> /tmp (the released sizes, 643 tensors, bf16 in two shards), not returned: 6 GB
#     on page images rendered here with pdftoppm into .device/dots_ocr/;
#  3. runs our C++ (the DotsOcrParity test) against both, on the CPU and on CUDA in float32 and bfloat16.
# Log: $OUT/dots_ocr_parity.log. Run from the repository root:  bash tools/gpu/dots_ocr_parity.sh
# Results: docs/gpu-results.md, section "dots.ocr".
#
# .device/ (git-ignored, carried) must hold, besides the nlohmann/PCRE2/googletest fallbacks:
#   reference/dots_ocr/{__init__.py (empty), configuration_dots.py, modeling_dots_vision.py, modeling_dots_ocr.py}:
#     the public fork github as49537023/dots_ocr, weights/DotsOCR/: modeling_dots_vision.py at commit a3e0f11 (its
#     first version; later commits there also changed the position order), configuration_dots.py at 40377eb;
#     modeling_dots_ocr.py: a public copy of the HF remote code (DotsOCRForCausalLM, 5 kB, found by code search);
#   dots_ocr/page-1.png:  pdftoppm -r 144 -f 1 -l 1 -png ../shared/corpus/technical/B1200-Z1P-A.pdf .device/dots_ocr/page
#   dots_ocr/page2-1.png: pdftoppm -r 72 -f 1 -l 1 -png ../shared/corpus/technical/ESP32ThingPlusV20.pdf .device/dots_ocr/page2
source "$(dirname "$0")/preamble.sh" dots_ocr_parity.log
REF_CODE=${DOTS_REFERENCE_CODE:-$PWD/.device/reference/dots_ocr}
PAGE=${DOTS_PAGE:-$PWD/.device/dots_ocr/page-1.png}    # B1200-Z1P-A.pdf p1 at 144 dpi (A4 drawing)
PAGE2=${DOTS_PAGE2:-$PWD/.device/dots_ocr/page2-1.png} # ESP32ThingPlusV20.pdf p1 at 72 dpi (letter landscape)
FULL=/tmp/dots_ocr_full
status=0

print_machine
python3 -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__)'
for f in "$REF_CODE/modeling_dots_ocr.py" "$REF_CODE/modeling_dots_vision.py" "$REF_CODE/configuration_dots.py" "$PAGE" "$PAGE2"; do
  [ -f "$f" ] || { echo "missing $f: carry .device (see the header of this script)"; exit 1; }
done

# The reference models are built while the C++ compiles.
(
  python3 tools/gpu/dots_ocr_reference.py "$OUT/dots_ocr_tiny" --size tiny --image "$PAGE" --reference-code "$REF_CODE" \
    --image-note "B1200-Z1P-A.pdf page 1 (144 dpi), whole page at 56x84 and top half at 112x84" > "$OUT/reference_tiny.log" 2>&1 \
    || echo "tiny reference FAILED"
  python3 tools/gpu/dots_ocr_reference.py "$FULL" --size full --image "$PAGE" --image2 "$PAGE2" --reference-code "$REF_CODE" \
    --new-tokens 64 --image-note "B1200-Z1P-A.pdf p1 at 144 dpi + ESP32ThingPlusV20.pdf p1 at 72 dpi" > "$OUT/reference_full.log" 2>&1 \
    || echo "full reference FAILED"
) &
refs=$!

echo "== configure + build"
PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
t0=$(date +%s)
cmake -S tools/gpu -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DLAYOUTLENS_CORE_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DLAYOUTLENS_EXTRA_INCLUDE="$PWD/.device" \
  -DLAYOUTLENS_GTEST_SOURCE="$PWD/.device/googletest" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 > "$OUT/dots_build.log" 2>&1 \
  || { echo "configure FAILED"; tail -40 "$OUT/dots_build.log"; status=1; }
cmake --build "$BUILD" -j "$(nproc)" --target test_core_models_dots_ocr_model test_core_models_dots_ocr_vision >> "$OUT/dots_build.log" 2>&1 \
  || { status=1; echo "build FAILED:"; grep -E "error|FAILED" "$OUT/dots_build.log" | head -30; }
echo "build took $(( $(date +%s) - t0 )) s"
TESTS="$BUILD/layoutlens/tests"

wait $refs
cat "$OUT/reference_tiny.log" | grep -v '^ ' | tail -15
cat "$OUT/reference_full.log" | grep -v '^ ' | tail -15
ls -l "$OUT/dots_ocr_tiny" "$FULL" 2>/dev/null

echo "== unit tests (CPU)"
"$TESTS/test_core_models_dots_ocr_vision" --gtest_brief=1 2>&1 | tail -5 || status=1
"$TESTS/test_core_models_dots_ocr_model" --gtest_brief=1 --gtest_filter=-DotsOcrParity.* 2>&1 | tail -5 || status=1

echo "== parity"
parity() {  # dir device dtype
  LAYOUTLENS_DOTS_PARITY_DIR=$1 LAYOUTLENS_DOTS_PARITY_DEVICE=$2 LAYOUTLENS_DOTS_PARITY_DTYPE=$3 \
    timeout 240 "$TESTS/test_core_models_dots_ocr_model" --gtest_filter='DotsOcrParity.*' 2>&1 \
    | grep -E "dots.ocr parity|Failure|Expected|Which is|actual|error|OK \]|FAILED \]|SKIPPED" || true
}
parity "$OUT/dots_ocr_tiny" cpu float32
parity "$OUT/dots_ocr_tiny" cuda float32
parity "$OUT/dots_ocr_tiny" cuda bfloat16
parity "$FULL" cuda float32
parity "$FULL" cuda bfloat16
du -sh "$OUT/dots_ocr_tiny"
echo "== done, status $status"; date -u
exit $status
