#pragma once
// at::linear for the weight products of decode steps: where x has at most kSkinnyGemmMaxRows (32) rows, is
// CUDA bfloat16 and W is a contiguous bfloat16 [N, K] with K a multiple of 32, our skinny GEMM kernel
// (skinny_gemm_kernel.cu: streams W at close to the memory bandwidth); everywhere else at::linear itself.
// Same contract as at::linear: x [..., K], W [N, K], optional bias [N] -> [..., N]; float32 accumulation,
// one rounding to bfloat16. LAYOUTLENS_SKINNY_GEMM=0 (or LAYOUTLENS_FUSED_KERNELS=0) keeps at::linear
// everywhere, for A/B runs.
#include <ATen/core/Tensor.h>

namespace ll::infer {

// Whether `linear` would take the skinny kernel for these operands.
bool skinnyGemmApplies(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = at::Tensor());

}  // namespace ll::infer
