#!/usr/bin/env bash
# Both decoders' graphed decode steps with one switch off and on, same build, same machine, in ONE call on the
# GPU machine (~3-4 minutes on an H100): builds qwen2_decode_bench, gemma3n_decode_bench and the tests in
# STEP_AB_TESTS, runs those tests on CUDA bfloat16, then two rounds of
#   - the layout step (dots.ocr's text geometry, ~5,500 keys) at 8 and 18 slots, and
#   - the Gemma 3n E4B step (random full-size checkpoint, prompts of 300-3,500 tokens) at batches 1 / 8 / 32,
# each with STEP_AB_VAR=0 and =1 (default LAYOUTLENS_TRANSPOSED_WEIGHTS; several names, space-separated, are
# switched together). Needs .device carried. Run from the repository root: bash tools/gpu/decode_step_ab.sh
source "$(dirname "$0")/preamble.sh" decode_step_ab.txt
WORK=${BENCH_WORKDIR:-/tmp/llprofile}
VAR=${STEP_AB_VAR:-LAYOUTLENS_TRANSPOSED_WEIGHTS}
read -r -a VARS <<< "$VAR"
# The environment assignments that switch every variable in STEP_AB_VAR to $1.
switched() { local v; for v in "${VARS[@]}"; do printf '%s=%s ' "$v" "$1"; done; }
mkdir -p "$WORK"
status=0
print_machine
make_checkpoints 1
read -r -a TESTS <<< "${STEP_AB_TESTS:-}"
build_gpu_targets qwen2_decode_bench gemma3n_decode_bench "${TESTS[@]}"
(( ${#TESTS[@]} > 0 )) && run_cuda_tests "$WORK" "${TESTS[@]}"
wait_for_checkpoints
echo "== [$(elapsed) s] steps, $VAR off (0) and on (1)"
for round in 1 2; do
  for v in 0 1; do
    for b in 8 18; do
      env $(switched "$v") timeout 100 "$BUILD/qwen2_decode_bench" cuda bfloat16 28 profile 5500 "$b" "$WORK/ab.json" \
        | grep -E "^profile: qwen2|rror" | sed "s/^/round $round, $VAR=$v: /"
    done
    env $(switched "$v") timeout 200 "$BUILD/gemma3n_decode_bench" "$WORK/gemma" 8 32 cuda bfloat16 \
      | grep -E "^graphs|rror" | sed "s/^/round $round, $VAR=$v: /"
  done
done
echo "== [$(elapsed) s] done"
exit $status
