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

// The float32 form of vision towers (dots.ocr): (x.float() * cos + rotate_half(x.float()) * sin).to(x's dtype)
// for x [n, heads, d] (heads may be strided, e.g. a view into a fused q/k/v projection) with float32 tables
// cos / sin [n, d], each half holding the same angles. One CUDA kernel for bfloat16 x on a GPU where the fused
// kernels run (the chain is ~7 kernels over float32 copies: ~0.4 s of an 8-page layout prefill on an H100),
// the op chain elsewhere; the same bits either way.
at::Tensor applyRotaryInFloat(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

// A decode step's attention inputs from a fused projection qkv [n, (hq + 2 hkv) * d] (q, k, v heads side by
// side): q and k rotated (cos / signedSin [n, d]), k and v written into rows `rows` (int64 [n]) of the flat
// caches keyRows / valueRows [R, hkv, d]; returns q [n, hq, d]. One CUDA kernel where the fused kernels run
// (bfloat16 on a GPU, contiguous caches and tables) instead of four (two rotaries, two index copies);
// elsewhere the op chain. Both give the same bits.
at::Tensor rotateQkvIntoCache(const at::Tensor& qkv, int64_t hq, int64_t hkv, const at::Tensor& cos,
                              const at::Tensor& signedSin, const at::Tensor& rows, const at::Tensor& keyRows,
                              const at::Tensor& valueRows);

}  // namespace ll::infer
