#include "core/infer/rotary.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

#include "core/infer/fused_elementwise.h"

#if defined(LL_INFER_CUDA_KERNELS) && __has_include(<c10/cuda/CUDAStream.h>)
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/infer/cuda_kernels.h"
#define LL_HAVE_INFER_KERNELS 1
#endif

namespace ll::infer {

at::Tensor signedSine(const at::Tensor& sin) {
  const int64_t half = sin.size(-1) / 2;
  return at::cat({-sin.narrow(-1, 0, half), sin.narrow(-1, half, half)}, -1);
}

at::Tensor applyRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& signedSin) {
#ifdef LL_HAVE_INFER_KERNELS
  // One kernel instead of four for the decoders' [rows, heads, d] with a [rows, (1,) d] table per row.
  if (fusedKernelsWanted(x) && x.dim() == 3 && x.stride(2) == 1 && x.size(2) % 2 == 0 &&
      cos.scalar_type() == at::kBFloat16 && signedSin.scalar_type() == at::kBFloat16 &&
      cos.numel() == x.size(0) * x.size(2) && signedSin.numel() == cos.numel() &&
      cos.size(-1) == x.size(2) && cos.size(0) == x.size(0) && signedSin.sizes() == cos.sizes()) {
    const at::Tensor c = cos.contiguous(), s = signedSin.contiguous();
    at::Tensor out = at::empty(x.sizes(), x.options());
    c10::cuda::CUDAGuard guard(x.device());
    if (const char* e = kernels::rotary(x.data_ptr(), x.stride(0), x.stride(1), x.size(0), x.size(1), x.size(2),
                                        c.data_ptr(), s.data_ptr(), out.data_ptr(),
                                        c10::cuda::getCurrentCUDAStream(x.device().index()).stream()))
      throw std::runtime_error(std::string("fused rotary failed to launch: ") + e);
    return out;
  }
#endif
  const int64_t half = x.size(-1) / 2;
  const at::Tensor swapped = at::cat({x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + swapped * signedSin;
}

}  // namespace ll::infer
