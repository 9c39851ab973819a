// MobileNetV5's RmsNorm2d + GELU + layer scale + residual in one kernel; see vision_kernels.h.
#include "core/models/gemma3n/vision_kernels.h"

#include "core/infer/bf16_vectors.cuh"
#include "core/infer/programmatic_launch.cuh"
#include "core/models/gemma3n/gelu_tanh.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace ll::models::gemma3n::kernels {
namespace {

using bf16 = __nv_bfloat16;
using infer::kernels::awaitPreviousKernel;
using infer::kernels::launchKernel;
using infer::kernels::aligned16;
using infer::kernels::load8;
using infer::kernels::rnd;
using infer::kernels::store8;

constexpr int kThreads = 256;

// The chain's 1 / sqrt(mean square + eps): x.pow(2) rounded, summed in float32, mean rounded, + eps rounded,
// rsqrt rounded (ATen's bfloat16 ops compute in float32 and store bfloat16).
__device__ __forceinline__ float inverseRms(float sumOfSquares, const Norm2dArgs& a) {
  const float meanSquare = rnd(sumOfSquares * a.meanFactor);
  return rnd(rsqrtf(rnd(meanSquare + a.eps)));
}

// One value after the norm: the rest of the chain, each step rounded as the chain stores it.
__device__ __forceinline__ float rest(float v, float r, float w, float g, float res, const Norm2dArgs& a) {
  if (a.normalize) {
    v = rnd(v * r);
    if (a.weight) v = rnd(v * w);
  }
  if (a.gelu) v = rnd(geluTanh(v));
  if (a.gamma) v = rnd(v * g);
  if (a.residual) v = rnd(v + res);
  return v;
}

// Channels-last: L lanes per pixel (L * 8 >= the channels, up to a warp), 8 channels per 16-byte load; the
// pixel's sum of squares reduced over its lanes, then the outputs (the row read again, from cache). Every lane
// of a warp reaches the shuffles (pixels past the end take part with nothing to add).
template <int L>
__global__ void norm2dNhwcKernel(Norm2dArgs a) {
  awaitPreviousKernel();
  const int64_t p = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / L;
  const int lane = static_cast<int>(threadIdx.x % L);
  const bool valid = p < a.n * a.hw;
  const int64_t first = p * a.c;
  const auto bf = [](const void* q) { return static_cast<const bf16*>(q); };
  float r = 1.f;
  if (a.normalize) {
    float sum = 0.f;
    if (valid)
      for (int64_t k = lane * 8; k < a.c; k += L * 8) {
        float v[8];
        load8(bf(a.x) + first + k, v);
#pragma unroll
        for (int i = 0; i < 8; ++i) sum += rnd(v[i] * v[i]);
      }
#pragma unroll
    for (int o = L / 2; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
    r = inverseRms(sum, a);
  }
  if (!valid) return;
  for (int64_t k = lane * 8; k < a.c; k += L * 8) {
    float v[8], w[8] = {}, g[8] = {}, res[8] = {};
    load8(bf(a.x) + first + k, v);
    if (a.weight) load8(bf(a.weight) + k, w);
    if (a.gamma) load8(bf(a.gamma) + k, g);
    if (a.residual) load8(bf(a.residual) + first + k, res);
#pragma unroll
    for (int i = 0; i < 8; ++i) v[i] = rest(v[i], r, w[i], g[i], res[i], a);
    store8(static_cast<bf16*>(a.out) + first + k, v);  // already bfloat16 values: stored exactly
  }
}

// NCHW: a block is 64 pixels (32 lanes, two neighbouring pixels each: 128-byte rows per warp) by 8 channel
// groups (the warps); each thread sums its pixel pair over every 8th channel, the 8 partial sums meet in shared
// memory, then each thread writes its channels. The image's pixel count must be even (a pair never straddles
// two images).
constexpr int kNchwGroups = kThreads / 32;

__global__ void __launch_bounds__(kThreads) norm2dNchwKernel(Norm2dArgs a) {
  awaitPreviousKernel();
  __shared__ float partial[kNchwGroups][32][2];
  const int lane = threadIdx.x % 32, group = threadIdx.x / 32;
  const int64_t pair = blockIdx.x * int64_t{32} + lane, pixel = pair * 2;
  const bool valid = pixel < a.n * a.hw;
  const int64_t first = valid ? (pixel / a.hw) * a.c * a.hw + pixel % a.hw : 0;
  auto at = [&](int64_t k) { return first + k * a.hw; };
  auto load2 = [](const void* base, int64_t i) {
    return __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(static_cast<const bf16*>(base) + i));
  };
  float r0 = 1.f, r1 = 1.f;
  if (a.normalize) {
    float s0 = 0.f, s1 = 0.f;
    if (valid)
      for (int64_t k = group; k < a.c; k += kNchwGroups) {
        const float2 v = load2(a.x, at(k));
        s0 += rnd(v.x * v.x);
        s1 += rnd(v.y * v.y);
      }
    partial[group][lane][0] = s0;
    partial[group][lane][1] = s1;
    __syncthreads();
    s0 = s1 = 0.f;
#pragma unroll
    for (int g = 0; g < kNchwGroups; ++g) {
      s0 += partial[g][lane][0];
      s1 += partial[g][lane][1];
    }
    r0 = inverseRms(s0, a);
    r1 = inverseRms(s1, a);
  }
  if (!valid) return;
  const bf16* w = static_cast<const bf16*>(a.weight);
  const bf16* g = static_cast<const bf16*>(a.gamma);
  for (int64_t k = group; k < a.c; k += kNchwGroups) {
    const float2 v = load2(a.x, at(k));
    const float wk = w ? __bfloat162float(w[k]) : 0.f, gk = g ? __bfloat162float(g[k]) : 0.f;
    const float2 res = a.residual ? load2(a.residual, at(k)) : float2{0.f, 0.f};
    *reinterpret_cast<__nv_bfloat162*>(static_cast<bf16*>(a.out) + at(k)) =
        __floats2bfloat162_rn(rest(v.x, r0, wk, gk, res.x, a), rest(v.y, r1, wk, gk, res.y, a));
  }
}

template <int L>
void launchNhwc(const Norm2dArgs& a, cudaStream_t stream) {
  const int64_t blocks = (a.n * a.hw * L + kThreads - 1) / kThreads;
  launchKernel(norm2dNhwcKernel<L>, static_cast<unsigned>(blocks), kThreads, 0, stream, a);
}

}  // namespace

const char* norm2d(const Norm2dArgs& a, void* stream) {
  if (!a.x || !a.out || a.n < 0 || a.c <= 0 || a.hw < 0) return "norm2d: missing input or output";
  if (!a.normalize && a.weight) return "norm2d: a norm weight without the norm";
  if (!aligned16(a.x) || !aligned16(a.out) || !aligned16(a.weight) || !aligned16(a.gamma) || !aligned16(a.residual))
    return "norm2d: every tensor must be 16-byte aligned";
  if (a.n * a.hw == 0) return nullptr;
  const auto s = static_cast<cudaStream_t>(stream);
  if (!a.channelsLast) {
    if (a.hw % 2 != 0) return "norm2d: NCHW maps need an even pixel count";
    const int64_t blocks = (a.n * a.hw / 2 + 31) / 32;
    launchKernel(norm2dNchwKernel, static_cast<unsigned>(blocks), kThreads, 0, s, a);
    const cudaError_t e = cudaGetLastError();
    return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
  }
  if (a.c % 8 != 0) return "norm2d: channels-last maps need a multiple of 8 channels";
  if (a.c <= 8) launchNhwc<1>(a, s);
  else if (a.c <= 16) launchNhwc<2>(a, s);
  else if (a.c <= 32) launchNhwc<4>(a, s);
  else if (a.c <= 64) launchNhwc<8>(a, s);
  else if (a.c <= 128) launchNhwc<16>(a, s);
  else launchNhwc<32>(a, s);
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

}  // namespace ll::models::gemma3n::kernels
