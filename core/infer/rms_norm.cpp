#include "core/infer/rms_norm.h"

#include <ATen/ATen.h>
#include <torch/version.h>

namespace ll::infer {
namespace {

// The references' own op chains (Gemma 3n: pow(-0.5); Qwen2: rsqrt), for CPUs and older libtorch.
at::Tensor normalisedFloat(const at::Tensor& x, double eps, RmsNormWeight convention) {
  const at::Tensor xf = x.to(at::kFloat);
  const at::Tensor meanSquare = xf.pow(2).mean({-1}, true) + eps;
  return xf * (convention == RmsNormWeight::InFloat32 ? at::pow(meanSquare, -0.5) : at::rsqrt(meanSquare));
}

}  // namespace

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps, RmsNormWeight convention) {
  // at::rms_norm exists from 2.4, but before 2.8 it is a composite of the same chain that rounds before
  // the weight multiply; from 2.8 CUDA runs a fused kernel that keeps x * rstd * w in float32.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 8)
  if (x.is_cuda()) {
    const int64_t shape[] = {x.size(-1)};
    if (convention == RmsNormWeight::InFloat32 || !weight.defined()) {
      c10::optional<at::Tensor> w;
      if (weight.defined()) w = weight.scalar_type() == x.scalar_type() ? weight : weight.to(x.scalar_type());
      return at::rms_norm(x, shape, w, eps);
    }
    return at::rms_norm(x, shape, c10::nullopt, eps) * weight;
  }
#endif
  const at::Tensor normed = normalisedFloat(x, eps, convention);
  if (!weight.defined()) return normed.to(x.scalar_type());
  if (convention == RmsNormWeight::InFloat32) return (normed * weight.to(at::kFloat)).to(x.scalar_type());
  return normed.to(x.scalar_type()) * weight;
}

}  // namespace ll::infer
