#!/usr/bin/env bash
# How far the layout step's decode attention is from the floor of the bytes it reads, and where the rest goes
# (tools/gpu/attention_probe.cu says how), in ONE short call on the GPU machine (~30 s, no libtorch).
# Run from the repository root: bash tools/gpu/attention_probe.sh
source "$(dirname "$0")/preamble.sh" attention_probe.txt
print_machine
nvcc -O3 -std=c++17 -arch=sm_90 -I. tools/gpu/attention_probe.cu -o /tmp/attention_probe > "$OUT/attention_nvcc.log" 2>&1 \
  || { echo "nvcc FAILED"; grep -E "error" -A3 "$OUT/attention_nvcc.log" | head -30; exit 1; }
timeout 120 /tmp/attention_probe
