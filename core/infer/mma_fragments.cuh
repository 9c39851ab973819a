#pragma once
// Tensor-core fragment helpers shared by the CUDA sources of core/infer (mma.sync m16n8k16, bf16 in, float32
// accumulate). Included by .cu files only.
#include <cuda_runtime.h>
namespace ll::infer::kernels {

// d += a b for a [16, 16] (row-major fragment), b [16, 8] (column-major fragment), d [16, 8] float.
// Lane (g = lane / 4, t = lane % 4) holds a = {A[g][2t..2t+1], A[g+8][2t..2t+1], A[g][2t+8..2t+9],
// A[g+8][2t+8..2t+9]}, b = {B[2t..2t+1][g], B[2t+8..2t+9][g]}, d = {D[g][2t..2t+1], D[g+8][2t..2t+1]}.
__device__ __forceinline__ void mma16x8x16(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

}  // namespace ll::infer::kernels
