#include "core/infer/skinny_gemm.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/infer/fused_elementwise.h"
#include "core/infer/runtime_options.h"

#if defined(LL_INFER_CUDA_KERNELS) && __has_include(<c10/cuda/CUDAStream.h>)
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/infer/skinny_gemm_kernel.h"
#define LL_HAVE_SKINNY_GEMM 1
#endif

namespace ll::infer {

bool skinnyGemmApplies(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
#ifdef LL_HAVE_SKINNY_GEMM
  static const bool wanted = !switchedOffByEnvironment("LAYOUTLENS_SKINNY_GEMM");
  if (!wanted || !fusedKernelsWanted(x) || x.dim() < 1 || weight.dim() != 2 || weight.scalar_type() != at::kBFloat16 ||
      !weight.is_contiguous() || weight.device() != x.device() || x.size(-1) != weight.size(1))
    return false;
  if (bias.defined() && (bias.scalar_type() != at::kBFloat16 || bias.dim() != 1 || bias.size(0) != weight.size(0) ||
                         !bias.is_contiguous() || bias.device() != x.device()))
    return false;
  auto aligned = [](const at::Tensor& t) { return reinterpret_cast<std::uintptr_t>(t.data_ptr()) % 16 == 0; };
  const int64_t k = weight.size(1);
  const int64_t rows = k > 0 ? x.numel() / k : 0;
  return kernels::skinnyGemmSupports(rows, weight.size(0), k) && aligned(weight);
#else
  (void)x, (void)weight, (void)bias;
  return false;
#endif
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
#ifdef LL_HAVE_SKINNY_GEMM
  if (skinnyGemmApplies(x, weight, bias)) {
    const int64_t k = weight.size(1), n = weight.size(0);
    at::Tensor rows = x.reshape({-1, k});
    // Rows 16-byte aligned and each row contiguous, as the kernel's 16-byte loads need.
    if (rows.stride(1) != 1 || rows.stride(0) % 8 != 0 || reinterpret_cast<std::uintptr_t>(rows.data_ptr()) % 16 != 0)
      rows = rows.clone(at::MemoryFormat::Contiguous);  // a fresh allocation is aligned
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = n;
    at::Tensor y = at::empty({rows.size(0), n}, x.options());
    kernels::SkinnyGemmArgs a;
    a.x = rows.data_ptr();
    a.xStride = rows.stride(0);
    a.w = weight.data_ptr();
    a.bias = bias.defined() ? bias.data_ptr() : nullptr;
    a.y = y.data_ptr();
    a.m = rows.size(0);
    a.n = n;
    a.k = k;
    c10::cuda::CUDAGuard guard(x.device());
    if (const char* e = kernels::skinnyGemm(a, c10::cuda::getCurrentCUDAStream(x.device().index()).stream()))
      throw std::runtime_error(std::string("skinny GEMM failed to launch: ") + e);
    return y.view(shape);
  }
#endif
  return bias.defined() ? at::linear(x, weight, bias) : at::linear(x, weight);
}

}  // namespace ll::infer
