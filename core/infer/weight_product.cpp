#include "core/infer/weight_product.h"

#include <ATen/ATen.h>

#include "core/infer/runtime_options.h"

namespace ll::infer {

WeightProduct WeightProduct::fromCheckpointLayout(const at::Tensor& outByIn) {
  static const bool transpose = !switchedOffByEnvironment("LAYOUTLENS_TRANSPOSED_WEIGHTS");
  if (!transpose) return {outByIn, false};
  return {outByIn.t().contiguous(), true};
}

at::Tensor WeightProduct::operator()(const at::Tensor& x) const {
  return transposed ? at::matmul(x, weight) : at::linear(x, weight);
}

}  // namespace ll::infer
