#include "core/infer/fused_elementwise.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/infer/aligned.h"
#include "core/infer/rms_norm.h"
#include "core/infer/runtime_options.h"

#if defined(LL_INFER_CUDA_KERNELS) && __has_include(<c10/cuda/CUDAStream.h>)
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/infer/cuda_kernels.h"
#define LL_HAVE_INFER_KERNELS 1
#endif

namespace ll::infer {

bool fusedKernelsCompiled() {
#ifdef LL_HAVE_INFER_KERNELS
  return true;
#else
  return false;
#endif
}

bool fusedKernelsWanted(const at::Tensor& like) {
  if (!fusedKernelsCompiled() || !like.defined() || !like.is_cuda() || like.scalar_type() != at::kBFloat16) return false;
  static const bool wanted = !switchedOffByEnvironment("LAYOUTLENS_FUSED_KERNELS");
  return wanted;
}

at::Tensor siluMul(const at::Tensor& gate, const at::Tensor& up) {
#ifdef LL_HAVE_INFER_KERNELS
  if (fusedKernelsWanted(gate) && up.scalar_type() == at::kBFloat16 && gate.dim() == 2 && gate.sizes() == up.sizes() &&
      gate.stride(1) == 1 && up.stride(1) == 1) {
    at::Tensor out = at::empty(gate.sizes(), gate.options());
    c10::cuda::CUDAGuard guard(gate.device());
    if (const char* e = kernels::siluMul(gate.data_ptr(), gate.stride(0), up.data_ptr(), up.stride(0), gate.size(0),
                                         gate.size(1), out.data_ptr(),
                                         c10::cuda::getCurrentCUDAStream(gate.device().index()).stream()))
      throw std::runtime_error(std::string("fused silu * up failed to launch: ") + e);
    return out;
  }
#endif
  return at::silu(gate) * up;
}

std::pair<at::Tensor, at::Tensor> addRmsNorm(const at::Tensor& residual, const at::Tensor& delta, const at::Tensor& weight,
                                             double eps) {
#ifdef LL_HAVE_INFER_KERNELS
  auto aligned = [](const at::Tensor& t) { return aligned16(t.data_ptr()); };
  const bool fits = fusedKernelsWanted(residual) && residual.dim() == 2 && residual.is_contiguous() &&
                    residual.size(1) % 8 == 0 && aligned(residual) && weight.scalar_type() == at::kBFloat16 &&
                    weight.is_contiguous() && weight.numel() == residual.size(1) && weight.device() == residual.device() &&
                    aligned(weight) &&
                    (!delta.defined() || (delta.scalar_type() == at::kBFloat16 && delta.sizes() == residual.sizes() &&
                                          delta.is_contiguous() && delta.device() == residual.device() && aligned(delta)));
  if (fits) {
    at::Tensor sum = delta.defined() ? at::empty_like(residual) : residual;
    at::Tensor normed = at::empty_like(residual);
    c10::cuda::CUDAGuard guard(residual.device());
    if (const char* e = kernels::addRmsNorm(residual.data_ptr(), delta.defined() ? delta.data_ptr() : nullptr,
                                            weight.data_ptr(), residual.size(0), residual.size(1), static_cast<float>(eps),
                                            sum.data_ptr(), normed.data_ptr(),
                                            c10::cuda::getCurrentCUDAStream(residual.device().index()).stream()))
      throw std::runtime_error(std::string("fused add + RMSNorm failed to launch: ") + e);
    return {sum, normed};
  }
#endif
  at::Tensor sum = delta.defined() ? residual + delta : residual;
  at::Tensor normed = rmsNorm(sum, weight, eps, RmsNormWeight::AfterRounding);
  return {std::move(sum), std::move(normed)};
}

void feedBackGreedyTokens(const at::Tensor& tokens, const at::Tensor& greedy, const at::Tensor& limitedRows,
                          int64_t limit) {
  const auto isSlotRow = [&](const at::Tensor& t) {
    return t.defined() && t.dim() == 1 && t.scalar_type() == at::kLong && t.is_contiguous() && t.numel() == tokens.numel() &&
           t.device() == tokens.device();
  };
  if (!isSlotRow(tokens) || !isSlotRow(greedy) || (limitedRows.defined() && !isSlotRow(limitedRows)))
    throw std::invalid_argument("feedBackGreedyTokens: tokens, greedy tokens and rows must be contiguous int64 [slots] on one device");
#ifdef LL_HAVE_INFER_KERNELS
  if (tokens.is_cuda() && fusedKernelsCompiled()) {
    c10::cuda::CUDAGuard guard(tokens.device());
    if (const char* e = kernels::feedBackTokens(tokens.data_ptr<int64_t>(), greedy.data_ptr<int64_t>(), tokens.numel(),
                                                limitedRows.defined() ? limitedRows.data_ptr<int64_t>() : nullptr, limit,
                                                c10::cuda::getCurrentCUDAStream(tokens.device().index()).stream()))
      throw std::runtime_error(std::string("feeding back the greedy tokens failed to launch: ") + e);
    return;
  }
#endif
  const at::Tensor fed = tokens.lt(0);
  tokens.copy_(at::where(fed, greedy, tokens));
  if (limitedRows.defined())
    limitedRows.copy_(at::where(fed, at::where(tokens.lt(limit), tokens, at::zeros_like(tokens)), limitedRows));
}

}  // namespace ll::infer
