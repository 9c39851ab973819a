#pragma once
// Device helpers for the CUDA sources of core/infer and core/models: eight bfloat16 values as one 16-byte
// vector (the widest load a thread issues) unpacked to float32 and packed back, loaded and stored as such, the
// launchers' alignment check for it, and the rounding an op chain applies when it stores an intermediate as
// bfloat16. Included by .cu files only.
#include <cuda_bf16.h>

#include <cstdint>

#include "core/infer/aligned.h"

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

// Eight consecutive bfloat16 values in one 16-byte access; p must be 16-byte aligned (launchers check with aligned16).
__device__ __forceinline__ void load8(const __nv_bfloat16* p, float (&out)[8]) {
  unpack8(*reinterpret_cast<const uint4*>(p), out);
}
__device__ __forceinline__ void store8(__nv_bfloat16* p, const float (&in)[8]) {
  *reinterpret_cast<uint4*>(p) = pack8(in);
}

// Whether a pointer allows the 16-byte accesses above (core/infer/aligned.h).
using infer::aligned16;

// Rounds to bfloat16 and back: what storing an intermediate as bfloat16 does in the op chain.
__device__ __forceinline__ float rnd(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }

}  // namespace ll::infer::kernels
