// infer::rmsNorm: each weight convention matches its reference model's own op chain, and the two
// conventions really differ in bf16 (so a model wired to the wrong one would be caught by this test
// before its parity fixtures drift by a rounding step).
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/infer/infer_test_device.h"
#include "core/infer/rms_norm.h"

using ll::infer::RmsNormWeight;
using ll::infer::rmsNorm;

namespace {

constexpr double kEps = 1e-6;

// transformers' Gemma3nRMSNorm: float32 throughout, weight included, one rounding at the end.
at::Tensor gemmaChain(const at::Tensor& x, const at::Tensor& w) {
  const at::Tensor xf = x.to(at::kFloat);
  return (xf * at::pow(xf.pow(2).mean({-1}, true) + kEps, -0.5) * w.to(at::kFloat)).to(x.scalar_type());
}

// transformers' Qwen2RMSNorm: normalised value rounded to the input dtype, then times the weight.
at::Tensor qwenChain(const at::Tensor& x, const at::Tensor& w) {
  const at::Tensor xf = x.to(at::kFloat);
  return w * (xf * at::rsqrt(xf.pow(2).mean({-1}, true) + kEps)).to(x.scalar_type());
}

// Elements that differ, as a fraction of all.
double mismatch(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kFloat) != b.to(at::kFloat)).to(at::kFloat).mean().item<double>();
}

struct Inputs {
  at::Tensor x, w;
};

Inputs bf16Inputs() {
  at::manual_seed(5);
  const auto o = at::TensorOptions().device(ll::testing::testDevice());
  // Weights that are not powers of two, so multiplying before or after rounding gives other bits.
  return {(at::randn({18, 2048}, o) * 3).to(at::kBFloat16), (at::rand({2048}, o) + 0.55).to(at::kBFloat16)};
}

TEST(RmsNorm, EachConventionMatchesItsReferenceChainInBfloat16) {
  const Inputs in = bf16Inputs();
  const at::Tensor gemma = rmsNorm(in.x, in.w, kEps, RmsNormWeight::InFloat32);
  const at::Tensor qwen = rmsNorm(in.x, in.w, kEps, RmsNormWeight::AfterRounding);
  ASSERT_EQ(gemma.scalar_type(), at::kBFloat16);
  ASSERT_EQ(gemma.sizes(), in.x.sizes());
  // A fused kernel may round a float32 intermediate differently in a rare element, never more.
  EXPECT_LT(mismatch(gemma, gemmaChain(in.x, in.w)), 1e-3);
  EXPECT_LT(mismatch(qwen, qwenChain(in.x, in.w)), 1e-3);
  // ... while the other convention's rounding differs in many elements.
  EXPECT_GT(mismatch(gemma, qwenChain(in.x, in.w)), 0.05);
  EXPECT_GT(mismatch(qwen, gemmaChain(in.x, in.w)), 0.05);
}

TEST(RmsNorm, WeightlessAndPerHeadNormsInTheTestDtype) {
  at::manual_seed(6);
  const auto o = at::TensorOptions().dtype(ll::testing::testDType()).device(ll::testing::testDevice());
  const at::Tensor x = at::randn({5, 4, 16}, o) * 2;  // per-head norm: over the last dimension only
  const at::Tensor xf = x.to(at::kFloat).cpu();
  const at::Tensor want = xf / (xf.pow(2).mean({-1}, true) + kEps).sqrt();
  const double tol = ll::testing::testIsFloat32() ? 1e-5 : 2e-2;
  for (auto convention : {RmsNormWeight::InFloat32, RmsNormWeight::AfterRounding}) {
    const at::Tensor got = rmsNorm(x, at::Tensor(), kEps, convention);
    EXPECT_EQ(got.scalar_type(), x.scalar_type());
    EXPECT_LT((got.to(at::kFloat).cpu() - want).abs().max().item<double>(), tol);
    const at::Tensor w = at::full({16}, 0.5, o);
    EXPECT_LT((rmsNorm(x, w, kEps, convention).to(at::kFloat).cpu() - want * 0.5).abs().max().item<double>(), tol);
  }
}

}  // namespace
