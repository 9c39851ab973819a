#!/usr/bin/env bash
# The skinny GEMM (core/infer/skinny_gemm_kernel.cu) against cuBLAS in ONE call on the GPU machine (~2 minutes,
# no libtorch build): compiles tools/gpu/skinny_gemm_probe.cu with nvcc (ptxas's register and spill counts
# printed), checks every decode product shape of both decoders against cuBLAS, and times them one type at a
# time and as a step's chain (skinny_gemm_probe.cu says how). Run from the repository root:
#   bash tools/gpu/skinny_gemm_check.sh            (SKINNY_PROBE_ARGS=check: correctness only)
source "$(dirname "$0")/preamble.sh" skinny_gemm_check.txt
status=0
print_machine
PROBE=/tmp/skinny_gemm_probe
echo "== [$(elapsed) s] nvcc"
nvcc -O3 -std=c++17 -arch=sm_90 -I. -Xptxas -v tools/gpu/skinny_gemm_probe.cu core/infer/skinny_gemm_kernel.cu \
  -lcublas -o "$PROBE" > "$OUT/skinny_nvcc.log" 2>&1 || { echo "nvcc FAILED"; grep -E "error" -A3 "$OUT/skinny_nvcc.log" | head -40; exit 1; }
grep -A1 "skinnyGemmKernel" "$OUT/skinny_nvcc.log" | grep -E "registers|spill" | sed 's/^ptxas info *: //' | sort -u
# SKINNY_VARIANTS: LAYOUTLENS_SKINNY_VARIANT values to compare (warps a block, load fence, warps per SM the
# slice count aims at, slice count rounded up); empty: the kernel's defaults.
for v in ${SKINNY_VARIANTS:-default}; do
  echo "== [$(elapsed) s] probe, variant $v"
  if [ "$v" = default ]; then
    timeout 400 "$PROBE" ${SKINNY_PROBE_ARGS:-} || status=1
  else
    LAYOUTLENS_SKINNY_VARIANT=$v timeout 400 "$PROBE" ${SKINNY_PROBE_ARGS:-} | grep -vE "^check.* ok$" || status=1
  fi
done
echo "== [$(elapsed) s] done"
exit $status
