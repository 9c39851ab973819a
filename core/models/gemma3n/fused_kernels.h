#pragma once
// Launchers of the fused CUDA kernels for Gemma 3n's per-layer elementwise chains (fused_kernels.cu,
// compiled only when LAYOUTLENS_CUDA_KERNELS is on). Raw bfloat16 pointers and a cudaStream_t passed as
// void*, so this header needs neither libtorch nor CUDA; fused_ops.cpp is the libtorch-facing side.
//
// Every kernel reproduces the rounding of the op chain it replaces: each intermediate the chain stores as
// bfloat16 is rounded to bfloat16 here too, arithmetic in float32 in between (as ATen's opmath). Only the
// order of float32 sums (dot products, the RMS reduction) can differ from cuBLAS / ATen, so results agree
// to the last bit almost everywhere and otherwise by one bfloat16 unit.
//
// Compiled for the released geometry: N = 4 AltUp streams, D = 2048, heads of 256 (a launcher returns an
// error for other shapes or for addresses not 16-byte aligned). Each returns nullptr on success, else the
// reason or CUDA's message for the launch.
#include <cstdint>

namespace ll::models::gemma3n::kernels {

// out[r, m] = tanh(sum_d rmsnorm(x[r])[d] * W[m, d]), rmsnorm in float32 with its weight, rounded once
// (Gemma3nRMSNorm); x rows `xRowStride` elements apart; W is [N, D]; out is [n, N] contiguous.
const char* routerTanh(const void* x, int64_t xRowStride, int64_t n, int64_t D, const void* normWeight, float eps,
                       const void* W, int N, void* out, void* stream);

// AltUp predict: c = router[r] · P^T as [N, N] (P is [N*N, N]), then
// out[j, r, :] = (sum_k c[j][k] * streams[k, r, :]) + streams[j, r, :]. streams and out are [N, n, D] contiguous.
const char* altupPredict(const void* streams, const void* router, const void* P, int N, int64_t n, int64_t D, void* out,
                         void* stream);

// z = ((u + attn) + (h + laurelNormed)) * invSqrt2 over `count` contiguous elements.
const char* residualMix(const void* u, const void* attn, const void* h, const void* laurelNormed, float invSqrt2,
                        int64_t count, void* z, void* stream);

// AltUp correct: g_j = router2[r] · C[j] + 1 (C is [N, N]); out[j, r, :] = (z2 - u)[r, :] * g_j + pred[j, r, :];
// active[r, :] = out[a, r, :] * scale (scale null: no multiply). z2, u, active: [n, D]; pred, out: [N, n, D].
const char* altupCorrect(const void* z2, const void* u, const void* pred, const void* router2, const void* C, int N,
                         int a, const void* scale, int64_t n, int64_t D, void* out, void* active, void* stream);

// out[r, k] = gelu_tanh(g[r, k]) * m[r, k] for n rows of K (g, m rows `gStride`, `mStride` apart; out contiguous).
const char* geluTanhMul(const void* g, int64_t gStride, const void* m, int64_t mStride, int64_t n, int64_t K, void* out,
                        void* stream);

// Attention inputs from the fused projection proj [n, (hq + 2 hkv) * d] (rows `projStride` apart):
// q = rotary(rmsnorm(q_h; qNorm)), k = rotary(rmsnorm(k_h; kNorm)), v = rmsnorm(v_h) (no weight), per head,
// rotary as x * cos + rotate_half(x) * sin with the signed-sine table (core/infer/rotary.h); cos and
// signedSin are [n, d] contiguous. kvHeads = 0: q only (layers that reuse another layer's cache).
// q is [n, hq, d], k and v [n, hkv, d], all contiguous.
const char* qkvNormRotary(const void* proj, int64_t projStride, int64_t n, int hq, int hkv, int d, const void* qNorm,
                          const void* kNorm, const void* cos, const void* signedSin, float eps, void* q, void* k, void* v,
                          void* stream);

}  // namespace ll::models::gemma3n::kernels
