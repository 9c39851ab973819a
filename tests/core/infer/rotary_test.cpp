// infer::applyRotary with a signedSine table is transformers' x * cos + rotate_half(x) * sin, bit for bit
// (in bf16 too: the sign moved into the table is an exact negation).
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/infer/infer_test_device.h"
#include "core/infer/rotary.h"

namespace {

at::Tensor rotateHalfReference(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  const at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

TEST(Rotary, SignedSineFormEqualsRotateHalfExactly) {
  at::manual_seed(3);
  for (auto dtype : {at::kFloat, at::kBFloat16}) {
    const auto o = at::TensorOptions().dtype(dtype).device(ll::testing::testDevice());
    const at::Tensor positions = at::arange(7, o.dtype(at::kFloat)).unsqueeze(1);
    const at::Tensor invFreq = at::rand({8}, o.dtype(at::kFloat));
    const at::Tensor emb = at::cat({positions * invFreq, positions * invFreq}, -1);  // [7, 16]
    const at::Tensor cos = emb.cos().to(dtype).unsqueeze(1), sin = emb.sin().to(dtype).unsqueeze(1);
    const at::Tensor x = at::randn({7, 3, 16}, o);  // [tokens, heads, head_dim]
    const at::Tensor got = ll::infer::applyRotary(x, cos, ll::infer::signedSine(sin));
    EXPECT_TRUE(at::equal(got, rotateHalfReference(x, cos, sin))) << dtype;
  }
}

TEST(Rotary, SignedSineNegatesTheFirstHalfOnly) {
  const at::Tensor sin = at::tensor({1.0f, 2.0f, 3.0f, 1.0f, 2.0f, 3.0f});
  EXPECT_TRUE(at::equal(ll::infer::signedSine(sin), at::tensor({-1.0f, -2.0f, -3.0f, 1.0f, 2.0f, 3.0f})));
}

}  // namespace
