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

// rms(x; w) below is Gemma3nRMSNorm: x * (mean(x^2) + eps)^-0.5 * w in float32, rounded once; router(x) is
// tanh(rms(x; routerNorm) · W^T) with W [N, D] (the 1/D router scale folded into routerNorm by the loader).
// Rows are D = 2048 wide, [N, n, D] stream tensors and [n, D] row tensors contiguous.

// Layer entry: c = router(streams[a]) · P^T as [N, N] per row (P is [N*N, N]); pred[j] = c[j] · streams + streams[j];
// h = rms(pred[a]; inputNorm). pred [N, n, D], h [n, D]. With pendingG set, the previous layer's exit is done
// first, as addPerLayerInput would (streams[j] += rms(pendingG; pendingNorm) for j = 1..N-1, the same bits), on the
// streams as read (`streams` itself is not written): one kernel a layer less.
const char* predictAndNorm(const void* streams, int a, const void* routerNorm, const void* W, const void* P,
                           const void* inputNorm, float eps, int N, int64_t n, int64_t D, void* pred, void* h,
                           void* stream, const void* pendingG = nullptr, const void* pendingNorm = nullptr);

// After attention: z = ((u + rms(o; postAttnNorm)) + (h + rms(laurel; laurelNorm))) * invSqrt2 and
// zn = rms(z; preFfNorm) (the MLP's input). u is pred[a]; o and laurel are the projections' outputs.
const char* attentionMix(const void* u, const void* h, const void* o, const void* laurel, const void* postAttnNorm,
                         const void* laurelNorm, const void* preFfNorm, float eps, float invSqrt2, int64_t n, int64_t D,
                         void* z, void* zn, void* stream);

// After the MLP: z2 = z + rms(mlp; postFfNorm); g_j = router(z2) · C[j] + 1 (C is [N, N]);
// out[j] = (z2 - pred[a]) * g_j + pred[j]; active = out[a] * scale (scale null: no multiply). out [N, n, D].
const char* correctAfterMlp(const void* z, const void* mlp, const void* postFfNorm, const void* pred, const void* routerNorm,
                            const void* W, const void* C, int a, const void* scale, float eps, int N, int64_t n, int64_t D,
                            void* out, void* active, void* stream);

// Layer exit: streams[j] += rms(g; norm) for j = 1..N-1, in place (g is the per-layer projection's output).
const char* addPerLayerInput(void* streams, const void* g, const void* norm, float eps, int N, int64_t n, int64_t D,
                             void* stream);

// Gemma 3n's gaussian top-k MLP gate, then gelu x up: per row of K, t = mean + std * multiplier (population
// std; mean, std and their product rounded as the chain stores them), out = gelu_tanh(relu(gate - t)) * up.
// gate and up rows `gStride`, `mStride` apart (K a multiple of 8, rows 16-byte aligned); out [n, K] contiguous.
const char* sparseGeluTanhMul(const void* gate, int64_t gStride, const void* up, int64_t mStride, float multiplier,
                              int64_t n, int64_t K, void* out, void* stream);

// out[r, k] = gelu_tanh(g[r, k]) * m[r, k] for n rows of K (g, m rows `gStride`, `mStride` apart; out contiguous).
const char* geluTanhMul(const void* g, int64_t gStride, const void* m, int64_t mStride, int64_t n, int64_t K, void* out,
                        void* stream);

// The per-layer input gate of a decode step: out[r, j] = gelu_tanh(y[r, j]) * ple[r, j] with y = x W^T rounded to
// bfloat16 (as the product's output), gelu x ple rounded as geluTanhMul. x [n, K] (rows `xStride` apart,
// 16-byte aligned), W [N, K] contiguous, ple rows `pleStride` apart, out [n, N] contiguous. The product sums in
// float32 in its own order (not cuBLAS's: a product's last bit may differ), the same on every call.
// perLayerGateFits: n <= 32, K a multiple of 256 up to 2048, N a multiple of 8.
bool perLayerGateFits(int64_t n, int64_t K, int64_t N);
const char* perLayerGate(const void* x, int64_t xStride, int64_t n, int64_t K, const void* w, int64_t N, const void* ple,
                         int64_t pleStride, void* out, void* stream);

// Attention inputs from the fused projection proj [n, (hq + 2 hkv) * d] (rows `projStride` apart):
// q = rotary(rmsnorm(q_h; qNorm)), k = rotary(rmsnorm(k_h; kNorm)), v = rmsnorm(v_h) (no weight), per head,
// rotary as x * cos + rotate_half(x) * sin with the signed-sine table (core/infer/rotary.h); cos and
// signedSin are [n, d] contiguous. kvHeads = 0: q only (layers that reuse another layer's cache).
// q is [n, hq, d], all contiguous. kvRows null: k and v are [n, hkv, d]; else k and v are flat K/V caches
// [R, hkv, d] and row r goes to row kvRows[r] (a decode step's cache write; rows not bounds-checked).
const char* qkvNormRotary(const void* proj, int64_t projStride, int64_t n, int hq, int hkv, int d, const void* qNorm,
                          const void* kNorm, const void* cos, const void* signedSin, float eps, void* q, void* k, void* v,
                          const int64_t* kvRows, void* stream);

}  // namespace ll::models::gemma3n::kernels
