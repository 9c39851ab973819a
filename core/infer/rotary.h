#pragma once
// Rotary position embedding in transformers' rotate_half form, x * cos + rotate_half(x) * sin, with
// rotate_half(x) = cat(-x2, x1). The sign moves into the sine table (once per step, signedSine) so
// every application is swap-halves, two multiplies and an add: four kernels instead of five, bit for
// bit the same result (negation is exact). Decoders apply it twice per layer per step.
#include <ATen/core/Tensor.h>

namespace ll::infer {

// sin = cat(s, s) over the last dimension -> cat(-s, s).
at::Tensor signedSine(const at::Tensor& sin);

// x [..., D]; cos and signedSin broadcast against x.
at::Tensor applyRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& signedSin);

}  // namespace ll::infer
