// MobileNetV5 primitives; see vision_blocks.h.
#include "core/models/gemma3n/vision_blocks.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "core/infer/aligned.h"
#include "core/infer/fused_elementwise.h"
#include "core/infer/runtime_options.h"

#if defined(LL_FUSED_CUDA_KERNELS) && __has_include(<c10/cuda/CUDAStream.h>)
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/models/gemma3n/vision_kernels.h"
#define LL_HAVE_VISION_KERNELS 1
#endif

namespace ll::models::gemma3n {

SamePadding tfSamePadding(int64_t size, int64_t k, int64_t s) {
  if (size <= 0 || k <= 0 || s <= 0)
    throw std::invalid_argument("tfSamePadding: size, kernel and stride must be positive (got " +
                                std::to_string(size) + ", " + std::to_string(k) + ", " + std::to_string(s) + ")");
  const int64_t outSize = (size + s - 1) / s;
  const int64_t total = std::max<int64_t>((outSize - 1) * s + k - size, 0);
  return {total / 2, total - total / 2};
}

at::Tensor conv2dSame(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, int64_t stride,
                      int64_t groups) {
  const int64_t kh = weight.size(2), kw = weight.size(3);
  if (stride == 1) {
    // timm's static 'same' padding for stride 1: symmetric (k-1)/2, valid for the odd kernels this model has.
    if (kh % 2 == 0 || kw % 2 == 0)
      throw std::invalid_argument("conv2dSame: even kernel " + std::to_string(kh) + "x" + std::to_string(kw) +
                                  " with stride 1 is not part of MobileNetV5");
    const std::vector<int64_t> one{1, 1}, pad{(kh - 1) / 2, (kw - 1) / 2};
    return at::conv2d(x, weight, bias, one, pad, one, groups);
  }
  // Conv2dSame: pad left/top by floor(total/2), right/bottom by the rest, then a padding-free conv.
  const SamePadding ph = tfSamePadding(x.size(2), kh, stride);
  const SamePadding pw = tfSamePadding(x.size(3), kw, stride);
  at::Tensor padded = x;
  if (ph.before || ph.after || pw.before || pw.after)
    padded = at::constant_pad_nd(x, {pw.before, pw.after, ph.before, ph.after}, 0);
  const std::vector<int64_t> strides{stride, stride}, zero{0, 0}, one{1, 1};
  return at::conv2d(padded, weight, bias, strides, zero, one, groups);
}

at::Tensor rmsNorm2d(const at::Tensor& x, const at::Tensor& weight, double eps) {
  // Same op order as timm.layers.fast_norm.rms_norm2d; no upcast, so bf16 results match timm's bf16 run.
  const at::Tensor meanSquare = x.pow(2).mean({1}, /*keepdim=*/true);
  at::Tensor y = x * at::rsqrt(meanSquare + eps);
  if (weight.defined()) y = y * weight.view({1, -1, 1, 1});
  return y;
}

at::Tensor geluTanh(const at::Tensor& x) { return at::gelu(x, "tanh"); }

namespace {

#ifdef LL_HAVE_VISION_KERNELS
// The fused kernel's launch, or an undefined tensor where it does not apply (the caller runs the chain).
at::Tensor fusedTail(const at::Tensor& x, bool normalize, const at::Tensor& weight, double eps, bool gelu,
                     const at::Tensor& gamma, const at::Tensor& residual) {
  static const bool wanted = !infer::switchedOffByEnvironment("LAYOUTLENS_FUSED_VISION_NORM");
  if (!wanted || !infer::fusedKernelsWanted(x) || x.dim() != 4 || x.scalar_type() != at::kBFloat16) return {};
  // NCHW with an even pixel count (pixel pairs), or channels-last with channels in eights (16-byte loads).
  const int64_t c = x.size(1), hw = x.size(2) * x.size(3);
  const bool nchw = x.is_contiguous() && hw % 2 == 0;
  const bool nhwc = !nchw && x.is_contiguous(at::MemoryFormat::ChannelsLast) && c % 8 == 0;
  if (!nchw && !nhwc) return {};
  const auto format = nchw ? at::MemoryFormat::Contiguous : at::MemoryFormat::ChannelsLast;
  const auto aligned = [](const at::Tensor& t) { return infer::aligned16(t.data_ptr()); };
  auto usable = [&](const at::Tensor& v) {
    return !v.defined() || (v.scalar_type() == at::kBFloat16 && v.numel() == c && v.is_contiguous() &&
                            v.device() == x.device() && aligned(v));
  };
  if (!aligned(x) || !usable(weight) || !usable(gamma)) return {};
  at::Tensor res;
  if (residual.defined()) {
    if (!residual.sizes().equals(x.sizes()) || residual.scalar_type() != at::kBFloat16 ||
        residual.device() != x.device())
      return {};
    res = residual.contiguous(format);
    if (!aligned(res)) return {};
  }
  at::Tensor out = at::empty_like(x, format);
  kernels::Norm2dArgs a;
  a.x = x.data_ptr();
  a.weight = normalize && weight.defined() ? weight.data_ptr() : nullptr;
  a.gamma = gamma.defined() ? gamma.data_ptr() : nullptr;
  a.residual = res.defined() ? res.data_ptr() : nullptr;
  a.out = out.data_ptr();
  a.n = x.size(0);
  a.c = c;
  a.hw = hw;
  a.channelsLast = nhwc;
  a.normalize = normalize;
  a.gelu = gelu;
  a.eps = static_cast<float>(eps);
  // ATen's mean: float(outputs) / numel, as mean_kernel_impl computes its factor.
  a.meanFactor = static_cast<float>(a.n * a.hw) / static_cast<float>(x.numel());
  c10::cuda::CUDAGuard guard(x.device());
  if (const char* e = kernels::norm2d(a, c10::cuda::getCurrentCUDAStream(x.device().index()).stream()))
    throw std::runtime_error(std::string("MobileNetV5 fused norm kernel failed to launch: ") + e);
  return out;
}
#endif

}  // namespace

at::Tensor normActScaleAdd(const at::Tensor& x, bool normalize, const at::Tensor& weight, double eps, bool gelu,
                           const at::Tensor& gamma, const at::Tensor& residual) {
#ifdef LL_HAVE_VISION_KERNELS
  if (at::Tensor fused = fusedTail(x, normalize, weight, eps, gelu, gamma, residual); fused.defined()) return fused;
#endif
  at::Tensor y = normalize ? rmsNorm2d(x, weight, eps) : x;
  if (gelu) y = geluTanh(y);
  if (gamma.defined()) y = y * gamma.view({1, -1, 1, 1});
  if (residual.defined()) y = y + residual;
  return y;
}

at::Tensor multiQueryAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads) {
  const int64_t b = q.size(0), h = q.size(2), w = q.size(3);
  const int64_t dk = k.size(1), dv = v.size(1);
  if (heads <= 0 || q.size(1) != heads * dk)
    throw std::invalid_argument("multiQueryAttention: query has " + std::to_string(q.size(1)) +
                                " channels, expected heads * key_dim = " + std::to_string(heads) + " * " +
                                std::to_string(dk));
  if (k.size(2) != v.size(2) || k.size(3) != v.size(3))
    throw std::invalid_argument("multiQueryAttention: key and value maps differ in size");
  // [B, heads*dk, H, W] -> [B, heads, HW, dk]; K/V -> [B, 1, M, d] broadcast over the heads.
  const at::Tensor qh = q.reshape({b, heads, dk, h * w}).transpose(-1, -2);
  const at::Tensor kh = k.reshape({b, 1, dk, -1});                 // already k^T: [B, 1, dk, M]
  const at::Tensor vh = v.reshape({b, 1, dv, -1}).transpose(-1, -2);  // [B, 1, M, dv]
  at::Tensor scores = at::matmul(qh, kh) * (1.0 / std::sqrt(static_cast<double>(dk)));
  const at::Tensor probs = scores.scalar_type() == at::kFloat || scores.scalar_type() == at::kDouble
                               ? at::softmax(scores, -1)
                               : at::softmax(scores, -1, at::kFloat).to(scores.scalar_type());
  scores.reset();
  const at::Tensor out = at::matmul(probs, vh);  // [B, heads, HW, dv]
  // channel = head*dv + i, like timm's _reshape_output; in q's memory format (the permuted view already is
  // channels-last, so a channels-last tower copies nothing here).
  return out.transpose(1, 2).reshape({b, h, w, heads * dv}).permute({0, 3, 1, 2}).contiguous(q.suggest_memory_format());
}

}  // namespace ll::models::gemma3n
