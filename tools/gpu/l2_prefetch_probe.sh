#!/usr/bin/env bash
# Whether prefetching a decode step's next weights into L2 from a parallel graph branch shortens the step
# (tools/gpu/l2_prefetch_probe.cu says how), in ONE short call on the GPU machine (~1 minute, no libtorch).
# Run from the repository root: bash tools/gpu/l2_prefetch_probe.sh [rounds]
source "$(dirname "$0")/preamble.sh" l2_prefetch_probe.txt
print_machine
nvcc -O3 -std=c++17 -arch=sm_90 -I. tools/gpu/l2_prefetch_probe.cu -lcublas -o /tmp/l2_prefetch_probe > "$OUT/l2_prefetch_nvcc.log" 2>&1 \
  || { echo "nvcc FAILED"; grep -E "error" -A3 "$OUT/l2_prefetch_nvcc.log" | head -30; exit 1; }
timeout 300 /tmp/l2_prefetch_probe "${1:-2}"
