// The inference layer's fused elementwise CUDA kernels: rotary embedding (four kernels of the op chain:
// swap halves, two multiplies, an add) and SwiGLU's silu(gate) * up (two). A decoder runs both on every
// layer of every decode step. Each intermediate the chain stores as bfloat16 is rounded here too.
#include "core/infer/cuda_kernels.h"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace ll::infer::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kThreads = 256;

__device__ __forceinline__ float load(const bf16* p) { return __bfloat162float(*p); }
__device__ __forceinline__ float rnd(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }

// One thread per (row, head, j < d/2): writes element j and its partner j + d/2.
__global__ void rotaryKernel(const bf16* x, int64_t rowStride, int64_t headStride, int64_t n, int64_t heads,
                             int64_t d, const bf16* cos, const bf16* signedSin, bf16* out) {
  const int64_t half = d / 2, count = n * heads * half;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < count;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t j = t % half, rh = t / half, h = rh % heads, r = rh / heads;
    const bf16* xr = x + r * rowStride + h * headStride;
    const float lo = load(xr + j), hi = load(xr + j + half);
    const bf16* c = cos + r * d;
    const bf16* s = signedSin + r * d;
    bf16* o = out + (r * heads + h) * d;
    o[j] = __float2bfloat16_rn(rnd(lo * load(c + j)) + rnd(hi * load(s + j)));
    o[j + half] = __float2bfloat16_rn(rnd(hi * load(c + j + half)) + rnd(lo * load(s + j + half)));
  }
}

// ATen's silu in float32: x / (1 + exp(-x)).
__global__ void siluMulKernel(const bf16* gate, int64_t gStride, const bf16* up, int64_t uStride, int64_t n, int64_t K,
                              bf16* out) {
  const int64_t count = n * K;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / K, k = i % K;
    const float g = load(gate + r * gStride + k);
    out[i] = __float2bfloat16_rn(rnd(g / (1.0f + expf(-g))) * load(up + r * uStride + k));
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

}  // namespace

const char* rotary(const void* x, int64_t rowStride, int64_t headStride, int64_t n, int64_t heads, int64_t d,
                   const void* cos, const void* signedSin, void* out, void* stream) {
  if (d % 2 != 0) return "rotary: odd head size";
  const int64_t count = n * heads * (d / 2);
  if (count == 0) return nullptr;
  rotaryKernel<<<gridFor(count), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      static_cast<const bf16*>(x), rowStride, headStride, n, heads, d, static_cast<const bf16*>(cos),
      static_cast<const bf16*>(signedSin), static_cast<bf16*>(out));
  return launched();
}

const char* siluMul(const void* gate, int64_t gStride, const void* up, int64_t uStride, int64_t n, int64_t K, void* out,
                    void* stream) {
  if (n * K == 0) return nullptr;
  siluMulKernel<<<gridFor(n * K), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      static_cast<const bf16*>(gate), gStride, static_cast<const bf16*>(up), uStride, n, K, static_cast<bf16*>(out));
  return launched();
}

}  // namespace ll::infer::kernels
