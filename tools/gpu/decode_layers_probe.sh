#!/usr/bin/env bash
# Whether a decode step's layers as one persistent kernel of dependent tasks beat the chain of kernels
# (tools/gpu/decode_layers_probe.cu says how), in ONE short call on the GPU machine (~30 s, no libtorch): the
# probe built in each variant below, e.g. without the tasks' waits for their inputs (LL_NO_WAIT=1: times only,
# to tell the dependencies' cost from the tasks'). Every variant measured is in docs/benchmarks.md.
# Run from the repository root: bash tools/gpu/decode_layers_probe.sh
source "$(dirname "$0")/preamble.sh" decode_layers_probe.txt
print_machine
# scale:no-wait[:gate/up rows prefetched into the L2[:input buffers[:tasks taken ahead[:weight warps[:bulk copies[:input reuse]]]]]]
# (no-wait: the tasks without their input waits, times only)
# The default: the design as it stands (bulk copies, input reuse), the same without its input waits, and the
# eighteenth session's starting point (16-byte copies, no reuse), all in one call.
variants=${DECODE_LAYERS_VARIANTS:-"1:0:0:2:0:1:1:1 1:1:0:2:0:1:1:1 1:0"}
for v in $variants; do
  IFS=: read -r scale nowait prefetch buffers ahead weights bulk reuse <<< "$v"
  nvcc -O3 -std=c++17 -arch=sm_90 -I. -DLL_TASK_SCALE=$scale -DLL_NO_WAIT=$nowait -DLL_PREFETCH_GU_ROWS=${prefetch:-0} \
    -DLL_INPUT_BUFFERS=${buffers:-2} -DLL_TICKET_LOOKAHEAD=${ahead:-0} -DLL_WEIGHT_WARPS=${weights:-1} -DLL_BULK_WEIGHTS=${bulk:-0} -DLL_INPUT_REUSE=${reuse:-0} \
    tools/gpu/decode_layers_probe.cu -lcublas -o /tmp/decode_layers_probe_${v//:/_} > "$OUT/decode_layers_nvcc.log" 2>&1 \
    || { echo "nvcc FAILED"; grep -E "error" -A3 "$OUT/decode_layers_nvcc.log" | head -30; exit 1; }
done
for v in $variants; do timeout 60 /tmp/decode_layers_probe_${v//:/_} || echo "variant $v: exit $?"; done
