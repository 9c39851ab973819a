#!/usr/bin/env bash
# What a dependency between two phases of a decode step costs (tools/gpu/boundary_probe.cu says how), in ONE
# short call on the GPU machine (~30 s, no libtorch). Run from the repository root: bash tools/gpu/boundary_probe.sh
source "$(dirname "$0")/preamble.sh" boundary_probe.txt
print_machine
nvcc -O3 -std=c++17 -arch=sm_90 -I. tools/gpu/boundary_probe.cu -o /tmp/boundary_probe > "$OUT/boundary_nvcc.log" 2>&1 \
  || { echo "nvcc FAILED"; grep -E "error" -A3 "$OUT/boundary_nvcc.log" | head -30; exit 1; }
/tmp/boundary_probe
