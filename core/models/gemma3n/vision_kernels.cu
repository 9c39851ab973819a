// MobileNetV5's RmsNorm2d + GELU + layer scale + residual in one kernel; see vision_kernels.h.
#include "core/models/gemma3n/vision_kernels.h"

#include "core/infer/bf16_vectors.cuh"
#include "core/infer/programmatic_launch.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace ll::models::gemma3n::kernels {
namespace {

using bf16 = __nv_bfloat16;
using infer::kernels::awaitPreviousKernel;
using infer::kernels::launchKernel;
using infer::kernels::rnd;

constexpr int kThreads = 256;

__device__ __forceinline__ float load(const bf16* p) { return __bfloat162float(*p); }

// ATen's gelu(approximate='tanh') in float32 (GeluCUDAKernelImpl; kBeta = M_SQRT2 * M_2_SQRTPI * 0.5).
__device__ __forceinline__ float geluTanh(float x) {
  const float kBeta = static_cast<float>(0.7978845608028654);
  const float kKappa = 0.044715f;
  const float inner = kBeta * (x + kKappa * (x * x * x));
  return 0.5f * x * (1.0f + tanhf(inner));
}

// The chain's 1 / sqrt(mean square + eps): x.pow(2) rounded, summed in float32, mean rounded, + eps rounded,
// rsqrt rounded (ATen's bfloat16 ops compute in float32 and store bfloat16).
__device__ __forceinline__ float inverseRms(float sumOfSquares, const Norm2dArgs& a) {
  const float meanSquare = rnd(sumOfSquares * a.meanFactor);
  return rnd(rsqrtf(rnd(meanSquare + a.eps)));
}

// Channel k of one pixel after the norm: the rest of the chain, each step rounded as the chain stores it.
__device__ __forceinline__ bf16 rest(float v, float r, int64_t k, int64_t at, const Norm2dArgs& a) {
  if (a.normalize) {
    v = rnd(v * r);
    if (a.weight) v = rnd(v * load(static_cast<const bf16*>(a.weight) + k));
  }
  if (a.gelu) v = rnd(geluTanh(v));
  if (a.gamma) v = rnd(v * load(static_cast<const bf16*>(a.gamma) + k));
  if (a.residual) v = rnd(v + load(static_cast<const bf16*>(a.residual) + at));
  return __float2bfloat16_rn(v);
}

// NCHW: one thread per pixel, the channels hw apart (neighbouring threads read neighbouring pixels).
__global__ void norm2dNchwKernel(Norm2dArgs a) {
  awaitPreviousKernel();
  const bf16* x = static_cast<const bf16*>(a.x);
  bf16* out = static_cast<bf16*>(a.out);
  const int64_t pixels = a.n * a.hw;
  for (int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; p < pixels;
       p += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t first = (p / a.hw) * a.c * a.hw + p % a.hw;
    float r = 1.f;
    if (a.normalize) {
      float sum = 0.f;
      for (int64_t k = 0; k < a.c; ++k) {
        const float v = load(x + first + k * a.hw);
        sum += rnd(v * v);
      }
      r = inverseRms(sum, a);
    }
    for (int64_t k = 0; k < a.c; ++k) {
      const int64_t at = first + k * a.hw;
      out[at] = rest(load(x + at), r, k, at, a);
    }
  }
}

// Channels-last: one warp per pixel, its channels contiguous.
__global__ void norm2dNhwcKernel(Norm2dArgs a) {
  awaitPreviousKernel();
  const bf16* x = static_cast<const bf16*>(a.x);
  bf16* out = static_cast<bf16*>(a.out);
  const int lane = threadIdx.x % 32;
  const int64_t pixels = a.n * a.hw, warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x / 32) + threadIdx.x / 32; p < pixels; p += warps) {
    const int64_t first = p * a.c;
    float r = 1.f;
    if (a.normalize) {
      float sum = 0.f;
      for (int64_t k = lane; k < a.c; k += 32) {
        const float v = load(x + first + k);
        sum += rnd(v * v);
      }
      for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
      r = inverseRms(sum, a);
    }
    for (int64_t k = lane; k < a.c; k += 32) out[first + k] = rest(load(x + first + k), r, k, first + k, a);
  }
}

unsigned blocksFor(int64_t items) {
  const int64_t blocks = (items + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 65535 ? (blocks > 0 ? blocks : 1) : 65535);
}

}  // namespace

const char* norm2d(const Norm2dArgs& a, void* stream) {
  if (!a.x || !a.out || a.n < 0 || a.c <= 0 || a.hw < 0) return "norm2d: missing input or output";
  if (!a.normalize && a.weight) return "norm2d: a norm weight without the norm";
  if (a.n * a.hw == 0) return nullptr;
  const auto s = static_cast<cudaStream_t>(stream);
  if (a.channelsLast)
    launchKernel(norm2dNhwcKernel, blocksFor(a.n * a.hw * 32), kThreads, 0, s, a);
  else
    launchKernel(norm2dNchwKernel, blocksFor(a.n * a.hw), kThreads, 0, s, a);
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

}  // namespace ll::models::gemma3n::kernels
