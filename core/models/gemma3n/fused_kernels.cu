// Fused CUDA kernels for Gemma 3n's per-layer elementwise chains; see fused_kernels.h for what each
// computes and how its rounding follows the op chain it replaces (text_decoder_layer.cpp keeps that chain
// for the CPU, float32 and builds without these kernels). A decode step of E4B is ~60 kernels per layer,
// most of them tiny: these five take ~20 of them per layer, each a launch and a round trip through memory.
#include "core/models/gemma3n/fused_kernels.h"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace ll::models::gemma3n::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kThreads = 256;
constexpr int kMaxStreams = 8;  // AltUp streams (4 in every released Gemma 3n)

__device__ __forceinline__ float load(const bf16* p) { return __bfloat162float(*p); }
// Rounds to bfloat16 and back: what storing an intermediate as bfloat16 does in the op chain.
__device__ __forceinline__ float rnd(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }

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

// One warp per row: a decode step has a few dozen rows, and a warp's shuffles need no block barrier
// (a block per row with block-wide reductions took 12 us a call on an H100).
constexpr int kRouterWarps = 4;
__global__ void routerTanhKernel(const bf16* x, int64_t xRowStride, int64_t n, int64_t D, const bf16* normWeight,
                                 float eps, const bf16* W, int N, bf16* out) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * kRouterWarps + threadIdx.x / 32;
  if (r >= n) return;
  const int lane = threadIdx.x % 32;
  const bf16* row = x + r * xRowStride;
  float sumSquares = 0.f;
  for (int64_t d = lane; d < D; d += 32) {
    const float v = load(row + d);
    sumSquares += v * v;
  }
  const float inv = rsqrtf(warpSum(sumSquares) / static_cast<float>(D) + eps);
  float acc[kMaxStreams] = {};
  for (int64_t d = lane; d < D; d += 32) {
    const float normed = rnd(load(row + d) * inv * load(normWeight + d));
    for (int m = 0; m < N; ++m) acc[m] += normed * load(W + m * D + d);
  }
  for (int m = 0; m < N; ++m) {
    const float total = warpSum(acc[m]);
    if (lane == 0) out[r * N + m] = __float2bfloat16_rn(tanhf(rnd(total)));
  }
}

// Grid: x over D in blocks of kThreads, y over rows (a block per row had too few blocks for a decode
// step's few dozen rows). Each block first forms its row's N x N coefficients.
__global__ void altupPredictKernel(const bf16* streams, const bf16* router, const bf16* P, int N, int64_t n, int64_t D,
                                   bf16* out) {
  __shared__ float coefs[kMaxStreams * kMaxStreams];
  const int64_t d = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x;
  const int64_t plane = n * D;
  for (int64_t r = blockIdx.y; r < n; r += gridDim.y) {
    __syncthreads();  // the previous row's readers are done with coefs
    if (threadIdx.x < N * N) {  // the linear layer's output, rounded as the chain stores it
      float c = 0.f;
      for (int m = 0; m < N; ++m) c += load(router + r * N + m) * load(P + threadIdx.x * N + m);
      coefs[threadIdx.x] = rnd(c);
    }
    __syncthreads();
    if (d >= D) continue;
    float s[kMaxStreams];
    for (int k = 0; k < N; ++k) s[k] = load(streams + k * plane + r * D + d);
    for (int j = 0; j < N; ++j) {
      float mix = 0.f;
      for (int k = 0; k < N; ++k) mix += coefs[j * N + k] * s[k];
      out[j * plane + r * D + d] = __float2bfloat16_rn(rnd(mix) + s[j]);
    }
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

__global__ void altupCorrectKernel(const bf16* z2, const bf16* u, const bf16* pred, const bf16* router2, const bf16* C,
                                   int N, int a, const bf16* scale, int64_t n, int64_t D, bf16* out, bf16* active) {
  __shared__ float gains[kMaxStreams];
  const int64_t d = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x;
  const int64_t plane = n * D;
  for (int64_t r = blockIdx.y; r < n; r += gridDim.y) {
    __syncthreads();  // the previous row's readers are done with gains
    if (threadIdx.x < N) {
      float g = 0.f;
      for (int m = 0; m < N; ++m) g += load(router2 + r * N + m) * load(C + threadIdx.x * N + m);
      gains[threadIdx.x] = rnd(rnd(g) + 1.0f);
    }
    __syncthreads();
    if (d >= D) continue;
    const float innovation = rnd(load(z2 + r * D + d) - load(u + r * D + d));
    for (int j = 0; j < N; ++j) {
      const int64_t at = j * plane + r * D + d;
      const float corrected = rnd(rnd(innovation * gains[j]) + load(pred + at));
      out[at] = __float2bfloat16_rn(corrected);
      if (j == a) active[r * D + d] = __float2bfloat16_rn(scale ? corrected * load(scale + d) : corrected);
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

// One warp per (row, head) of d <= 256 values; lane L holds elements L + 32 t, so the rotary partner
// (i +- d/2) of each of its elements is also its own. Head index: q heads, then k heads, then v heads.
constexpr int kHeadWarps = 4, kMaxPerLane = 8;
__global__ void qkvNormRotaryKernel(const bf16* proj, int64_t projStride, int64_t n, int hq, int hkv, int d,
                                    const bf16* qNorm, const bf16* kNorm, const bf16* cos, const bf16* signedSin,
                                    float eps, bf16* q, bf16* k, bf16* v) {
  const int heads = hq + 2 * hkv;
  const int64_t item = static_cast<int64_t>(blockIdx.x) * kHeadWarps + threadIdx.x / 32;
  if (item >= n * heads) return;
  const int64_t r = item / heads;
  const int head = static_cast<int>(item % heads);
  const int lane = threadIdx.x % 32, per = d / 32, half = d / 2;
  const bf16* x = proj + r * projStride + static_cast<int64_t>(head) * d;
  float vals[kMaxPerLane];
  float sumSquares = 0.f;
  for (int t = 0; t < per; ++t) {
    vals[t] = load(x + lane + 32 * t);
    sumSquares += vals[t] * vals[t];
  }
  const float inv = rsqrtf(warpSum(sumSquares) / static_cast<float>(d) + eps);
  const bool isQ = head < hq, isK = !isQ && head < hq + hkv;
  const bf16* weight = isQ ? qNorm : (isK ? kNorm : nullptr);
  for (int t = 0; t < per; ++t) {
    const int i = lane + 32 * t;
    vals[t] = rnd(weight ? vals[t] * inv * load(weight + i) : vals[t] * inv);
  }
  bf16* dst = isQ ? q + (r * hq + head) * d : (isK ? k + (r * hkv + head - hq) * d : v + (r * hkv + head - hq - hkv) * d);
  if (!isQ && !isK) {
    for (int t = 0; t < per; ++t) dst[lane + 32 * t] = __float2bfloat16_rn(vals[t]);
    return;
  }
  const int shift = half / 32;  // the partner of element t is element t +- shift of the same lane
  for (int t = 0; t < per; ++t) {
    const int i = lane + 32 * t;
    const float partner = t < shift ? vals[t + shift] : vals[t - shift];
    const float c = load(cos + r * d + i), s = load(signedSin + r * d + i);
    dst[i] = __float2bfloat16_rn(rnd(vals[t] * c) + rnd(partner * s));
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

// x: blocks over D; y: rows (a block takes every gridDim.y-th row past the grid's limit of 65535).
dim3 rowGrid(int64_t n, int64_t D) {
  return dim3(static_cast<unsigned>((D + kThreads - 1) / kThreads), static_cast<unsigned>(n < 65535 ? n : 65535));
}

const bf16* in(const void* p) { return static_cast<const bf16*>(p); }
bf16* outPtr(void* p) { return static_cast<bf16*>(p); }
cudaStream_t on(void* s) { return static_cast<cudaStream_t>(s); }

}  // namespace

const char* routerTanh(const void* x, int64_t xRowStride, int64_t n, int64_t D, const void* normWeight, float eps,
                       const void* W, int N, void* out, void* stream) {
  if (N < 1 || N > kMaxStreams) return "routerTanh: unsupported number of AltUp streams";
  if (n == 0) return nullptr;
  const unsigned blocks = static_cast<unsigned>((n + kRouterWarps - 1) / kRouterWarps);
  routerTanhKernel<<<blocks, 32 * kRouterWarps, 0, on(stream)>>>(in(x), xRowStride, n, D, in(normWeight), eps, in(W), N,
                                                                 outPtr(out));
  return launched();
}

const char* altupPredict(const void* streams, const void* router, const void* P, int N, int64_t n, int64_t D, void* out,
                         void* stream) {
  if (N < 1 || N > kMaxStreams) return "altupPredict: unsupported number of AltUp streams";
  if (n == 0) return nullptr;
  altupPredictKernel<<<rowGrid(n, D), kThreads, 0, on(stream)>>>(in(streams), in(router), in(P), N, n, D, outPtr(out));
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
  if (N < 1 || N > kMaxStreams || a < 0 || a >= N) return "altupCorrect: unsupported AltUp stream layout";
  if (n == 0) return nullptr;
  altupCorrectKernel<<<rowGrid(n, D), kThreads, 0, on(stream)>>>(
      in(z2), in(u), in(pred), in(router2), in(C), N, a, scale ? in(scale) : nullptr, n, D, outPtr(out), outPtr(active));
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
  if (d % 64 != 0 || d / 32 > kMaxPerLane) return "qkvNormRotary: head size must be 64, 128, 192 or 256";
  const int64_t items = n * (hq + 2 * hkv);
  if (items == 0) return nullptr;
  const unsigned blocks = static_cast<unsigned>((items + kHeadWarps - 1) / kHeadWarps);
  qkvNormRotaryKernel<<<blocks, 32 * kHeadWarps, 0, on(stream)>>>(in(proj), projStride, n, hq, hkv, d, in(qNorm),
                                                                  hkv ? in(kNorm) : nullptr, in(cos), in(signedSin), eps,
                                                                  outPtr(q), outPtr(k), outPtr(v));
  return launched();
}

}  // namespace ll::models::gemma3n::kernels
