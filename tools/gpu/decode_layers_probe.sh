#!/usr/bin/env bash
# Whether a decode step's layers as one persistent kernel of dependent tasks beat the chain of kernels
# (tools/gpu/decode_layers_probe.cu says how), in ONE short call on the GPU machine (~1 minute, no libtorch):
# the probe built with the tasks as they are, with fewer and longer ones (LL_TASK_SCALE=2), and without the
# tasks' waits for their inputs (LL_NO_WAIT=1: times only, to tell the dependencies' cost from the tasks').
# Run from the repository root: bash tools/gpu/decode_layers_probe.sh
source "$(dirname "$0")/preamble.sh" decode_layers_probe.txt
print_machine
# scale:no-wait[:gate/up rows prefetched into the L2[:input buffers[:tasks taken ahead[:weight warps]]]]
# (no-wait: the tasks without their input waits, times only)
variants=${DECODE_LAYERS_VARIANTS:-"1:0 2:0 1:1"}
for v in $variants; do
  IFS=: read -r scale nowait prefetch buffers ahead weights <<< "$v"
  nvcc -O3 -std=c++17 -arch=sm_90 -I. -DLL_TASK_SCALE=$scale -DLL_NO_WAIT=$nowait -DLL_PREFETCH_GU_ROWS=${prefetch:-0} \
    -DLL_INPUT_BUFFERS=${buffers:-2} -DLL_TICKET_LOOKAHEAD=${ahead:-0} -DLL_WEIGHT_WARPS=${weights:-1} \
    tools/gpu/decode_layers_probe.cu -lcublas -o /tmp/decode_layers_probe_${v//:/_} > "$OUT/decode_layers_nvcc.log" 2>&1 \
    || { echo "nvcc FAILED"; grep -E "error" -A3 "$OUT/decode_layers_nvcc.log" | head -30; exit 1; }
done
for v in $variants; do timeout 60 /tmp/decode_layers_probe_${v//:/_} || echo "variant $v: exit $?"; done
