#!/usr/bin/env bash
# Whether cuBLASLt has faster algorithms for the decode steps' weight products than what libtorch gets
# (tools/gpu/gemm_algo_probe.cu says how), in ONE short call on the GPU machine (~2 minutes, no libtorch).
# Run from the repository root: bash tools/gpu/gemm_algo_probe.sh [rows...] (default 8 24)
source "$(dirname "$0")/preamble.sh" gemm_algo_probe.txt
print_machine
nvcc -O3 -std=c++17 -arch=sm_90 -I. tools/gpu/gemm_algo_probe.cu -lcublasLt -lcublas -o /tmp/gemm_algo_probe > "$OUT/gemm_algo_nvcc.log" 2>&1 \
  || { echo "nvcc FAILED"; grep -E "error" -A3 "$OUT/gemm_algo_nvcc.log" | head -30; exit 1; }
timeout 500 /tmp/gemm_algo_probe "$@"
