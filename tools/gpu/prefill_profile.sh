#!/usr/bin/env bash
# Where the stages' prefill time goes, in ONE call on the GPU machine (~4 minutes on an H100): the
# benchmark's plan and random full-size checkpoints (reference_pipeline_bench.py --make-only), then
# layoutlens_bench on PROFILE_PAGES pages (default 8) with --trace-dir: every stage measured as in the
# benchmark, then its prefill probe (each request forced to 1 token: image processing, vision tower, prompt
# prefill) once more under a Kineto trace; tools/gpu/prefill_trace_summary.py over each trace ->
# $OUT/prefill_profile.txt (wall, GPU busy, named ranges, top kernels and CPU operators, longest GPU gaps).
# PROFILE_TESTS="test_core_infer_fused_elementwise ..." builds those tests too and runs them on CUDA bfloat16
# first. Needs .device carried (as tools/gpu/benchmark.sh). Run from the repository root:
#   bash tools/gpu/prefill_profile.sh
source "$(dirname "$0")/preamble.sh" prefill_profile.txt
WORK=${BENCH_WORKDIR:-/tmp/llbench}
N=${PROFILE_PAGES:-8}
mkdir -p "$WORK"
print_machine

echo "== [$(elapsed) s] plan + checkpoints (background), build"
make_checkpoints "$N"
read -r -a TESTS <<< "${PROFILE_TESTS:-}"
build_gpu_targets layoutlens_bench "${TESTS[@]}"
status=0
if (( ${#TESTS[@]} > 0 )); then
  echo "== [$(elapsed) s] tests on CUDA bfloat16"
  run_cuda_tests "$WORK" "${TESTS[@]}"
fi
wait_for_checkpoints
echo "== [$(elapsed) s] built, checkpoints ready"

TRACES=/tmp/llprefill_traces
rm -rf "$TRACES"
timeout --signal=KILL 300 "$BUILD/layoutlens_bench" --plan "$WORK/plan.json" --dots "$WORK/dots" --gemma "$WORK/gemma" \
  --budget-s "${PROFILE_BUDGET_S:-200}" --trace-dir "$TRACES" --out "$OUT/layoutlens_profiled.json" 2>&1 \
  | grep -E "prefill probe|requests|traced|error|rror"
for stage in layout crop_ocr summary; do
  [ -f "$TRACES/prefill_$stage.json" ] && python3 tools/gpu/prefill_trace_summary.py "$TRACES/prefill_$stage.json" 14
done
echo "== [$(elapsed) s] done"
exit $status
