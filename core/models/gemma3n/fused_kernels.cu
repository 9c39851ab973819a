// Fused CUDA kernels for Gemma 3n's per-layer elementwise chains; see fused_kernels.h for what each
// computes and how its rounding follows the op chain it replaces (text_decoder_layer.cpp keeps that chain
// for the CPU, float32 and builds without these kernels). A decode step of E4B is ~60 kernels per layer,
// most of them tiny: these five take ~20 of them per layer, each a launch and a round trip through memory.
#include "core/models/gemma3n/fused_kernels.h"

#include "core/infer/bf16_vectors.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace ll::models::gemma3n::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kThreads = 256;
constexpr int kStreams = 4;           // AltUp streams
constexpr int kHidden = kThreads * 8;  // 2048
constexpr int kHead = 256;             // attention head size

using infer::kernels::rnd;

__device__ __forceinline__ float load(const bf16* p) { return __bfloat162float(*p); }

// ATen's gelu(approximate='tanh') in float32 (GeluCUDAKernelImpl; kBeta = M_SQRT2 * M_2_SQRTPI * 0.5 = sqrt(2/pi)).
__device__ __forceinline__ float geluTanh(float x) {
  const float kBeta = static_cast<float>(0.7978845608028654);
  const float kKappa = 0.044715f;
  const float inner = kBeta * (x + kKappa * (x * x * x));
  return 0.5f * x * (1.0f + tanhf(inner));
}

__device__ __forceinline__ float warpSum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Eight consecutive bfloat16 values in one 16-byte access (addresses are 16-byte aligned: the wrappers check).
__device__ __forceinline__ void load8(const bf16* p, float (&out)[8]) {
  infer::kernels::unpack8(*reinterpret_cast<const uint4*>(p), out);
}
__device__ __forceinline__ void store8(bf16* p, const float (&in)[8]) {
  *reinterpret_cast<uint4*>(p) = infer::kernels::pack8(in);
}

// These steps are latency-bound (a few dozen rows): every kernel below issues all of a thread's loads
// at once (16-byte accesses, loops unrolled at compile time) and synchronises at most twice, so a call
// costs about one memory round trip. Shapes are compile-time: hidden size kHidden = 256 threads x 8,
// kStreams AltUp streams (every released Gemma 3n); the wrappers fall back to the op chains otherwise.

// One block per row; the RMS and the N dot products are block reductions of per-thread partial sums.
__global__ void __launch_bounds__(kThreads) routerTanhKernel(const bf16* x, int64_t xRowStride, const bf16* normWeight,
                                                             float eps, const bf16* W, bf16* out) {
  __shared__ float partial[kThreads / 32][kStreams + 1];
  const int64_t r = blockIdx.x;
  const int d0 = threadIdx.x * 8, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  float xv[8], wv[8], mv[kStreams][8];
  load8(x + r * xRowStride + d0, xv);
  load8(normWeight + d0, wv);
#pragma unroll
  for (int m = 0; m < kStreams; ++m) load8(W + m * kHidden + d0, mv[m]);
  float sumSquares = 0.f;
#pragma unroll
  for (int i = 0; i < 8; ++i) sumSquares += xv[i] * xv[i];
  sumSquares = warpSum(sumSquares);
  if (lane == 0) partial[warp][kStreams] = sumSquares;
  __syncthreads();
  float total = 0.f;
#pragma unroll
  for (int w = 0; w < kThreads / 32; ++w) total += partial[w][kStreams];
  const float inv = rsqrtf(total / static_cast<float>(kHidden) + eps);
  float acc[kStreams] = {};
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const float normed = rnd(xv[i] * inv * wv[i]);
#pragma unroll
    for (int m = 0; m < kStreams; ++m) acc[m] += normed * mv[m][i];
  }
#pragma unroll
  for (int m = 0; m < kStreams; ++m) {
    acc[m] = warpSum(acc[m]);
    if (lane == 0) partial[warp][m] = acc[m];
  }
  __syncthreads();
  if (threadIdx.x < kStreams) {
    float dot = 0.f;
#pragma unroll
    for (int w = 0; w < kThreads / 32; ++w) dot += partial[w][threadIdx.x];
    out[r * kStreams + threadIdx.x] = __float2bfloat16_rn(tanhf(rnd(dot)));
  }
}

// The row's N x N coefficients (its router output times P^T, rounded as the linear layer stores them),
// computed by every thread from cached loads; then 8 consecutive elements of each stream per thread.
__device__ __forceinline__ void rowCoefficients(const bf16* router, const bf16* P, int64_t r, float (&c)[kStreams][kStreams]) {
  float rv[kStreams];
#pragma unroll
  for (int m = 0; m < kStreams; ++m) rv[m] = load(router + r * kStreams + m);
#pragma unroll
  for (int j = 0; j < kStreams; ++j)
#pragma unroll
    for (int k = 0; k < kStreams; ++k) {
      float v = 0.f;
#pragma unroll
      for (int m = 0; m < kStreams; ++m) v += rv[m] * load(P + (j * kStreams + k) * kStreams + m);
      c[j][k] = rnd(v);
    }
}

__global__ void __launch_bounds__(kThreads) altupPredictKernel(const bf16* streams, const bf16* router, const bf16* P,
                                                               int64_t n, bf16* out) {
  const int64_t r = blockIdx.x, plane = n * kHidden;
  const int d0 = threadIdx.x * 8;
  float s[kStreams][8];
#pragma unroll
  for (int k = 0; k < kStreams; ++k) load8(streams + k * plane + r * kHidden + d0, s[k]);
  float c[kStreams][kStreams];
  rowCoefficients(router, P, r, c);
#pragma unroll
  for (int j = 0; j < kStreams; ++j) {
    float o[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      float mix = 0.f;
#pragma unroll
      for (int k = 0; k < kStreams; ++k) mix += c[j][k] * s[k][i];
      o[i] = rnd(mix) + s[j][i];
    }
    store8(out + j * plane + r * kHidden + d0, o);
  }
}

__global__ void residualMixKernel(const bf16* u, const bf16* attn, const bf16* h, const bf16* laurelNormed, float invSqrt2,
                                  int64_t count, bf16* z) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float laurel = rnd(load(h + i) + load(laurelNormed + i));
    const float gated = rnd(load(u + i) + load(attn + i));
    z[i] = __float2bfloat16_rn(rnd(gated + laurel) * invSqrt2);
  }
}

__global__ void __launch_bounds__(kThreads) altupCorrectKernel(const bf16* z2, const bf16* u, const bf16* pred,
                                                               const bf16* router2, const bf16* C, int a,
                                                               const bf16* scale, int64_t n, bf16* out, bf16* active) {
  const int64_t r = blockIdx.x, plane = n * kHidden;
  const int d0 = threadIdx.x * 8;
  float zv[8], uv[8], pv[kStreams][8], sv[8];
  load8(z2 + r * kHidden + d0, zv);
  load8(u + r * kHidden + d0, uv);
#pragma unroll
  for (int j = 0; j < kStreams; ++j) load8(pred + j * plane + r * kHidden + d0, pv[j]);
  if (scale) load8(scale + d0, sv);
  float gains[kStreams];
#pragma unroll
  for (int j = 0; j < kStreams; ++j) {
    float g = 0.f;
#pragma unroll
    for (int m = 0; m < kStreams; ++m) g += load(router2 + r * kStreams + m) * load(C + j * kStreams + m);
    gains[j] = rnd(rnd(g) + 1.0f);
  }
  float innovation[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) innovation[i] = rnd(zv[i] - uv[i]);
#pragma unroll
  for (int j = 0; j < kStreams; ++j) {
    float o[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) o[i] = rnd(rnd(innovation[i] * gains[j]) + pv[j][i]);
    store8(out + j * plane + r * kHidden + d0, o);
    if (j == a) {
      if (scale) {
#pragma unroll
        for (int i = 0; i < 8; ++i) o[i] = o[i] * sv[i];
      }
      store8(active + r * kHidden + d0, o);
    }
  }
}

__global__ void geluTanhMulKernel(const bf16* g, int64_t gStride, const bf16* m, int64_t mStride, int64_t n, int64_t K,
                                  bf16* out) {
  const int64_t count = n * K;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / K, k = i % K;
    out[i] = __float2bfloat16_rn(rnd(geluTanh(load(g + r * gStride + k))) * load(m + r * mStride + k));
  }
}

// One warp per (row, head) of kHead = 256 values, 8 consecutive ones per lane (one 16-byte access each for
// x, its norm weight, cos and sin). The rotary partner of element i is i +- 128: the same slot of lane
// L xor 16. Head index: q heads, then k heads, then v heads.
constexpr int kHeadWarps = 4;
__global__ void __launch_bounds__(32 * kHeadWarps) qkvNormRotaryKernel(const bf16* proj, int64_t projStride, int64_t n,
                                                                       int hq, int hkv, const bf16* qNorm,
                                                                       const bf16* kNorm, const bf16* cos,
                                                                       const bf16* signedSin, float eps, bf16* q,
                                                                       bf16* k, bf16* v) {
  const int heads = hq + 2 * hkv;
  const int64_t item = static_cast<int64_t>(blockIdx.x) * kHeadWarps + threadIdx.x / 32;
  if (item >= n * heads) return;  // whole warps leave together: the shuffles below stay full-warp
  const int64_t r = item / heads;
  const int head = static_cast<int>(item % heads);
  const int lane = threadIdx.x % 32, i0 = lane * 8;
  const bool isQ = head < hq, isK = !isQ && head < hq + hkv;
  const bf16* weight = isQ ? qNorm : (isK ? kNorm : nullptr);
  float xv[8], wv[8], cv[8], sv[8];
  load8(proj + r * projStride + static_cast<int64_t>(head) * kHead + i0, xv);
  if (weight) load8(weight + i0, wv);
  if (isQ || isK) {
    load8(cos + r * kHead + i0, cv);
    load8(signedSin + r * kHead + i0, sv);
  }
  float sumSquares = 0.f;
#pragma unroll
  for (int i = 0; i < 8; ++i) sumSquares += xv[i] * xv[i];
  const float inv = rsqrtf(warpSum(sumSquares) / static_cast<float>(kHead) + eps);
#pragma unroll
  for (int i = 0; i < 8; ++i) xv[i] = rnd(weight ? xv[i] * inv * wv[i] : xv[i] * inv);
  bf16* dst = isQ ? q + (r * hq + head) * kHead
                  : (isK ? k + (r * hkv + head - hq) * kHead : v + (r * hkv + head - hq - hkv) * kHead);
  if (isQ || isK) {
    float o[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const float partner = __shfl_xor_sync(0xffffffffu, xv[i], 16);
      o[i] = rnd(xv[i] * cv[i]) + rnd(partner * sv[i]);
    }
    store8(dst + i0, o);
  } else {
    store8(dst + i0, xv);
  }
}

const char* launched() {
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

unsigned gridFor(int64_t count) {
  const int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 65535 ? (blocks > 0 ? blocks : 1) : 65535);
}

bool aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

const bf16* in(const void* p) { return static_cast<const bf16*>(p); }
bf16* outPtr(void* p) { return static_cast<bf16*>(p); }
cudaStream_t on(void* s) { return static_cast<cudaStream_t>(s); }

}  // namespace

const char* routerTanh(const void* x, int64_t xRowStride, int64_t n, int64_t D, const void* normWeight, float eps,
                       const void* W, int N, void* out, void* stream) {
  if (N != kStreams || D != kHidden) return "routerTanh: built for 4 AltUp streams of 2048";
  if (!aligned(x) || xRowStride % 8 != 0 || !aligned(normWeight) || !aligned(W)) return "routerTanh: misaligned input";
  if (n == 0) return nullptr;
  routerTanhKernel<<<static_cast<unsigned>(n), kThreads, 0, on(stream)>>>(in(x), xRowStride, in(normWeight), eps, in(W),
                                                                         outPtr(out));
  return launched();
}

const char* altupPredict(const void* streams, const void* router, const void* P, int N, int64_t n, int64_t D, void* out,
                         void* stream) {
  if (N != kStreams || D != kHidden) return "altupPredict: built for 4 AltUp streams of 2048";
  if (!aligned(streams) || !aligned(out)) return "altupPredict: misaligned input";
  if (n == 0) return nullptr;
  altupPredictKernel<<<static_cast<unsigned>(n), kThreads, 0, on(stream)>>>(in(streams), in(router), in(P), n,
                                                                           outPtr(out));
  return launched();
}

const char* residualMix(const void* u, const void* attn, const void* h, const void* laurelNormed, float invSqrt2,
                        int64_t count, void* z, void* stream) {
  if (count == 0) return nullptr;
  residualMixKernel<<<gridFor(count), kThreads, 0, on(stream)>>>(in(u), in(attn), in(h), in(laurelNormed), invSqrt2,
                                                                 count, outPtr(z));
  return launched();
}

const char* altupCorrect(const void* z2, const void* u, const void* pred, const void* router2, const void* C, int N,
                         int a, const void* scale, int64_t n, int64_t D, void* out, void* active, void* stream) {
  if (N != kStreams || D != kHidden || a < 0 || a >= N) return "altupCorrect: built for 4 AltUp streams of 2048";
  if (!aligned(z2) || !aligned(u) || !aligned(pred) || (scale && !aligned(scale)) || !aligned(out) || !aligned(active))
    return "altupCorrect: misaligned input";
  if (n == 0) return nullptr;
  altupCorrectKernel<<<static_cast<unsigned>(n), kThreads, 0, on(stream)>>>(in(z2), in(u), in(pred), in(router2), in(C), a,
                                                                           scale ? in(scale) : nullptr, n, outPtr(out),
                                                                           outPtr(active));
  return launched();
}

const char* geluTanhMul(const void* g, int64_t gStride, const void* m, int64_t mStride, int64_t n, int64_t K, void* out,
                        void* stream) {
  if (n * K == 0) return nullptr;
  geluTanhMulKernel<<<gridFor(n * K), kThreads, 0, on(stream)>>>(in(g), gStride, in(m), mStride, n, K, outPtr(out));
  return launched();
}

const char* qkvNormRotary(const void* proj, int64_t projStride, int64_t n, int hq, int hkv, int d, const void* qNorm,
                          const void* kNorm, const void* cos, const void* signedSin, float eps, void* q, void* k, void* v,
                          void* stream) {
  if (d != kHead) return "qkvNormRotary: built for heads of 256";
  if (!aligned(proj) || projStride % 8 != 0 || !aligned(qNorm) || (kNorm && !aligned(kNorm)) || !aligned(cos) ||
      !aligned(signedSin))
    return "qkvNormRotary: misaligned input";
  const int64_t items = n * (hq + 2 * hkv);
  if (items == 0) return nullptr;
  const unsigned blocks = static_cast<unsigned>((items + kHeadWarps - 1) / kHeadWarps);
  qkvNormRotaryKernel<<<blocks, 32 * kHeadWarps, 0, on(stream)>>>(in(proj), projStride, n, hq, hkv, in(qNorm),
                                                                  hkv ? in(kNorm) : nullptr, in(cos), in(signedSin), eps,
                                                                  outPtr(q), outPtr(k), outPtr(v));
  return launched();
}

}  // namespace ll::models::gemma3n::kernels
