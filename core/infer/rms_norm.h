#pragma once
// RMSNorm over the last dimension, one function for every model. On CUDA with libtorch >= 2.8 it is
// one fused kernel (at::rms_norm) instead of a chain of six to nine elementwise and reduction kernels:
// models call it ~10 times per layer, so in a decode step the chain was a third of all kernels.
// Statistics are always in float32. The two weight conventions round differently in bf16/fp16, and
// each model must keep its reference's:
#include <ATen/core/Tensor.h>

namespace ll::infer {

enum class RmsNormWeight {
  // x * rstd * w computed in float32, rounded once (Gemma 3n: `_norm(x.float()) * weight.float()`).
  InFloat32,
  // x * rstd rounded to x's dtype first, then times w in that dtype (Qwen2, dots.ocr's vision tower).
  AfterRounding,
};

// weight: [x.size(-1)] or undefined (no scale). Returns x's dtype and shape.
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps, RmsNormWeight convention);

}  // namespace ll::infer
