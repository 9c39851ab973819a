// Fused CUDA kernels for Gemma 3n's per-layer elementwise chains; see fused_kernels.h for what each
// computes and how its rounding follows the op chain it replaces (text_decoder_layer.cpp keeps that chain
// for the CPU, float32 and builds without these kernels). A decode step of E4B was ~60 kernels per layer,
// most of them tiny; with these a layer is its GEMMs, its attention and seven kernels: entry (router, AltUp
// predict, input norm), q/k/v norms + rotary, the post-attention mix (two norms, residuals, the MLP's input
// norm), the MLP activation, the exit (post-MLP norm + residual, router, AltUp correct), the per-layer input
// gate (in a decode step its product too), the per-layer input.
#include "core/models/gemma3n/fused_kernels.h"

#include "core/infer/bf16_vectors.cuh"
#include "core/infer/programmatic_launch.cuh"
#include "core/infer/few_rows_product.cuh"
#include "core/models/gemma3n/gelu_tanh.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <initializer_list>

namespace ll::models::gemma3n::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kThreads = 256;
constexpr int kStreams = 4;           // AltUp streams
constexpr int kHidden = kThreads * 8;  // 2048
constexpr int kHead = 256;             // attention head size

using infer::kernels::awaitPreviousKernel;
using infer::kernels::aligned16;
using infer::kernels::launchKernel;
using infer::kernels::load8;
using infer::kernels::rnd;
using infer::kernels::store8;

__device__ __forceinline__ float load(const bf16* p) { return __bfloat162float(*p); }

__device__ __forceinline__ float warpSum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// These steps are latency-bound (a few dozen rows): every kernel below issues all of a thread's loads
// at once (16-byte accesses, loops unrolled at compile time) and then works in registers, a block per row,
// its reductions block sums of two barriers each, so a call costs about one memory round trip. Shapes are
// compile-time: hidden size kHidden = 256 threads x 8, kStreams AltUp streams (every released Gemma 3n);
// the wrappers fall back to the op chains otherwise.

// Sums K per-thread values over a block of Threads; every thread gets the totals back. `scratch` holds
// Threads / 32 * K floats and is free again on return.
template <int K, int Threads = kThreads>
__device__ __forceinline__ void blockSums(float (&v)[K], float* scratch) {
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
#pragma unroll
  for (int k = 0; k < K; ++k) {
    v[k] = warpSum(v[k]);
    if (lane == 0) scratch[warp * K + k] = v[k];
  }
  __syncthreads();
#pragma unroll
  for (int k = 0; k < K; ++k) {
    float total = 0.f;
#pragma unroll
    for (int w = 0; w < Threads / 32; ++w) total += scratch[w * K + k];
    v[k] = total;
  }
  __syncthreads();
}

__device__ __forceinline__ float sumSquares8(const float (&x)[8]) {
  float s = 0.f;
#pragma unroll
  for (int i = 0; i < 8; ++i) s += x[i] * x[i];
  return s;
}

// Gemma3nRMSNorm of a row held 8 values per thread: out = rnd(x * rstd * w), as ATen's fused rms_norm.
__device__ __forceinline__ void rmsNormRow(const float (&x)[8], const float (&w)[8], float eps, float* scratch,
                                           float (&out)[8]) {
  float ss[1] = {sumSquares8(x)};
  blockSums<1>(ss, scratch);
  const float inv = rsqrtf(ss[0] / static_cast<float>(kHidden) + eps);
#pragma unroll
  for (int i = 0; i < 8; ++i) out[i] = rnd(x[i] * inv * w[i]);
}

// router(x) = tanh(rms(x; routerNorm) · W^T) for the block's row, each value rounded as the chain stores it
// (the linear's output, then tanh's). routerNorm and W as 8 values per thread.
__device__ __forceinline__ void routerRow(const float (&x)[8], const float (&rw)[8], const float (&W)[kStreams][8],
                                          float eps, float* scratch, float (&router)[kStreams]) {
  float normed[8];
  rmsNormRow(x, rw, eps, scratch, normed);
#pragma unroll
  for (int m = 0; m < kStreams; ++m) {
    router[m] = 0.f;
#pragma unroll
    for (int i = 0; i < 8; ++i) router[m] += normed[i] * W[m][i];
  }
  blockSums<kStreams>(router, scratch);
#pragma unroll
  for (int m = 0; m < kStreams; ++m) router[m] = rnd(tanhf(rnd(router[m])));
}

// out[j] = rnd(sum_m router[m] * M[j * kStreams + m]) for the `rows` rows of M (a linear layer's weight).
template <int Rows>
__device__ __forceinline__ void routerLinear(const float (&router)[kStreams], const bf16* M, float (&out)[Rows]) {
#pragma unroll
  for (int j = 0; j < Rows; ++j) {
    float v = 0.f;
#pragma unroll
    for (int m = 0; m < kStreams; ++m) v += router[m] * load(M + j * kStreams + m);
    out[j] = rnd(v);
  }
}

// One block per row: the router of the active stream, the [N, N] mix, then the input norm of the active
// prediction. Three block reductions (four with pendingG: the previous layer's per-layer input added to
// streams 1..N-1 first, as addPerLayerInputKernel does); the streams are read once.
__global__ void __launch_bounds__(kThreads) predictAndNormKernel(const bf16* streams, int a, const bf16* routerNorm,
                                                                 const bf16* W, const bf16* P, const bf16* inputNorm,
                                                                 float eps, int64_t n, bf16* pred, bf16* h,
                                                                 const bf16* pendingG, const bf16* pendingNorm) {
  awaitPreviousKernel();
  __shared__ float scratch[kThreads / 32 * kStreams];
  const int64_t r = blockIdx.x, plane = n * kHidden, base = r * kHidden + threadIdx.x * 8;
  const int d0 = threadIdx.x * 8;
  float s[kStreams][8], rw[8], W8[kStreams][8], iw[8], gv[8], gw[8];
#pragma unroll
  for (int k = 0; k < kStreams; ++k) load8(streams + k * plane + base, s[k]);
  load8(routerNorm + d0, rw);
  load8(inputNorm + d0, iw);
#pragma unroll
  for (int m = 0; m < kStreams; ++m) load8(W + m * kHidden + d0, W8[m]);
  float sa[8];  // the active stream again (an L1 hit): a runtime index into s[] would spill it to local memory
  load8(streams + a * plane + base, sa);
  if (pendingG) {
    load8(pendingG + base, gv);
    load8(pendingNorm + d0, gw);
    float normed[8];
    rmsNormRow(gv, gw, eps, scratch, normed);
#pragma unroll
    for (int k = 1; k < kStreams; ++k) {
#pragma unroll
      for (int i = 0; i < 8; ++i) s[k][i] = rnd(s[k][i] + normed[i]);
    }
    if (a >= 1) {
#pragma unroll
      for (int i = 0; i < 8; ++i) sa[i] = rnd(sa[i] + normed[i]);
    }
  }
  float router[kStreams];
  routerRow(sa, rw, W8, eps, scratch, router);
  float c[kStreams * kStreams];
  routerLinear<kStreams * kStreams>(router, P, c);
  float active[8];
#pragma unroll
  for (int j = 0; j < kStreams; ++j) {
    float o[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      float mix = 0.f;
#pragma unroll
      for (int k = 0; k < kStreams; ++k) mix += c[j * kStreams + k] * s[k][i];
      o[i] = rnd(rnd(mix) + s[j][i]);
    }
    store8(pred + j * plane + base, o);
    if (j == a) {
#pragma unroll
      for (int i = 0; i < 8; ++i) active[i] = o[i];
    }
  }
  float normed[8];
  rmsNormRow(active, iw, eps, scratch, normed);
  store8(h + base, normed);
}

__global__ void __launch_bounds__(kThreads) attentionMixKernel(const bf16* u, const bf16* h, const bf16* o,
                                                               const bf16* laurel, const bf16* postAttnNorm,
                                                               const bf16* laurelNorm, const bf16* preFfNorm, float eps,
                                                               float invSqrt2, bf16* z, bf16* zn) {
  awaitPreviousKernel();
  __shared__ float scratch[kThreads / 32 * 2];
  const int64_t base = blockIdx.x * static_cast<int64_t>(kHidden) + threadIdx.x * 8;
  const int d0 = threadIdx.x * 8;
  float uv[8], hv[8], ov[8], lv[8], aw[8], lw[8], fw[8];
  load8(u + base, uv);
  load8(h + base, hv);
  load8(o + base, ov);
  load8(laurel + base, lv);
  load8(postAttnNorm + d0, aw);
  load8(laurelNorm + d0, lw);
  load8(preFfNorm + d0, fw);
  float ss[2] = {sumSquares8(ov), sumSquares8(lv)};  // both norms' sums in one reduction
  blockSums<2>(ss, scratch);
  const float invO = rsqrtf(ss[0] / static_cast<float>(kHidden) + eps);
  const float invL = rsqrtf(ss[1] / static_cast<float>(kHidden) + eps);
  float zv[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const float gated = rnd(uv[i] + rnd(ov[i] * invO * aw[i]));
    const float mixed = rnd(hv[i] + rnd(lv[i] * invL * lw[i]));
    zv[i] = rnd(rnd(gated + mixed) * invSqrt2);
  }
  store8(z + base, zv);
  float normed[8];
  rmsNormRow(zv, fw, eps, scratch, normed);
  store8(zn + base, normed);
}

__global__ void __launch_bounds__(kThreads) correctAfterMlpKernel(const bf16* z, const bf16* mlp, const bf16* postFfNorm,
                                                                  const bf16* pred, const bf16* routerNorm,
                                                                  const bf16* W, const bf16* C, int a, const bf16* scale,
                                                                  float eps, int64_t n, bf16* out, bf16* active) {
  awaitPreviousKernel();
  __shared__ float scratch[kThreads / 32 * kStreams];
  const int64_t r = blockIdx.x, plane = n * kHidden, base = r * kHidden + threadIdx.x * 8;
  const int d0 = threadIdx.x * 8;
  float zv[8], mv[8], fw[8], uv[8], pv[kStreams][8], rw[8], W8[kStreams][8], sv[8];
  load8(z + base, zv);
  load8(mlp + base, mv);
  load8(postFfNorm + d0, fw);
  load8(pred + a * plane + base, uv);  // u = pred[a], again (an L1 hit) rather than a runtime index into pv
#pragma unroll
  for (int j = 0; j < kStreams; ++j) load8(pred + j * plane + base, pv[j]);
  load8(routerNorm + d0, rw);
#pragma unroll
  for (int m = 0; m < kStreams; ++m) load8(W + m * kHidden + d0, W8[m]);
  if (scale) load8(scale + d0, sv);
  float z2[8];
  rmsNormRow(mv, fw, eps, scratch, z2);
#pragma unroll
  for (int i = 0; i < 8; ++i) z2[i] = rnd(zv[i] + z2[i]);
  float router[kStreams];
  routerRow(z2, rw, W8, eps, scratch, router);
  float gains[kStreams];
  routerLinear<kStreams>(router, C, gains);
  float innovation[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) innovation[i] = rnd(z2[i] - uv[i]);
#pragma unroll
  for (int j = 0; j < kStreams; ++j) {
    const float gain = rnd(gains[j] + 1.0f);
    float o[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) o[i] = rnd(rnd(innovation[i] * gain) + pv[j][i]);
    store8(out + j * plane + base, o);
    if (j == a) {
      if (scale) {
#pragma unroll
        for (int i = 0; i < 8; ++i) o[i] = o[i] * sv[i];
      }
      store8(active + base, o);
    }
  }
}

__global__ void __launch_bounds__(kThreads) addPerLayerInputKernel(bf16* streams, const bf16* g, const bf16* norm,
                                                                   float eps, int64_t n) {
  awaitPreviousKernel();
  __shared__ float scratch[kThreads / 32];
  const int64_t plane = n * kHidden, base = blockIdx.x * static_cast<int64_t>(kHidden) + threadIdx.x * 8;
  float gv[8], wv[8], s[kStreams - 1][8];
  load8(g + base, gv);
  load8(norm + threadIdx.x * 8, wv);
#pragma unroll
  for (int j = 1; j < kStreams; ++j) load8(streams + j * plane + base, s[j - 1]);
  float normed[8];
  rmsNormRow(gv, wv, eps, scratch, normed);
#pragma unroll
  for (int j = 1; j < kStreams; ++j) {
#pragma unroll
    for (int i = 0; i < 8; ++i) s[j - 1][i] = s[j - 1][i] + normed[i];
    store8(streams + j * plane + base, s[j - 1]);
  }
}

// One block per row of K (16,384 in E4B's sparse layers): the mean, then the population variance around
// the float32 mean (ATen's std does the same in float32, by Welford), then the output; the row is read
// three times, from L2 after the first.
constexpr int kSparseThreads = 1024;
__global__ void __launch_bounds__(kSparseThreads) sparseGeluTanhMulKernel(const bf16* gate, int64_t gStride, const bf16* up,
                                                                          int64_t mStride, float multiplier, int64_t K,
                                                                          bf16* out) {
  awaitPreviousKernel();
  __shared__ float scratch[kSparseThreads / 32];
  const int64_t r = blockIdx.x;
  const bf16* g = gate + r * gStride;
  const bf16* m = up + r * mStride;
  auto rowSum = [&](float v) {
    float sums[1] = {v};
    blockSums<1, kSparseThreads>(sums, scratch);
    return sums[0];
  };
  float sum = 0.f;
  for (int64_t k = threadIdx.x * 8; k < K; k += kSparseThreads * 8) {
    float x[8];
    load8(g + k, x);
#pragma unroll
    for (int i = 0; i < 8; ++i) sum += x[i];
  }
  const float mean = rowSum(sum) * (1.0f / static_cast<float>(K));
  float dev = 0.f;
  for (int64_t k = threadIdx.x * 8; k < K; k += kSparseThreads * 8) {
    float x[8];
    load8(g + k, x);
#pragma unroll
    for (int i = 0; i < 8; ++i) dev += (x[i] - mean) * (x[i] - mean);
  }
  const float stddev = sqrtf(rowSum(dev) / static_cast<float>(K));
  const float threshold = rnd(rnd(mean) + rnd(rnd(stddev) * multiplier));
  for (int64_t k = threadIdx.x * 8; k < K; k += kSparseThreads * 8) {
    float x[8], y[8];
    load8(g + k, x);
    load8(m + k, y);
#pragma unroll
    for (int i = 0; i < 8; ++i) x[i] = rnd(geluTanh(fmaxf(rnd(x[i] - threshold), 0.f))) * y[i];
    store8(out + r * K + k, x);
  }
}

__global__ void geluTanhMulKernel(const bf16* g, int64_t gStride, const bf16* m, int64_t mStride, int64_t n, int64_t K,
                                  bf16* out) {
  awaitPreviousKernel();
  const int64_t count = n * K;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / K, k = i % K;
    out[i] = __float2bfloat16_rn(rnd(geluTanh(load(g + r * gStride + k))) * load(m + r * mStride + k));
  }
}

// The per-layer input gate of a decode step, out = gelu_tanh(x W^T) * ple, in one kernel instead of a cuBLAS
// product (~5 us on an H100 for its 1 MB weight, 2048 -> 256 on E4B) and geluTanhMulKernel: our few-rows
// product (core/infer/few_rows_product.cuh) with the activation as its epilogue, the sum rounded to bfloat16 as
// the product's output would be, then gelu x ple rounded as geluTanhMulKernel rounds it.
template <int kMTiles>
__global__ void __launch_bounds__(32 * infer::kernels::kFewRowsWarps)
    perLayerGateKernel(const bf16* x, int64_t xStride, int n, int K, const bf16* w, const bf16* ple, int64_t pleStride,
                       int N, bf16* out) {
  infer::kernels::fewRowsProductBlock<kMTiles>(x, xStride, n, K, w, [&](int r, int j, float y) {
    out[r * static_cast<int64_t>(N) + j] = __float2bfloat16_rn(rnd(geluTanh(rnd(y))) * load(ple + r * pleStride + j));
  });
}

// One warp per (row, head) of kHead = 256 values, 8 consecutive ones per lane (one 16-byte access each for
// x, its norm weight, cos and sin). The rotary partner of element i is i +- 128: the same slot of lane
// L xor 16. Head index: q heads, then k heads, then v heads; k and v go to row kvRows[r] when given.
constexpr int kHeadWarps = 4;
__global__ void __launch_bounds__(32 * kHeadWarps) qkvNormRotaryKernel(const bf16* proj, int64_t projStride, int64_t n,
                                                                       int hq, int hkv, const bf16* qNorm,
                                                                       const bf16* kNorm, const bf16* cos,
                                                                       const bf16* signedSin, float eps, bf16* q,
                                                                       bf16* k, bf16* v, const int64_t* kvRows) {
  awaitPreviousKernel();
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
  const int64_t kvRow = isQ ? 0 : (kvRows ? kvRows[r] : r);
  bf16* dst = isQ ? q + (r * hq + head) * kHead
                  : (isK ? k + (kvRow * hkv + head - hq) * kHead : v + (kvRow * hkv + head - hq - hkv) * kHead);
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

const bf16* in(const void* p) { return static_cast<const bf16*>(p); }
bf16* outPtr(void* p) { return static_cast<bf16*>(p); }
cudaStream_t on(void* s) { return static_cast<cudaStream_t>(s); }

}  // namespace

namespace {
bool fitsRows(int N, int64_t D) { return N == kStreams && D == kHidden; }
}  // namespace

const char* predictAndNorm(const void* streams, int a, const void* routerNorm, const void* W, const void* P,
                           const void* inputNorm, float eps, int N, int64_t n, int64_t D, void* pred, void* h,
                           void* stream, const void* pendingG, const void* pendingNorm) {
  if (!fitsRows(N, D) || a < 0 || a >= N) return "predictAndNorm: built for 4 AltUp streams of 2048";
  if (!aligned16(streams) || !aligned16(routerNorm) || !aligned16(W) || !aligned16(inputNorm) || !aligned16(pred) || !aligned16(h))
    return "predictAndNorm: misaligned input";
  if ((pendingG == nullptr) != (pendingNorm == nullptr) || !aligned16(pendingG) || !aligned16(pendingNorm))
    return "predictAndNorm: a pending per-layer input needs its norm weight, both 16-byte aligned";
  if (n == 0) return nullptr;
  launchKernel(predictAndNormKernel, static_cast<unsigned>(n), kThreads, 0, on(stream), in(streams), a, in(routerNorm),
      in(W), in(P), in(inputNorm), eps, n, outPtr(pred), outPtr(h), in(pendingG), in(pendingNorm));
  return launched();
}

const char* attentionMix(const void* u, const void* h, const void* o, const void* laurel, const void* postAttnNorm,
                         const void* laurelNorm, const void* preFfNorm, float eps, float invSqrt2, int64_t n, int64_t D,
                         void* z, void* zn, void* stream) {
  if (D != kHidden) return "attentionMix: built for rows of 2048";
  for (const void* p : {u, h, o, laurel, postAttnNorm, laurelNorm, preFfNorm, static_cast<const void*>(z),
                        static_cast<const void*>(zn)})
    if (!aligned16(p)) return "attentionMix: misaligned input";
  if (n == 0) return nullptr;
  launchKernel(attentionMixKernel, static_cast<unsigned>(n), kThreads, 0, on(stream), in(u), in(h), in(o), in(laurel),
      in(postAttnNorm), in(laurelNorm), in(preFfNorm), eps, invSqrt2, outPtr(z), outPtr(zn));
  return launched();
}

const char* correctAfterMlp(const void* z, const void* mlp, const void* postFfNorm, const void* pred, const void* routerNorm,
                            const void* W, const void* C, int a, const void* scale, float eps, int N, int64_t n, int64_t D,
                            void* out, void* active, void* stream) {
  if (!fitsRows(N, D) || a < 0 || a >= N) return "correctAfterMlp: built for 4 AltUp streams of 2048";
  for (const void* p : {z, mlp, postFfNorm, pred, routerNorm, W, static_cast<const void*>(out),
                        static_cast<const void*>(active)})
    if (!aligned16(p)) return "correctAfterMlp: misaligned input";
  if (scale && !aligned16(scale)) return "correctAfterMlp: misaligned input";
  if (n == 0) return nullptr;
  launchKernel(correctAfterMlpKernel, static_cast<unsigned>(n), kThreads, 0, on(stream), in(z), in(mlp), in(postFfNorm),
      in(pred), in(routerNorm), in(W), in(C), a, scale ? in(scale) : nullptr, eps, n, outPtr(out), outPtr(active));
  return launched();
}

const char* addPerLayerInput(void* streams, const void* g, const void* norm, float eps, int N, int64_t n, int64_t D,
                             void* stream) {
  if (!fitsRows(N, D)) return "addPerLayerInput: built for 4 AltUp streams of 2048";
  if (!aligned16(streams) || !aligned16(g) || !aligned16(norm)) return "addPerLayerInput: misaligned input";
  if (n == 0) return nullptr;
  launchKernel(addPerLayerInputKernel, static_cast<unsigned>(n), kThreads, 0, on(stream), outPtr(streams), in(g),
      in(norm), eps, n);
  return launched();
}

const char* sparseGeluTanhMul(const void* gate, int64_t gStride, const void* up, int64_t mStride, float multiplier,
                              int64_t n, int64_t K, void* out, void* stream) {
  if (K % 8 != 0 || gStride % 8 != 0 || mStride % 8 != 0 || !aligned16(gate) || !aligned16(up) || !aligned16(out))
    return "sparseGeluTanhMul: rows must be multiples of 8 values, 16-byte aligned";
  if (n * K == 0) return nullptr;
  launchKernel(sparseGeluTanhMulKernel, static_cast<unsigned>(n), kSparseThreads, 0, on(stream), in(gate), gStride,
      in(up), mStride, multiplier, K, outPtr(out));
  return launched();
}

const char* geluTanhMul(const void* g, int64_t gStride, const void* m, int64_t mStride, int64_t n, int64_t K, void* out,
                        void* stream) {
  if (n * K == 0) return nullptr;
  launchKernel(geluTanhMulKernel, gridFor(n * K), kThreads, 0, on(stream), in(g), gStride, in(m), mStride, n, K,
      outPtr(out));
  return launched();
}

const char* qkvNormRotary(const void* proj, int64_t projStride, int64_t n, int hq, int hkv, int d, const void* qNorm,
                          const void* kNorm, const void* cos, const void* signedSin, float eps, void* q, void* k, void* v,
                          const int64_t* kvRows, void* stream) {
  if (d != kHead) return "qkvNormRotary: built for heads of 256";
  if (!aligned16(proj) || projStride % 8 != 0 || !aligned16(qNorm) || (kNorm && !aligned16(kNorm)) || !aligned16(cos) ||
      !aligned16(signedSin))
    return "qkvNormRotary: misaligned input";
  const int64_t items = n * (hq + 2 * hkv);
  if (items == 0) return nullptr;
  const unsigned blocks = static_cast<unsigned>((items + kHeadWarps - 1) / kHeadWarps);
  launchKernel(qkvNormRotaryKernel, blocks, 32 * kHeadWarps, 0, on(stream), in(proj), projStride, n, hq, hkv, in(qNorm),
      hkv ? in(kNorm) : nullptr, in(cos), in(signedSin), eps, outPtr(q), outPtr(k), outPtr(v), kvRows);
  return launched();
}

const char* perLayerGate(const void* x, int64_t xStride, int64_t n, int64_t K, const void* w, int64_t N, const void* ple,
                         int64_t pleStride, void* out, void* stream) {
  if (!perLayerGateFits(n, K, N) || xStride % 8 != 0 || !aligned16(x) || !aligned16(w))
    return "perLayerGate: wants at most 32 rows, K a multiple of 256 up to 2048, N a multiple of 8, rows 16-byte aligned";
  if (n == 0) return nullptr;
  const unsigned blocks = static_cast<unsigned>(N / infer::kernels::kFewRowsColumns);
  constexpr int threads = 32 * infer::kernels::kFewRowsWarps;
  if (n <= 16)
    launchKernel(perLayerGateKernel<1>, blocks, threads, 0, on(stream), in(x), xStride, static_cast<int>(n),
        static_cast<int>(K), in(w), in(ple), pleStride, static_cast<int>(N), outPtr(out));
  else
    launchKernel(perLayerGateKernel<2>, blocks, threads, 0, on(stream), in(x), xStride, static_cast<int>(n),
        static_cast<int>(K), in(w), in(ple), pleStride, static_cast<int>(N), outPtr(out));
  return launched();
}

bool perLayerGateFits(int64_t n, int64_t K, int64_t N) { return infer::kernels::fewRowsProductFits(n, K, N); }

}  // namespace ll::models::gemma3n::kernels
