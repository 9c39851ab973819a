// The inference layer's fused elementwise CUDA kernels: rotary embedding (four kernels of the op chain:
// swap halves, two multiplies, an add), the same for a decode step's q and k together with its K/V cache
// writes, and SwiGLU's silu(gate) * up (two). A decoder runs both on every
// layer of every decode step. Each intermediate the chain stores as bfloat16 is rounded here too.
#include "core/infer/cuda_kernels.h"

#include "core/infer/bf16_vectors.cuh"
#include "core/infer/environment_switch.h"
#include "core/infer/programmatic_launch.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

namespace ll::infer::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kThreads = 256;

__device__ __forceinline__ float load(const bf16* p) { return __bfloat162float(*p); }

// Element j < d/2 of a head and its partner j + d/2, rotated: x * cos + swap_halves(x) * signedSin with each
// product rounded as the chain stores it. c and s are the row's tables.
__device__ __forceinline__ void rotatePair(const bf16* x, const bf16* c, const bf16* s, int64_t j, int64_t half,
                                           bf16* o) {
  const float lo = load(x + j), hi = load(x + j + half);
  o[j] = __float2bfloat16_rn(rnd(lo * load(c + j)) + rnd(hi * load(s + j)));
  o[j + half] = __float2bfloat16_rn(rnd(hi * load(c + j + half)) + rnd(lo * load(s + j + half)));
}

// The float32 form of a vision tower (dots.ocr's apply_rotary_pos_emb_vision), for float32 tables c and s
// (s the plain sine: the sign is applied here): x.float() * cos + cat(-x2, x1).float() * sin, rounded once to
// bfloat16. __fmul_rn / __fadd_rn keep the two products and the sum separately rounded as the chain's kernels
// do (no fused multiply-add); the negation is exact.
__device__ __forceinline__ void rotatePair(const bf16* x, const float* c, const float* s, int64_t j, int64_t half,
                                           bf16* o) {
  const float lo = load(x + j), hi = load(x + j + half);
  o[j] = __float2bfloat16_rn(__fadd_rn(__fmul_rn(lo, c[j]), __fmul_rn(-hi, s[j])));
  o[j + half] = __float2bfloat16_rn(__fadd_rn(__fmul_rn(hi, c[j + half]), __fmul_rn(lo, s[j + half])));
}

// One thread per (row, head, j < d/2): writes element j and its partner j + d/2. Table: bf16 (the decoders'
// tables, sine signed) or float (a vision tower's, plain sine); rotatePair's overload for it does the rest.
template <class Table>
__global__ void rotaryKernel(const bf16* x, int64_t rowStride, int64_t headStride, int64_t n, int64_t heads,
                             int64_t d, const Table* cos, const Table* sin, bf16* out) {
  awaitPreviousKernel();
  const int64_t half = d / 2, count = n * heads * half;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < count;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t j = t % half, rh = t / half, h = rh % heads, r = rh / heads;
    rotatePair(x + r * rowStride + h * headStride, cos + r * d, sin + r * d, j, half, out + (r * heads + h) * d);
  }
}

// The float-table rotary with eight element pairs a thread: 16-byte loads of x's two halves, 32-byte loads
// of each table half, the same per-element arithmetic as rotatePair (so the same bits). One element pair a
// thread, with 64-bit index division per pair, ran a vision tower's q and k at ~1.2 TB/s (120 us a call on a
// letter page's 19,276 rows); the index type is 32-bit whenever the count fits.
template <class Index>
__global__ void rotaryFloat8Kernel(const bf16* x, int64_t rowStride, int64_t headStride, Index n, Index heads, Index d,
                                   const float* cos, const float* sin, bf16* out) {
  awaitPreviousKernel();
  const Index half = d / 2, eighths = half / 8, count = n * heads * eighths;
  for (Index t = blockIdx.x * static_cast<Index>(blockDim.x) + threadIdx.x; t < count;
       t += static_cast<Index>(gridDim.x) * blockDim.x) {
    const Index j = (t % eighths) * 8, rh = t / eighths, h = rh % heads, r = rh / heads;
    const bf16* xr = x + static_cast<int64_t>(r) * rowStride + static_cast<int64_t>(h) * headStride;
    const float* c = cos + static_cast<int64_t>(r) * d;
    const float* s = sin + static_cast<int64_t>(r) * d;
    float lo[8], hi[8], cLo[8], cHi[8], sLo[8], sHi[8];
    load8(xr + j, lo);
    load8(xr + j + half, hi);
    auto loadFloats8 = [](const float* p, float (&v)[8]) {
      const float4 a = reinterpret_cast<const float4*>(p)[0], b = reinterpret_cast<const float4*>(p)[1];
      v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w, v[4] = b.x, v[5] = b.y, v[6] = b.z, v[7] = b.w;
    };
    loadFloats8(c + j, cLo);
    loadFloats8(c + j + half, cHi);
    loadFloats8(s + j, sLo);
    loadFloats8(s + j + half, sHi);
    float oLo[8], oHi[8];
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      oLo[k] = __fadd_rn(__fmul_rn(lo[k], cLo[k]), __fmul_rn(-hi[k], sLo[k]));
      oHi[k] = __fadd_rn(__fmul_rn(hi[k], cHi[k]), __fmul_rn(lo[k], sHi[k]));
    }
    bf16* o = out + static_cast<int64_t>(rh) * d;
    store8(o + j, oLo);
    store8(o + j + half, oHi);
  }
}

// One thread per (row, head of the fused projection, j < d/2). The projection's heads are q (hq), k, v (hkv
// each): q heads are rotated into q, k heads rotated and v heads copied into cache row rows[r].
__global__ void rotaryQkvIntoCacheKernel(const bf16* qkv, int64_t rowStride, int64_t n, int64_t hq, int64_t hkv,
                                         int64_t d, const bf16* cos, const bf16* signedSin, const int64_t* rows, bf16* q,
                                         bf16* keys, bf16* values) {
  awaitPreviousKernel();
  const int64_t half = d / 2, heads = hq + 2 * hkv, count = n * heads * half;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < count;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t j = t % half, rh = t / half, h = rh % heads, r = rh / heads;
    const bf16* x = qkv + r * rowStride + h * d;
    if (h < hq) {
      rotatePair(x, cos + r * d, signedSin + r * d, j, half, q + (r * hq + h) * d);
    } else if (h < hq + hkv) {
      rotatePair(x, cos + r * d, signedSin + r * d, j, half, keys + (rows[r] * hkv + (h - hq)) * d);
    } else {
      bf16* o = values + (rows[r] * hkv + (h - hq - hkv)) * d;
      o[j] = x[j];
      o[j + half] = x[j + half];
    }
  }
}

// ATen's silu in float32: x / (1 + exp(-x)).
__device__ __forceinline__ float siluTimes(float g, float u) { return rnd(g / (1.0f + expf(-g))) * u; }

__global__ void siluMulKernel(const bf16* gate, int64_t gStride, const bf16* up, int64_t uStride, int64_t n, int64_t K,
                              bf16* out) {
  awaitPreviousKernel();
  const int64_t count = n * K;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / K, k = i % K;
    out[i] = __float2bfloat16_rn(siluTimes(load(gate + r * gStride + k), load(up + r * uStride + k)));
  }
}

// The same, eight elements a thread with 16-byte loads and stores, where K and both row strides are multiples
// of 8 and the pointers 16-byte aligned (a vision tower's [patches, 4224] halves: ~2x the scalar kernel's
// bandwidth).
__global__ void siluMul8Kernel(const bf16* gate, int64_t gStride, const bf16* up, int64_t uStride, int64_t n, int64_t K,
                               bf16* out) {
  awaitPreviousKernel();
  const int64_t perRow = K / 8, count = n * perRow;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / perRow, v = i % perRow;
    float g[8], u[8];
    unpack8(*reinterpret_cast<const uint4*>(gate + r * gStride + 8 * v), g);
    unpack8(*reinterpret_cast<const uint4*>(up + r * uStride + 8 * v), u);
#pragma unroll
    for (int e = 0; e < 8; ++e) g[e] = siluTimes(g[e], u[e]);
    reinterpret_cast<uint4*>(out)[i] = pack8(g);
  }
}

// One block per row; each thread keeps its 8-element vectors of the sum in registers between the two
// passes when the row fits (kCached vectors per thread), else re-reads them.
constexpr int kNormThreads = 256;
constexpr int kCached = 2;  // rows up to 256 * 8 * 2 = 4096 elements stay in registers

__device__ __forceinline__ void addRow(const uint4* r, const uint4* dl, uint4* so, int64_t v, float (&x)[8], float& squares) {
  unpack8(r[v], x);
  if (dl) {
    float y[8];
    unpack8(dl[v], y);
#pragma unroll
    for (int e = 0; e < 8; ++e) x[e] = rnd(x[e] + y[e]);
    so[v] = pack8(x);
  }
#pragma unroll
  for (int e = 0; e < 8; ++e) squares = fmaf(x[e], x[e], squares);
}

__device__ __forceinline__ uint4 normed8(const float (&x)[8], const uint4& weight, float rstd) {
  float w[8], y[8];
  unpack8(weight, w);
#pragma unroll
  for (int e = 0; e < 8; ++e) y[e] = rnd(x[e] * rstd) * w[e];
  return pack8(y);
}

__global__ void __launch_bounds__(kNormThreads) addRmsNormKernel(const bf16* residual, const bf16* delta,
                                                                 const bf16* weight, int64_t K, float eps, bf16* sumOut,
                                                                 bf16* normedOut) {
  awaitPreviousKernel();
  __shared__ float warpSums[kNormThreads / 32];
  const int64_t row = blockIdx.x, vecs = K / 8;
  const uint4* r = reinterpret_cast<const uint4*>(residual + row * K);
  const uint4* dl = delta ? reinterpret_cast<const uint4*>(delta + row * K) : nullptr;
  uint4* so = reinterpret_cast<uint4*>(sumOut + row * K);
  float cached[kCached][8];  // indexed by unrolled constants only, so it stays in registers
  float squares = 0.f;
#pragma unroll
  for (int c = 0; c < kCached; ++c) {
    const int64_t v = threadIdx.x + c * kNormThreads;
    if (v < vecs) addRow(r, dl, so, v, cached[c], squares);
  }
  for (int64_t v = threadIdx.x + kCached * kNormThreads; v < vecs; v += kNormThreads) {
    float x[8];
    addRow(r, dl, so, v, x, squares);
  }
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) squares += __shfl_xor_sync(0xffffffffu, squares, off);
  if ((threadIdx.x & 31) == 0) warpSums[threadIdx.x >> 5] = squares;
  __syncthreads();
  float total = 0.f;
#pragma unroll
  for (int w = 0; w < kNormThreads / 32; ++w) total += warpSums[w];
  const float rstd = rsqrtf(total / static_cast<float>(K) + eps);
  const uint4* src = dl ? so : r;  // this thread's own writes: visible to it
  const uint4* w8 = reinterpret_cast<const uint4*>(weight);
  uint4* no = reinterpret_cast<uint4*>(normedOut + row * K);
#pragma unroll
  for (int c = 0; c < kCached; ++c) {
    const int64_t v = threadIdx.x + c * kNormThreads;
    if (v < vecs) no[v] = normed8(cached[c], w8[v], rstd);
  }
  for (int64_t v = threadIdx.x + kCached * kNormThreads; v < vecs; v += kNormThreads) {
    float x[8];
    unpack8(src[v], x);
    no[v] = normed8(x, w8[v], rstd);
  }
}

__global__ void feedBackTokensKernel(int64_t* tokens, const int64_t* greedy, int64_t n, int64_t* limitedRows,
                                     int64_t limit) {
  awaitPreviousKernel();
  const int64_t s = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (s >= n || tokens[s] >= 0) return;
  const int64_t t = greedy[s];
  tokens[s] = t;
  if (limitedRows != nullptr) limitedRows[s] = t < limit ? t : 0;
}

// One thread per 8 values (16 bytes) of an output row.
__global__ void scaledEmbeddingKernel(const bf16* table, const int64_t* ids, int64_t n, int64_t D, float scale,
                                      const bf16* rangeRows, int64_t rangeStart, int64_t rangeCount, bf16* out) {
  awaitPreviousKernel();
  const int64_t vecs = D / 8;
  for (int64_t v = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; v < n * vecs;
       v += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t i = v / vecs, j = (v % vecs) * 8;
    const int64_t id = ids[i];
    if (id >= rangeStart && id < rangeStart + rangeCount) {
      *reinterpret_cast<uint4*>(out + i * D + j) = *reinterpret_cast<const uint4*>(rangeRows + (id - rangeStart) * D + j);
      continue;
    }
    float x[8];
    load8(table + id * D + j, x);
#pragma unroll
    for (float& e : x) e *= scale;  // rounded once, by store8, as the op rounds its float product
    store8(out + i * D + j, x);
  }
}

// One thread per 16 bytes of an output row; the table may be mapped host memory.
__global__ void gatherRowsKernel(const uint4* table, int64_t rowVecs, const int64_t* rows, int64_t n, uint4* out) {
  awaitPreviousKernel();
  for (int64_t v = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; v < n * rowVecs;
       v += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t i = v / rowVecs, j = v % rowVecs;
    out[v] = table[rows[i] * rowVecs + j];
  }
}

unsigned gridFor(int64_t count) {
  const int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 65535 ? (blocks > 0 ? blocks : 1) : 65535);
}

const char* launched() {
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

// rotary() and rotaryFloatTables(): rotaryKernel over `Table` tables (rotatePair's overload for it).
template <class Table>
const char* launchRotary(const void* x, int64_t rowStride, int64_t headStride, int64_t n, int64_t heads, int64_t d,
                         const Table* cos, const Table* sin, void* out, void* stream) {
  if (d % 2 != 0) return "rotary: odd head size";
  const int64_t count = n * heads * (d / 2);
  if (count == 0) return nullptr;
  launchKernel(rotaryKernel<Table>, gridFor(count), kThreads, 0, static_cast<cudaStream_t>(stream),
      static_cast<const bf16*>(x), rowStride, headStride, n, heads, d, cos, sin, static_cast<bf16*>(out));
  return launched();
}

}  // namespace

bool programmaticLaunchEnabled(const void* kernel) {
  static const bool wanted = !switchedOffByEnvironment("LAYOUTLENS_PROGRAMMATIC_LAUNCH");
  if (!wanted) return false;
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess) return false;
  static std::mutex mutex;
  static std::map<std::pair<int, const void*>, bool> known;  // (device, kernel) -> allowed
  std::lock_guard<std::mutex> lock(mutex);
  const auto it = known.find({device, kernel});
  if (it != known.end()) return it->second;
  int major = 0;
  cudaFuncAttributes attributes{};
  bool allowed = false;
  if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess ||
      cudaFuncGetAttributes(&attributes, kernel) != cudaSuccess)
    (void)cudaGetLastError();  // a refused query means "no" here, not the next launch's error
  else
    allowed = major >= 9 && attributes.ptxVersion >= 90 && attributes.binaryVersion >= 90;
  known.emplace(std::make_pair(device, kernel), allowed);
  return allowed;
}

const char* rotary(const void* x, int64_t rowStride, int64_t headStride, int64_t n, int64_t heads, int64_t d,
                   const void* cos, const void* signedSin, void* out, void* stream) {
  return launchRotary(x, rowStride, headStride, n, heads, d, static_cast<const bf16*>(cos),
                      static_cast<const bf16*>(signedSin), out, stream);
}

const char* rotaryQkvIntoCache(const void* qkv, int64_t rowStride, int64_t n, int64_t hq, int64_t hkv, int64_t d,
                               const void* cos, const void* signedSin, const int64_t* rows, void* q, void* keys,
                               void* values, void* stream) {
  if (d % 2 != 0) return "rotary q/k/v into the cache: odd head size";
  const int64_t count = n * (hq + 2 * hkv) * (d / 2);
  if (count == 0) return nullptr;
  launchKernel(rotaryQkvIntoCacheKernel, gridFor(count), kThreads, 0, static_cast<cudaStream_t>(stream),
      static_cast<const bf16*>(qkv), rowStride, n, hq, hkv, d, static_cast<const bf16*>(cos),
      static_cast<const bf16*>(signedSin), rows, static_cast<bf16*>(q), static_cast<bf16*>(keys),
      static_cast<bf16*>(values));
  return launched();
}

const char* rotaryFloatTables(const void* x, int64_t rowStride, int64_t headStride, int64_t n, int64_t heads, int64_t d,
                              const float* cos, const float* sin, void* out, void* stream) {
  const int64_t count = n * heads * (d / 16);
  if (d % 16 == 0 && rowStride % 8 == 0 && headStride % 8 == 0 && aligned16(x) && aligned16(cos) && aligned16(sin) &&
      aligned16(out) && count > 0) {
    const auto s = static_cast<cudaStream_t>(stream);
    if (n * heads * d < (int64_t{1} << 31))  // every index of the kernel fits 32 bits
      launchKernel(rotaryFloat8Kernel<uint32_t>, gridFor(count), kThreads, 0, s, static_cast<const bf16*>(x), rowStride,
          headStride, static_cast<uint32_t>(n), static_cast<uint32_t>(heads), static_cast<uint32_t>(d), cos, sin,
          static_cast<bf16*>(out));
    else
      launchKernel(rotaryFloat8Kernel<int64_t>, gridFor(count), kThreads, 0, s, static_cast<const bf16*>(x), rowStride,
          headStride, n, heads, d, cos, sin, static_cast<bf16*>(out));
    return launched();
  }
  return launchRotary(x, rowStride, headStride, n, heads, d, cos, sin, out, stream);
}

const char* siluMul(const void* gate, int64_t gStride, const void* up, int64_t uStride, int64_t n, int64_t K, void* out,
                    void* stream) {
  if (n * K == 0) return nullptr;
  if (K % 8 == 0 && gStride % 8 == 0 && uStride % 8 == 0 && aligned16(gate) && aligned16(up) && aligned16(out)) {
    launchKernel(siluMul8Kernel, gridFor(n * K / 8), kThreads, 0, static_cast<cudaStream_t>(stream),
        static_cast<const bf16*>(gate), gStride, static_cast<const bf16*>(up), uStride, n, K, static_cast<bf16*>(out));
    return launched();
  }
  launchKernel(siluMulKernel, gridFor(n * K), kThreads, 0, static_cast<cudaStream_t>(stream),
      static_cast<const bf16*>(gate), gStride, static_cast<const bf16*>(up), uStride, n, K, static_cast<bf16*>(out));
  return launched();
}

const char* addRmsNorm(const void* residual, const void* delta, const void* weight, int64_t n, int64_t K, float eps,
                       void* sumOut, void* normedOut, void* stream) {
  if (K % 8 != 0) return "add + RMSNorm: the row size is not a multiple of 8";
  if (n == 0 || K == 0) return nullptr;
  if (n > 0x7fffffff) return "add + RMSNorm: too many rows for one launch";
  launchKernel(addRmsNormKernel, static_cast<unsigned>(n), kNormThreads, 0, static_cast<cudaStream_t>(stream),
      static_cast<const bf16*>(residual), static_cast<const bf16*>(delta), static_cast<const bf16*>(weight), K, eps,
      static_cast<bf16*>(sumOut), static_cast<bf16*>(normedOut));
  return launched();
}

const char* scaledEmbedding(const void* table, const int64_t* ids, int64_t n, int64_t D, float scale,
                            const void* rangeRows, int64_t rangeStart, int64_t rangeCount, void* out, void* stream) {
  if (D % 8 != 0 || !aligned16(table) || !aligned16(out) || (rangeCount > 0 && !aligned16(rangeRows)))
    return "scaled embedding: rows must be multiples of 8 values, 16-byte aligned";
  if (n * D == 0) return nullptr;
  launchKernel(scaledEmbeddingKernel, gridFor(n * D / 8), kThreads, 0, static_cast<cudaStream_t>(stream),
               static_cast<const bf16*>(table), ids, n, D, scale, static_cast<const bf16*>(rangeRows), rangeStart,
               rangeCount, static_cast<bf16*>(out));
  return launched();
}

const char* gatherRows(const void* table, int64_t rowBytes, const int64_t* rows, int64_t n, void* out, void* stream) {
  if (rowBytes % 16 != 0 || !aligned16(table) || !aligned16(out))
    return "gather rows: rows must be multiples of 16 bytes, 16-byte aligned";
  if (n * rowBytes == 0) return nullptr;
  launchKernel(gatherRowsKernel, gridFor(n * rowBytes / 16), kThreads, 0, static_cast<cudaStream_t>(stream),
               static_cast<const uint4*>(table), rowBytes / 16, rows, n, static_cast<uint4*>(out));
  return launched();
}

const char* feedBackTokens(int64_t* tokens, const int64_t* greedy, int64_t n, int64_t* limitedRows, int64_t limit,
                           void* stream) {
  if (n == 0) return nullptr;
  if (n > 65535LL * kThreads) return "feed back tokens: too many slots for one launch";
  launchKernel(feedBackTokensKernel, gridFor(n), kThreads, 0, static_cast<cudaStream_t>(stream), tokens, greedy, n,
               limitedRows, limit);
  return launched();
}

}  // namespace ll::infer::kernels
