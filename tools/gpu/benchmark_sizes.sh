#!/usr/bin/env bash
# tools/gpu/benchmark.sh for several page counts in ONE call on the GPU machine (e.g. a full layout batch of
# 18 pages and a partial one of 8), sharing the build and the checkpoints. The device returns only a few
# files from $OUT, so each run's report and log come back as benchmarks_N.md and benchmark_N.log and
# everything else goes into bench_runs.tar.gz.
#   BENCH_SIZES="18 8" BENCH_BUDGETS="220 200" BENCH_COMMIT=<local HEAD> bash tools/gpu/benchmark_sizes.sh
# BENCH_BUDGETS: each run's BENCH_BUDGET_S, in the order of BENCH_SIZES (default 240 s each; the whole call
# must stay under the device's 10 minutes). Other BENCH_* variables pass through to benchmark.sh.
set -uo pipefail
OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
read -r -a sizes <<< "${BENCH_SIZES:-18 8}"
read -r -a budgets <<< "${BENCH_BUDGETS:-}"
status=0
for i in "${!sizes[@]}"; do
  n=${sizes[$i]}
  budget=${budgets[$i]:-240}
  echo "== $n pages, budget $budget s"
  OUT="$OUT/p$n" BENCH_PAGES="$n" BENCH_BUDGET_S="$budget" bash "$(dirname "$0")/benchmark.sh" > /dev/null 2>&1 || status=1
  if [ -f "$OUT/p$n/benchmarks.md" ]; then
    mv "$OUT/p$n/benchmarks.md" "$OUT/benchmarks_$n.md"
    grep -E "^\| \*\*end to end|end to end ≤" "$OUT/benchmarks_$n.md" | head -2
  else
    echo "no report for $n pages"; status=1
  fi
  [ -f "$OUT/p$n/benchmark.log" ] && mv "$OUT/p$n/benchmark.log" "$OUT/benchmark_$n.log"
done
runs=(); for n in "${sizes[@]}"; do [ -d "$OUT/p$n" ] && runs+=("p$n"); done
(( ${#runs[@]} > 0 )) && (cd "$OUT" && tar -czf bench_runs.tar.gz "${runs[@]}" && rm -rf "${runs[@]}")
exit $status
