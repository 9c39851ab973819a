#pragma once
// Gemma 3n's per-layer elementwise chains as single CUDA kernels (fused_kernels.cu), for bfloat16 tensors
// on a GPU when this build has them (LAYOUTLENS_CUDA_KERNELS) and LAYOUTLENS_FUSED_KERNELS is not 0.
// text_decoder_layer.cpp asks available() and otherwise runs the reference's op chain; the two agree to
// the last bit almost everywhere (fused_kernels.h says where they can differ by one bfloat16 unit).
#include <ATen/ATen.h>

namespace ll::models::gemma3n::fused {

// Compiled in, `like` is a CUDA bfloat16 tensor, and the environment does not turn them off.
bool available(const at::Tensor& like);
// Whether this build has the kernels at all (tests say why they skip).
bool compiledIn();
// The kernels are compiled for the released Gemma 3n geometry: 4 AltUp streams of hidden size 2048 (router,
// AltUp predict / correct) and attention heads of 256 (qkvNormRotary); other shapes take the op chains.
bool fitsAltup(int64_t streams, int64_t hidden);
bool fitsHead(int64_t headDim);

// tanh(linear(rmsNorm(x; normWeight, eps), W)): x [n, D] (rows may be strided), W [N, D] -> [n, N].
at::Tensor routerTanh(const at::Tensor& x, const at::Tensor& normWeight, double eps, const at::Tensor& W);
// bmm(view(linear(router, P), [n, N, N]), streams^T)^T + streams: streams [N, n, D], router [n, N], P [N*N, N].
at::Tensor altupPredict(const at::Tensor& streams, const at::Tensor& router, const at::Tensor& P);
// ((u + attn) + (h + laurelNormed)) / sqrt(2), all [n, D].
at::Tensor residualMix(const at::Tensor& u, const at::Tensor& attn, const at::Tensor& h, const at::Tensor& laurelNormed);
// AltUp correct: out = (z2 - u) * (linear(router2, C) + 1)^T + pred, and out[a] * scale (scale may be undefined).
struct Corrected {
  at::Tensor streams;  // [N, n, D]
  at::Tensor active;   // [n, D]
};
Corrected altupCorrect(const at::Tensor& z2, const at::Tensor& u, const at::Tensor& pred, const at::Tensor& router2,
                       const at::Tensor& C, int64_t a, const at::Tensor& scale);
// gelu_tanh(g) * m for 2-D g, m of the same shape whose rows may be strided (narrowed or selected views).
at::Tensor geluTanhMul(const at::Tensor& g, const at::Tensor& m);

// The attention inputs of one layer from its fused projection proj [n, (hq + 2 hkv) * d]: per head RMSNorm
// (q and k with their weights, v without) and rotary for q and k (cos, signedSin [n, 1, d] or [n, d]).
// ownsKv false: q only. Same as rmsNorm + infer::applyRotary on each part.
struct AttentionInputs {
  at::Tensor q, k, v;  // [n, hq, d], [n, hkv, d], [n, hkv, d]
};
AttentionInputs qkvNormRotary(const at::Tensor& proj, int64_t hq, int64_t hkv, int64_t d, const at::Tensor& qNorm,
                              const at::Tensor& kNorm, const at::Tensor& cos, const at::Tensor& signedSin, double eps,
                              bool ownsKv);

}  // namespace ll::models::gemma3n::fused
