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
// The kernels are compiled for the released Gemma 3n geometry: 4 AltUp streams of hidden size 2048 (the
// per-layer chains) and attention heads of 256 (qkvNormRotary); other shapes take the op chains.
bool fitsAltup(int64_t streams, int64_t hidden);
bool fitsHead(int64_t headDim);

// One layer's norms and residual chains around its GEMMs (fused_kernels.h gives each formula). rms(x; w) is
// Gemma3nRMSNorm with eps; router(x) = tanh(linear(rms(x; routerNorm), W)) with the 1/D scale already in
// routerNorm. Streams [N, n, D], rows [n, D], weights of D.
struct Predicted {
  at::Tensor streams;  // pred [N, n, D]
  at::Tensor normed;   // rms(pred[a]; inputNorm) [n, D]
};
// AltUp predict from router(streams[a]) and P [N*N, N], then the layer's input norm. With pendingG [n, D]
// defined, the streams are first taken as streams[1..N-1] + rms(pendingG; pendingNorm) (the previous layer's
// addPerLayerInput, the same bits, `streams` itself left as it was): that kernel is then not needed.
Predicted predictAndNorm(const at::Tensor& streams, int64_t a, const at::Tensor& routerNorm, const at::Tensor& W,
                         const at::Tensor& P, const at::Tensor& inputNorm, double eps, const at::Tensor& pendingG = {},
                         const at::Tensor& pendingNorm = {});
struct Mixed {
  at::Tensor z;       // ((u + rms(o; postAttnNorm)) + (h + rms(laurel; laurelNorm))) / sqrt(2)
  at::Tensor normed;  // rms(z; preFfNorm): the MLP's input
};
Mixed attentionMix(const at::Tensor& u, const at::Tensor& h, const at::Tensor& o, const at::Tensor& laurel,
                   const at::Tensor& postAttnNorm, const at::Tensor& laurelNorm, const at::Tensor& preFfNorm, double eps);
// z2 = z + rms(mlp; postFfNorm), then AltUp correct: out = (z2 - pred[a]) * (linear(router(z2), C) + 1)^T + pred,
// and out[a] * scale (scale may be undefined).
struct Corrected {
  at::Tensor streams;  // [N, n, D]
  at::Tensor active;   // [n, D]
};
Corrected correctAfterMlp(const at::Tensor& z, const at::Tensor& mlp, const at::Tensor& postFfNorm, const at::Tensor& pred,
                          const at::Tensor& routerNorm, const at::Tensor& W, const at::Tensor& C, int64_t a,
                          const at::Tensor& scale, double eps);
// streams[1..N-1] += rms(g; norm), in place on a contiguous streams tensor.
void addPerLayerInput(at::Tensor& streams, const at::Tensor& g, const at::Tensor& norm, double eps);
// Gemma 3n's gaussian top-k on the MLP gate, then gelu x up: relu(gate - (mean + std * multiplier)) per row
// (population std), gelu_tanh of that times up; gate and up [n, K] with contiguous rows (may be strided).
at::Tensor sparseGeluTanhMul(const at::Tensor& gate, const at::Tensor& up, double multiplier);
// gelu_tanh(g) * m for 2-D g, m of the same shape whose rows may be strided (narrowed or selected views).
at::Tensor geluTanhMul(const at::Tensor& g, const at::Tensor& m);

// The per-layer input gate of a decode step in one kernel: gelu_tanh(linear(x, weight)) * ple, the same as
// geluTanhMul(at::linear(x, weight), ple) but for the product's own order of summation (a value may differ by
// one bfloat16 unit). perLayerGateApplies: available(x), bfloat16 x [n <= 32, K] and weight [N, K] with
// contiguous rows, 16-byte aligned, K a multiple of 256 up to 2048, N of 8, ple [n, N] with contiguous rows,
// and LAYOUTLENS_FUSED_PER_LAYER_GATE not 0 (A/B runs).
bool perLayerGateApplies(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& ple);
at::Tensor perLayerGate(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& ple);

// The attention inputs of one layer from its fused projection proj [n, (hq + 2 hkv) * d]: per head RMSNorm
// (q and k with their weights, v without) and rotary for q and k (cos, signedSin [n, 1, d] or [n, d]).
// ownsKv false: q only. Same as rmsNorm + infer::applyRotary on each part. With intoRows defined (a decode
// step: flat K/V caches intoKeys / intoValues [R, hkv, d] and int64 rows [n]) k and v are written there, as
// index_copy_ would, and not returned.
struct AttentionInputs {
  at::Tensor q, k, v;  // [n, hq, d], [n, hkv, d], [n, hkv, d]
};
AttentionInputs qkvNormRotary(const at::Tensor& proj, int64_t hq, int64_t hkv, int64_t d, const at::Tensor& qNorm,
                              const at::Tensor& kNorm, const at::Tensor& cos, const at::Tensor& signedSin, double eps,
                              bool ownsKv, const at::Tensor& intoKeys = {}, const at::Tensor& intoValues = {},
                              const at::Tensor& intoRows = {});

}  // namespace ll::models::gemma3n::fused
