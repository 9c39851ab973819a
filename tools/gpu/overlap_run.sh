#!/usr/bin/env bash
# LayoutLens alone (no reference) on OVERLAP_PAGES pages (default 8) in ONE call on the GPU machine (~8
# minutes on an H100): the benchmark's plan and random full-size checkpoints, the three stages one after
# another as the app runs them, then the stage-overlap experiment (layoutlens_bench --overlap 2: layout and
# Gemma 3n on two threads and streams, once with the layout stream at the highest priority, once with equal
# priorities). Needs .device carried. Run from the repository root: bash tools/gpu/overlap_run.sh
source "$(dirname "$0")/preamble.sh" overlap_run.txt
WORK=${BENCH_WORKDIR:-/tmp/llbench}
N=${OVERLAP_PAGES:-8}
mkdir -p "$WORK"
print_machine
make_checkpoints "$N"
build_gpu_targets layoutlens_bench
wait_for_checkpoints
echo "== [$(elapsed) s] built, checkpoints ready"
timeout --signal=KILL "${OVERLAP_TIMEOUT_S:-450}" "$BUILD/layoutlens_bench" --plan "$WORK/plan.json" --dots "$WORK/dots" \
  --gemma "$WORK/gemma" --budget-s "${OVERLAP_BUDGET_S:-330}" --overlap 2 --out "$OUT/layoutlens_overlap.json" 2>&1 \
  | grep -E "requests|overlapped|done in|rror|WARNING"
python3 - "$OUT/layoutlens_overlap.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
stages = {k: j[k]["full_s"] for k in ("layout", "crop_ocr", "summary") if isinstance(j.get(k), dict) and "full_s" in j[k]}
n = j["pages"]
print("stages one after another:", {k: round(v, 2) for k, v in stages.items()}, "sum", round(sum(stages.values()), 2),
      "s =", round(sum(stages.values()) / n, 3), "s/page")
ov = j.get("overlapped", {})
for name, o in (("layout stream first", ov), ("equal priorities", ov.get("equal_priorities", {}))):
    if o.get("wall_s"):
        print(f"overlapped, {name}: {o['wall_s']:.2f} s = {o['wall_s'] / n:.3f} s/page, layout done at {o['layout_wall_s']:.2f} s, errors {len(o['errors'])}")
    else:
        print(f"overlapped, {name}: {o}")
PY
echo "== [$(elapsed) s] done"
