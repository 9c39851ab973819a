#include "core/infer/weight_product.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/infer/infer_test_device.h"

namespace {

// Kept transposed ([in, out], contiguous), the product is still x W^T for W as the checkpoint stores it, for
// a few rows (a decode step) and for a batch of prompts with leading dimensions.
TEST(WeightProduct, TransposedWeightGivesTheSameProduct) {
  const c10::Device device = ll::testing::testDevice();
  at::manual_seed(3);
  const auto opts = at::TensorOptions().device(device).dtype(ll::testing::testDType());
  const at::Tensor w = at::randn({96, 40}, opts);  // [out, in]
  const ll::infer::WeightProduct p = ll::infer::WeightProduct::fromCheckpointLayout(w);
  ASSERT_TRUE(p.transposed);
  EXPECT_EQ(p.weight.sizes(), (at::IntArrayRef{40, 96}));
  EXPECT_TRUE(p.weight.is_contiguous());
  EXPECT_TRUE(at::equal(p.weight, w.t()));
  const double tol = ll::testing::testIsFloat32() ? 1e-4 : 0.1;
  for (const at::Tensor& x : {at::randn({8, 40}, opts), at::randn({2, 5, 40}, opts)}) {
    const at::Tensor got = p(x), want = at::linear(x, w);
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_LT((got.to(at::kFloat) - want.to(at::kFloat)).abs().max().item<double>(), tol);
  }
  const ll::infer::WeightProduct plain{w, false};
  EXPECT_TRUE(at::equal(plain(at::ones({1, 40}, opts)), at::linear(at::ones({1, 40}, opts), w)));
}

}  // namespace
