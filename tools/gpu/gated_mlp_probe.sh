#!/usr/bin/env bash
# Whether the decode step's gated MLP in one kernel (core/infer/gated_mlp_kernel.cu) beats the cuBLAS chain,
# and whether it computes the same (tools/gpu/gated_mlp_probe.cu says how), in ONE short call on the GPU
# machine (~1 minute, no libtorch). Run from the repository root: bash tools/gpu/gated_mlp_probe.sh
source "$(dirname "$0")/preamble.sh" gated_mlp_probe.txt
print_machine
nvcc -O3 -std=c++17 -arch=sm_90 -rdc=true -DLL_GATED_MLP_TIMELINE -I. tools/gpu/gated_mlp_probe.cu core/infer/gated_mlp_kernel.cu core/infer/cuda_kernels.cu \
  -lcublas -o /tmp/gated_mlp_probe > "$OUT/gated_mlp_nvcc.log" 2>&1 \
  || { echo "nvcc FAILED"; grep -E "error" -A3 "$OUT/gated_mlp_nvcc.log" | head -30; exit 1; }
timeout 300 /tmp/gated_mlp_probe
