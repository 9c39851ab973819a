#pragma once
// One warp-wide tensor-core product, mma.sync m16n8k16 with bfloat16 inputs and float32 accumulation, for our
// kernels that multiply small tiles (the split-KV decode attention, Gemma 3n's per-layer input gate).
// Fragment layouts (PTX ISA, "Matrix Fragments for mma.m16n8k16"), lane = 4 g + t:
//   a [16, 16] row-major: a[0] = (row g, cols 2t, 2t + 1), a[1] = (row g + 8, same cols),
//                         a[2] = (row g, cols 2t + 8, 2t + 9), a[3] = (row g + 8, same cols);
//   b [16, 8] column-major: b0 = (rows 2t, 2t + 1, col g), b1 = (rows 2t + 8, 2t + 9, col g);
//   d [16, 8] float: d[0], d[1] = (row g, cols 2t, 2t + 1), d[2], d[3] = (row g + 8, same cols).
// Each register holds two bfloat16, the lower column (a) or row (b) in the low half. Included by .cu files only.
#include <cuda_runtime.h>

namespace ll::infer::kernels {

// d += a b.
__device__ __forceinline__ void mma16x8x16(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

}  // namespace ll::infer::kernels
