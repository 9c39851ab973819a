#pragma once
// Tensor-core helpers for the CUDA sources of core/infer (sm_80+): the bfloat16 mma.sync m16n8k16 with float32
// accumulation, and a float pair packed as the bfloat16 pair of a fragment register. Included by .cu files only.
//
// Fragment layout (PTX ISA, mma.m16n8k16 .bf16), lane = 4 g + t:
//   A [16, 16] row-major: a0 = (row g, cols 2t, 2t + 1), a1 = (row g + 8, same cols), a2 = (row g, cols 2t + 8,
//     2t + 9), a3 = (row g + 8, cols 2t + 8, 2t + 9);
//   B [16, 8]: b0 = (rows 2t, 2t + 1, col g), b1 = (rows 2t + 8, 2t + 9, col g);
//   C [16, 8] float: c0, c1 = (row g, cols 2t, 2t + 1), c2, c3 = (row g + 8, cols 2t, 2t + 1).
// The lower column (or row) of a pair sits in the low 16 bits.
#include <cuda_bf16.h>

namespace ll::infer::kernels {

// d += a b.
__device__ __forceinline__ void mma16x8x16(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ unsigned packPair(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const unsigned*>(&v);
}

}  // namespace ll::infer::kernels
