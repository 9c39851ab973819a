// infer::linear: at::linear itself on the CPU (CI); on the GPU in bfloat16 (LAYOUTLENS_TEST_DEVICE=cuda with
// LAYOUTLENS_CUDA_KERNELS) the decode-sized shapes are timed against cuBLASLt's candidates and may run one
// of those: the result must then still be the float32 product within bfloat16 rounding, inside and
// outside a CUDA graph.
#include "core/infer/tuned_linear.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/infer/cuda_graph.h"
#include "core/infer/fused_elementwise.h"
#include "core/infer/infer_test_device.h"

namespace {

// Largest |got - want| relative to the largest |want|, against a float32 product of the same inputs.
double relativeError(const at::Tensor& got, const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias) {
  const at::Tensor want = at::linear(x.to(at::kFloat), w.to(at::kFloat), bias.defined() ? bias.to(at::kFloat) : at::Tensor());
  return (got.to(at::kFloat) - want).abs().max().item<double>() / want.abs().max().item<double>();
}

TEST(TunedLinear, IsAtLinearOnTheCpu) {
  at::manual_seed(1);
  const at::Tensor x = at::randn({6, 40}), w = at::randn({24, 32}), bias = at::randn({24});
  const at::Tensor strided = x.narrow(1, 8, 32);  // rows 40 apart, as the decoders' views of a projection
  EXPECT_TRUE(at::equal(ll::infer::linear(strided, w, bias), at::linear(strided, w, bias)));
  EXPECT_TRUE(at::equal(ll::infer::linear(strided, w), at::linear(strided, w)));
  const at::Tensor batched = at::randn({2, 3, 32});  // not 2-D: at::linear's broadcasting, untouched
  EXPECT_TRUE(at::equal(ll::infer::linear(batched, w), at::linear(batched, w)));
  EXPECT_TRUE(ll::infer::tunedLinearChoices().empty()) << "nothing is timed off the GPU";
}

// The decoders' shapes at decode batch sizes: dots.ocr's q/k/v (+ bias), gate/up and down; a strided input;
// Gemma 3n's per-layer gate. Each is timed on its first call; the second call runs the kept choice.
TEST(TunedLinear, DecodeShapesOnTheGpuEqualTheProduct) {
  const c10::Device device = ll::testing::testDevice();
  if (!device.is_cuda()) GTEST_SKIP() << "needs LAYOUTLENS_TEST_DEVICE=cuda";
  at::manual_seed(2);
  const auto o = at::TensorOptions().dtype(at::kBFloat16).device(device);
  struct Shape {
    int64_t m, n, k;
    bool bias;
  };
  for (const Shape& s : {Shape{8, 2048, 1536, true}, Shape{18, 17920, 1536, false}, Shape{8, 1536, 8960, false},
                         Shape{1, 256, 2048, false}, Shape{32, 2048, 2048, false}}) {
    SCOPED_TRACE(std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k));
    const at::Tensor wide = at::randn({s.m, s.k + 64}, o), x = wide.narrow(1, 64, s.k);
    const at::Tensor w = at::randn({s.n, s.k}, o) * 0.05, bias = s.bias ? at::randn({s.n}, o) : at::Tensor();
    const at::Tensor first = ll::infer::linear(x, w, bias), second = ll::infer::linear(x, w, bias);
    EXPECT_EQ(first.sizes(), (std::vector<int64_t>{s.m, s.n}));
    EXPECT_LT(relativeError(first, x, w, bias), 1.0 / 64);
    EXPECT_TRUE(at::equal(first, second)) << "the kept choice must give the timed run's result";
  }
  if (ll::infer::fusedKernelsCompiled()) {
    const auto choices = ll::infer::tunedLinearChoices();
    EXPECT_GE(choices.size(), 5u);
    for (const auto& c : choices) {
      std::printf("tuned: %s\n", ll::infer::describe(c).c_str());
      EXPECT_GT(c.atenMicros, 0.0);
      EXPECT_GT(c.candidates, 0) << "cuBLASLt found in the process, but no candidate algorithm";
    }
  }
}

TEST(TunedLinear, GraphReplaysFollowNewInputs) {
  const c10::Device device = ll::testing::testDevice();
  if (!device.is_cuda() || !ll::infer::cudaGraphsWanted(device)) GTEST_SKIP() << "needs CUDA graphs";
  at::manual_seed(3);
  const auto o = at::TensorOptions().dtype(at::kBFloat16).device(device);
  const at::Tensor x = at::randn({12, 1024}, o), w = at::randn({3072, 1024}, o) * 0.05;
  at::Tensor y;
  ll::infer::CudaGraphPool pool;
  // A shape first met here: decided in the warm-up runs, then captured.
  auto graph = ll::infer::CapturedGraph::capture(device, pool, [&] { y = ll::infer::linear(x, w); });
  for (int i = 0; i < 3; ++i) {
    x.copy_(at::randn({12, 1024}, o));
    graph->replay();
    EXPECT_LT(relativeError(y, x, w, at::Tensor()), 1.0 / 64) << "replay " << i;
  }
}

}  // namespace
