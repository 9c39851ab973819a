#pragma once
// Elementwise chains that run as one CUDA kernel where this build has them (LAYOUTLENS_CUDA_KERNELS, bfloat16
// tensors on a GPU, LAYOUTLENS_FUSED_KERNELS not 0) and as libtorch op chains elsewhere, with the same
// result bit for bit (both round every intermediate to the tensor's dtype). infer::applyRotary (rotary.h)
// takes the same route.
#include <ATen/core/Tensor.h>

#include <utility>

namespace ll::infer {

// Whether this binary has the fused CUDA kernels (of this layer and the models').
bool fusedKernelsCompiled();
// Compiled in, `like` is a CUDA bfloat16 tensor, and LAYOUTLENS_FUSED_KERNELS is not 0 / off.
bool fusedKernelsWanted(const at::Tensor& like);

// silu(gate) * up (SwiGLU); gate and up of one shape; 2-D ones may have strided rows (halves of one
// projection).
at::Tensor siluMul(const at::Tensor& gate, const at::Tensor& up);

// A decoder's residual add and the RMSNorm after it, Qwen2's convention (normalised and rounded, then
// weighted: RmsNormWeight::AfterRounding): {sum, normed} with sum = residual + delta (delta undefined: sum
// = residual, no add). One kernel for both where the fused kernels run (2-D contiguous bf16 rows of a
// multiple of 8), which saves four kernels per decoder layer (two adds, two weight multiplies); there a
// normed value may differ from the chain's by one bfloat16 unit (the float32 mean is summed in another
// order); the sum is exact.
std::pair<at::Tensor, at::Tensor> addRmsNorm(const at::Tensor& residual, const at::Tensor& delta, const at::Tensor& weight,
                                             double eps);

// Decode ahead (causal_lm.h), before a step runs: where tokens[s] < 0 (a row fed back on the device), tokens[s] =
// greedy[s] and, when limitedRows is defined, limitedRows[s] = tokens[s] < limit ? tokens[s] : 0 (Gemma 3n's
// per-layer table row: ids past that table use its row 0). int64 [S] tensors on one device, written in place.
// One kernel where this build has them (any CUDA device), a few ops elsewhere.
void feedBackGreedyTokens(const at::Tensor& tokens, const at::Tensor& greedy, const at::Tensor& limitedRows = {},
                          int64_t limit = 0);

}  // namespace ll::infer
