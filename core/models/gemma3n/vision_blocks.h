#pragma once
// Numerical primitives of timm's MobileNetV5 (specs/gemma3n.md §3.1) kept apart from the block wiring so the
// tests can pin each one down on its own: TF-SAME padding for stride-2 convs (asymmetric, the classic silent
// bug when ported with PyTorch's symmetric padding), RmsNorm2d in the input dtype (timm does not upcast),
// and the multi-query attention with one shared K/V head.
#include <cstdint>

#include <ATen/core/Tensor.h>

namespace ll::models::gemma3n {

// TF "SAME" padding of one spatial axis for a conv of kernel `k`, stride `s` (dilation 1) on `size` input
// pixels: {before, after} with before = total / 2. Stride-1 odd kernels give the symmetric (k-1)/2.
struct SamePadding {
  int64_t before = 0;
  int64_t after = 0;
};
SamePadding tfSamePadding(int64_t size, int64_t k, int64_t s);

// Conv2d with timm's pad_type='same' semantics: static symmetric padding for stride 1, explicit
// constant_pad_nd with TF-SAME amounts for stride > 1. `weight` is [out, in/groups, kh, kw]; depthwise when
// groups == in channels. `bias` may be undefined.
at::Tensor conv2dSame(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, int64_t stride,
                      int64_t groups);

// timm RmsNorm2d: x * rsqrt(mean_c(x^2) + eps) * w[c], per pixel over channels, in x's dtype.
at::Tensor rmsNorm2d(const at::Tensor& x, const at::Tensor& weight, double eps = 1e-6);

// GELU, tanh approximation (timm's gelu_tanh for every MobileNetV5 activation).
at::Tensor geluTanh(const at::Tensor& x);

// The tail every MobileNetV5 conv and block ends with, in the chain's order: [rmsNorm2d(x; weight)]
// [-> geluTanh] [* gamma[c] (layer scale)] [+ residual]; an undefined gamma or residual is left out. On CUDA
// bfloat16 (NCHW with an even pixel count, or channels-last with channels in eights) one fused kernel
// (vision_kernels.h: the chain's rounding, a pixel's mean square possibly one bfloat16 unit off from the
// reduction order); elsewhere, or with LAYOUTLENS_FUSED_VISION_NORM=0, the ops themselves.
at::Tensor normActScaleAdd(const at::Tensor& x, bool normalize, const at::Tensor& weight, double eps, bool gelu,
                           const at::Tensor& gamma = {}, const at::Tensor& residual = {});

// Multi-query attention core: q [B, heads*dk, H, W] (channel = head*dk + i), k [B, dk, Hk, Wk],
// v [B, dv, Hk, Wk] (one K/V head shared by all query heads). Returns [B, heads*dv, H, W] with
// channel = head*dv + i, i.e. softmax(q k^T / sqrt(dk)) v per head, before the output projection.
at::Tensor multiQueryAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads);

}  // namespace ll::models::gemma3n
