#include "core/infer/rotary.h"

#include <ATen/ATen.h>

namespace ll::infer {

at::Tensor signedSine(const at::Tensor& sin) {
  const int64_t half = sin.size(-1) / 2;
  return at::cat({-sin.narrow(-1, 0, half), sin.narrow(-1, half, half)}, -1);
}

at::Tensor applyRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& signedSin) {
  const int64_t half = x.size(-1) / 2;
  const at::Tensor swapped = at::cat({x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + swapped * signedSin;
}

}  // namespace ll::infer
