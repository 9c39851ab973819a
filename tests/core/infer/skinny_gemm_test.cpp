// infer::linear: at::linear's contract, through our skinny GEMM kernel for the decode-step shapes on CUDA
// bfloat16 (run with LAYOUTLENS_TEST_DEVICE=cuda), at::linear itself everywhere else. The kernel is held to a
// float32 product of the same bfloat16 operands: a wrong fragment order, a lost chunk of K, a row or column
// of the output written to the wrong place is off by the size of the values, far outside the tolerance of one
// bfloat16 rounding.
#include "core/infer/skinny_gemm.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <string>

#include "core/infer/fused_elementwise.h"
#include "core/infer/infer_test_device.h"

namespace {

at::TensorOptions bf16On(const c10::Device& d) { return at::TensorOptions().dtype(at::kBFloat16).device(d); }

bool kernelRuns() {
  const c10::Device device = ll::testing::testDevice();
  return device.is_cuda() && ll::infer::fusedKernelsWanted(at::zeros({1}, bf16On(device)));
}

// max |got - float32 product| / max |float32 product|
double relativeError(const at::Tensor& got, const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias) {
  const at::Tensor want = bias.defined() ? at::linear(x.to(at::kFloat), w.to(at::kFloat), bias.to(at::kFloat))
                                         : at::linear(x.to(at::kFloat), w.to(at::kFloat));
  return ((got.to(at::kFloat) - want).abs().max() / want.abs().max()).item<double>();
}

TEST(SkinnyGemm, DecodeShapesEqualTheFloat32Product) {
  if (!kernelRuns()) GTEST_SKIP() << "needs a CUDA build with LAYOUTLENS_CUDA_KERNELS and LAYOUTLENS_TEST_DEVICE=cuda";
  at::manual_seed(31);
  const c10::Device device = ll::testing::testDevice();
  struct Shape {
    int64_t n, k;
    bool bias;
  };
  // dots.ocr's q/k/v (with bias), o, gate/up, down; a narrow N that ends inside a 16-row tile; K of one chunk.
  for (const Shape& s : {Shape{2048, 1536, true}, Shape{1536, 1536, false}, Shape{17920, 1536, false},
                         Shape{1536, 8960, false}, Shape{100, 64, true}, Shape{24, 32, false}}) {
    const at::Tensor w = at::randn({s.n, s.k}, bf16On(device)) * 0.05;
    const at::Tensor bias = s.bias ? at::randn({s.n}, bf16On(device)) : at::Tensor();
    for (int64_t m : {1, 3, 8, 9, 18, 32}) {
      SCOPED_TRACE("M " + std::to_string(m) + " N " + std::to_string(s.n) + " K " + std::to_string(s.k));
      const at::Tensor x = at::randn({m, s.k}, bf16On(device));
      ASSERT_TRUE(ll::infer::skinnyGemmApplies(x, w, bias));
      const at::Tensor got = ll::infer::linear(x, w, bias);
      ASSERT_EQ(got.sizes(), (std::vector<int64_t>{m, s.n}));
      EXPECT_LT(relativeError(got, x, w, bias), 1e-2);
      EXPECT_TRUE(at::equal(got, ll::infer::linear(x, w, bias)));  // the same bits on every call
    }
  }
}

TEST(SkinnyGemm, TakesStridedAndBatchedInputs) {
  if (!kernelRuns()) GTEST_SKIP() << "needs a CUDA build with LAYOUTLENS_CUDA_KERNELS and LAYOUTLENS_TEST_DEVICE=cuda";
  at::manual_seed(32);
  const c10::Device device = ll::testing::testDevice();
  const at::Tensor w = at::randn({640, 256}, bf16On(device)) * 0.05;
  // A column slice of a wider tensor (rows 768 elements apart), as a fused projection's narrow() hands on.
  const at::Tensor wide = at::randn({5, 768}, bf16On(device));
  const at::Tensor slice = wide.narrow(1, 256, 256);
  EXPECT_LT(relativeError(ll::infer::linear(slice, w), slice, w, at::Tensor()), 1e-2);
  // Leading dimensions are kept: [2, 3, K] -> [2, 3, N].
  const at::Tensor batched = at::randn({2, 3, 256}, bf16On(device));
  const at::Tensor got = ll::infer::linear(batched, w);
  ASSERT_EQ(got.sizes(), (std::vector<int64_t>{2, 3, 640}));
  EXPECT_LT(relativeError(got, batched, w, at::Tensor()), 1e-2);
}

TEST(SkinnyGemm, OtherShapesAndDevicesTakeAtLinear) {
  const c10::Device device = ll::testing::testDevice();
  const auto options = at::TensorOptions().dtype(ll::testing::testDType()).device(device);
  const at::Tensor w = at::randn({64, 96}, options), bias = at::randn({64}, options);
  for (int64_t m : {1, 33}) {  // 33 rows: more than a decode step's
    const at::Tensor x = at::randn({m, 96}, options);
    if (m > 32 || !kernelRuns()) EXPECT_FALSE(ll::infer::skinnyGemmApplies(x, w, bias));
    if (!ll::infer::skinnyGemmApplies(x, w, bias)) EXPECT_TRUE(at::equal(ll::infer::linear(x, w, bias), at::linear(x, w, bias)));
  }
  // K not a multiple of 32, and float32 operands: at::linear.
  const at::Tensor odd = at::randn({4, 40}, options), oddW = at::randn({8, 40}, options);
  EXPECT_FALSE(ll::infer::skinnyGemmApplies(odd, oddW, at::Tensor()));
  EXPECT_TRUE(at::equal(ll::infer::linear(odd, oddW), at::linear(odd, oddW)));
  const at::Tensor f32 = at::randn({4, 64}, at::TensorOptions().device(device));
  EXPECT_FALSE(ll::infer::skinnyGemmApplies(f32, at::randn({8, 64}, at::TensorOptions().device(device)), at::Tensor()));
}

}  // namespace
