#include "core/infer/rotary.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

#include "core/infer/fused_elementwise.h"
#include "core/infer/shape_text.h"

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

at::Tensor applyRotaryInFloat(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  if (x.dim() != 3 || cos.dim() != 2 || cos.size(0) != x.size(0) || cos.size(1) != x.size(2) || !sin.sizes().equals(cos.sizes()))
    throw std::invalid_argument("applyRotaryInFloat: x [n, heads, d] and tables [n, d] expected, got x " +
                                shapeText(x.sizes()) + ", cos " + shapeText(cos.sizes()) + ", sin " + shapeText(sin.sizes()));
#ifdef LL_HAVE_INFER_KERNELS
  auto floatHere = [&](const at::Tensor& t) { return t.scalar_type() == at::kFloat && t.device() == x.device(); };
  if (fusedKernelsWanted(x) && x.stride(2) == 1 && x.size(2) % 2 == 0 && floatHere(cos) && floatHere(sin)) {
    const at::Tensor c = cos.contiguous(), s = sin.contiguous();
    at::Tensor out = at::empty(x.sizes(), x.options());
    c10::cuda::CUDAGuard guard(x.device());
    if (const char* e = kernels::rotaryFloatTables(x.data_ptr(), x.stride(0), x.stride(1), x.size(0), x.size(1), x.size(2),
                                                   c.data_ptr<float>(), s.data_ptr<float>(), out.data_ptr(),
                                                   c10::cuda::getCurrentCUDAStream(x.device().index()).stream()))
      throw std::runtime_error(std::string("fused float32 rotary failed to launch: ") + e);
    return out;
  }
#endif
  const at::Tensor xf = x.to(at::kFloat);
  const int64_t half = x.size(-1) / 2;
  const at::Tensor rotated = at::cat({-xf.narrow(-1, half, half), xf.narrow(-1, 0, half)}, -1);
  const at::Tensor out = xf * cos.unsqueeze(1) + rotated * sin.unsqueeze(1);
  return out.to(x.scalar_type());
}

at::Tensor rotateQkvIntoCache(const at::Tensor& qkv, int64_t hq, int64_t hkv, const at::Tensor& cos,
                              const at::Tensor& signedSin, const at::Tensor& rows, const at::Tensor& keyRows,
                              const at::Tensor& valueRows) {
  const int64_t d = keyRows.dim() == 3 ? keyRows.size(2) : 0, n = qkv.dim() == 2 ? qkv.size(0) : -1;
  if (n < 0 || d == 0 || keyRows.size(1) != hkv || !valueRows.sizes().equals(keyRows.sizes()) ||
      qkv.size(1) != (hq + 2 * hkv) * d || cos.dim() != 2 || cos.size(0) != n || cos.size(1) != d ||
      !signedSin.sizes().equals(cos.sizes()) || rows.dim() != 1 || rows.size(0) != n)
    throw std::invalid_argument("rotateQkvIntoCache: qkv [n, (hq + 2 hkv) d], tables [n, d], rows [n] and caches [R, hkv, d] "
                                "expected, got qkv " + shapeText(qkv.sizes()) + ", cos " + shapeText(cos.sizes()) +
                                ", rows " + shapeText(rows.sizes()) + ", caches " + shapeText(keyRows.sizes()));
#ifdef LL_HAVE_INFER_KERNELS
  auto bf16Here = [&](const at::Tensor& t) {
    return t.scalar_type() == at::kBFloat16 && t.device() == qkv.device() && t.is_contiguous();
  };
  if (fusedKernelsWanted(qkv) && qkv.stride(1) == 1 && d % 2 == 0 && bf16Here(cos) && bf16Here(signedSin) &&
      bf16Here(keyRows) && bf16Here(valueRows) && rows.scalar_type() == at::kLong && rows.device() == qkv.device() &&
      rows.is_contiguous()) {
    at::Tensor q = at::empty({n, hq, d}, qkv.options());
    c10::cuda::CUDAGuard guard(qkv.device());
    if (const char* e = kernels::rotaryQkvIntoCache(qkv.data_ptr(), qkv.stride(0), n, hq, hkv, d, cos.data_ptr(),
                                                    signedSin.data_ptr(), rows.data_ptr<int64_t>(), q.data_ptr(),
                                                    keyRows.data_ptr(), valueRows.data_ptr(),
                                                    c10::cuda::getCurrentCUDAStream(qkv.device().index()).stream()))
      throw std::runtime_error(std::string("fused rotary q/k/v into the cache failed to launch: ") + e);
    return q;
  }
#endif
  const at::Tensor c = cos.unsqueeze(1), s = signedSin.unsqueeze(1);  // [n, 1, d] over heads
  const at::Tensor q = applyRotary(qkv.narrow(1, 0, hq * d).view({n, hq, d}), c, s);
  const at::Tensor k = applyRotary(qkv.narrow(1, hq * d, hkv * d).view({n, hkv, d}), c, s);
  // The callers pass views of the cache storage: the copies land in the cache.
  keyRows.index_copy_(0, rows, k);
  valueRows.index_copy_(0, rows, qkv.narrow(1, (hq + hkv) * d, hkv * d).view({n, hkv, d}));
  return q;
}

}  // namespace ll::infer
