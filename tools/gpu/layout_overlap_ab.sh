#!/usr/bin/env bash
# The layout stage with the pages' vision towers beside the decoding (DotsLayoutGenerator::setVisionOverlap)
# and without, same build, same machine, in ONE call on the GPU machine (~5 minutes on an H100): the
# benchmark's plan for LAYOUT_AB_PAGES pages (default 8) and a random full-size dots.ocr checkpoint, the
# layout generator's tests on CUDA, then layoutlens_bench's layout stage (no Gemma) with
# LAYOUTLENS_LAYOUT_OVERLAP=0 and =1, two rounds. Needs .device carried. Run from the repository root:
#   bash tools/gpu/layout_overlap_ab.sh
source "$(dirname "$0")/preamble.sh" layout_overlap_ab.txt
WORK=${BENCH_WORKDIR:-/tmp/llbench}
N=${LAYOUT_AB_PAGES:-8}
mkdir -p "$WORK"
status=0
print_machine
CHECKPOINTS_NO_GEMMA=1 make_checkpoints "$N"
build_gpu_targets layoutlens_bench test_core_models_dots_ocr_layout_generator test_core_models_qwen2_static_decode
run_cuda_tests "$WORK" test_core_models_dots_ocr_layout_generator test_core_models_qwen2_static_decode
wait_for_checkpoints
echo "== [$(elapsed) s] layout stage, overlap off (0) and on (1)"
for round in 1 2; do
  for v in 0 1; do
    LAYOUTLENS_LAYOUT_OVERLAP=$v timeout --signal=KILL 200 "$BUILD/layoutlens_bench" --plan "$WORK/plan.json" \
      --dots "$WORK/dots" --budget-s "${LAYOUT_AB_BUDGET_S:-150}" --out "$OUT/layout_ab_${round}_$v.json" 2>&1 \
      | grep -E "^layout|rror|WARNING" | sed "s/^/round $round, overlap=$v: /"
  done
done
echo "== [$(elapsed) s] done"
exit $status
