#pragma once
// Device helpers for the CUDA sources of core/infer and core/models: eight bfloat16 values as one 16-byte
// vector (the widest load a thread issues) unpacked to float32 and packed back, and the rounding an op
// chain applies when it stores an intermediate as bfloat16. Included by .cu files only.
#include <cuda_bf16.h>

namespace ll::infer::kernels {

__device__ __forceinline__ void unpack8(const uint4& raw, float (&out)[8]) {
  const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 f = __bfloat1622float2(h[i]);
    out[2 * i] = f.x;
    out[2 * i + 1] = f.y;
  }
}

__device__ __forceinline__ uint4 pack8(const float (&in)[8]) {
  uint4 raw;
  __nv_bfloat162* h = reinterpret_cast<__nv_bfloat162*>(&raw);
#pragma unroll
  for (int i = 0; i < 4; ++i) h[i] = __floats2bfloat162_rn(in[2 * i], in[2 * i + 1]);
  return raw;
}

// Rounds to bfloat16 and back: what storing an intermediate as bfloat16 does in the op chain.
__device__ __forceinline__ float rnd(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }

}  // namespace ll::infer::kernels
