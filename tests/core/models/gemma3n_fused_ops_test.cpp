// The fused Gemma 3n kernels against the op chains they replace (the ones text_decoder_layer.cpp runs
// without them), on random bfloat16 tensors of E4B's decode shapes. They round every intermediate as the
// chain does, so almost every element is bit-identical and none is off by more than about one bfloat16
// unit (float32 sums may run in another order). Needs a CUDA build with LAYOUTLENS_CUDA_KERNELS and
// LAYOUTLENS_TEST_DEVICE=cuda; elsewhere only the "not available" contract is checked.
#include "core/models/gemma3n/fused_ops.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/infer/infer_test_device.h"
#include "core/infer/rms_norm.h"
#include "core/infer/rotary.h"

namespace {

namespace fused = ll::models::gemma3n::fused;
constexpr int64_t kN = 4, kRows = 18, kD = 2048;

TEST(Gemma3nFusedOps, NeverClaimedOffTheGpuOrForFloat32) {
  EXPECT_FALSE(fused::available(at::zeros({2, 2}, at::kBFloat16)));
  EXPECT_FALSE(fused::available(at::Tensor()));
  if (!fused::compiledIn()) {
    EXPECT_THROW(fused::residualMix(at::zeros({2}), at::zeros({2}), at::zeros({2}), at::zeros({2})), std::logic_error);
  }
}

class Gemma3nFusedOpsGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    device_ = ll::testing::testDevice();
    if (!device_.is_cuda() || !fused::compiledIn())
      GTEST_SKIP() << "needs LAYOUTLENS_TEST_DEVICE=cuda and a build with LAYOUTLENS_CUDA_KERNELS";
    at::manual_seed(11);
  }
  at::Tensor randn(at::IntArrayRef shape, double scale = 1.0) {
    return (at::randn(shape, at::TensorOptions().device(device_)) * scale).to(at::kBFloat16);
  }
  // Fused against chain: shapes equal, >= 99 % of elements bit-identical, none off by more than two bf16
  // units of the tensor's largest magnitude (a wrong formula or rounding is off by far more, everywhere).
  static void expectSame(const at::Tensor& fusedOut, const at::Tensor& chain, const char* what) {
    SCOPED_TRACE(what);
    ASSERT_EQ(fusedOut.sizes(), chain.sizes());
    ASSERT_EQ(fusedOut.scalar_type(), at::kBFloat16);
    const at::Tensor f = fusedOut.to(at::kFloat), c = chain.to(at::kFloat);
    const double equal = f.eq(c).to(at::kFloat).mean().item<double>();
    const double worst = (f - c).abs().max().item<double>(), scale = c.abs().max().item<double>();
    EXPECT_GE(equal, 0.99) << "fraction bit-identical";
    EXPECT_LE(worst, scale / 64) << "largest difference, against the largest magnitude " << scale;
  }
  c10::Device device_{c10::kCPU};
};

TEST_F(Gemma3nFusedOpsGpu, RouterMatchesNormLinearTanh) {
  const at::Tensor streams = randn({kN, kRows, kD}), norm = randn({kD}, 0.02), W = randn({kN, kD}, 0.5);
  ASSERT_TRUE(fused::available(streams));
  const at::Tensor x = streams[0];
  const at::Tensor normed = ll::infer::rmsNorm(x, norm, 1e-6, ll::infer::RmsNormWeight::InFloat32);
  // The [n, 2048] x [2048, 4] product is where the chain itself wavers: cuBLAS reduces its split-K
  // partial sums of bfloat16 products in reduced precision, so the reference here is that product in
  // float32, rounded once (what the chain computes when its GEMM does not split).
  const at::Tensor exact = at::linear(normed.to(at::kFloat), W.to(at::kFloat)).to(at::kBFloat16);
  expectSame(fused::routerTanh(x, norm, 1e-6, W), at::tanh(exact), "router");
  // Against the bf16 chain itself: never off by more than a couple of units.
  const at::Tensor chain = at::tanh(at::linear(normed, W));
  EXPECT_LE((fused::routerTanh(x, norm, 1e-6, W).to(at::kFloat) - chain.to(at::kFloat)).abs().max().item<double>(), 1.0 / 32);
}

TEST_F(Gemma3nFusedOpsGpu, AltupPredictMatchesLinearBmmAdd) {
  const at::Tensor streams = randn({kN, kRows, kD}), router = at::tanh(randn({kRows, kN})), P = randn({kN * kN, kN}, 0.5);
  const at::Tensor coefs = at::linear(router, P).view({kRows, kN, kN});
  const at::Tensor chain = at::bmm(coefs, streams.permute({1, 0, 2})).permute({1, 0, 2}) + streams;
  expectSame(fused::altupPredict(streams, router, P), chain, "predict");
}

TEST_F(Gemma3nFusedOpsGpu, ResidualMixMatchesTheChain) {
  const at::Tensor u = randn({kRows, kD}), attn = randn({kRows, kD}), h = randn({kRows, kD}), ln = randn({kRows, kD});
  expectSame(fused::residualMix(u, attn, h, ln), ((u + attn) + (h + ln)) / std::sqrt(2.0), "residual");
}

TEST_F(Gemma3nFusedOpsGpu, AltupCorrectMatchesTheChainWithAndWithoutScale) {
  const at::Tensor z2 = randn({kRows, kD}), pred = randn({kN, kRows, kD}), router2 = at::tanh(randn({kRows, kN}));
  const at::Tensor u = pred[0], C = randn({kN, kN}, 0.5), scale = randn({kD});
  const at::Tensor gains = at::linear(router2, C) + 1.0;
  const at::Tensor chain = (z2 - u).unsqueeze(0) * gains.t().unsqueeze(-1) + pred;
  for (bool scaled : {true, false}) {
    const auto out = fused::altupCorrect(z2, u, pred, router2, C, 0, scaled ? scale : at::Tensor());
    expectSame(out.streams, chain, "corrected streams");
    expectSame(out.active, scaled ? chain[0] * scale : chain[0], "active stream");
  }
}

TEST_F(Gemma3nFusedOpsGpu, GeluMulReadsStridedRows) {
  // The MLP's gate/up halves of one projection, and a per-layer input selected out of [n, layers, 256].
  const at::Tensor gu = randn({kRows, 2 * 512});
  const at::Tensor gate = gu.narrow(-1, 0, 512), up = gu.narrow(-1, 512, 512);
  expectSame(fused::geluTanhMul(gate, up), at::gelu(gate, "tanh") * up, "mlp");
  const at::Tensor ple = randn({kRows, 35, 256}).select(1, 7), g = randn({kRows, 256});
  expectSame(fused::geluTanhMul(g, ple), at::gelu(g, "tanh") * ple, "per-layer input");
}

TEST_F(Gemma3nFusedOpsGpu, QkvNormRotaryMatchesNormsAndRotary) {
  const int64_t hq = 8, hkv = 2, d = 256;
  const at::Tensor proj = randn({kRows, (hq + 2 * hkv) * d}), qNorm = randn({d}), kNorm = randn({d});
  const at::Tensor angles = at::rand({kRows, 1, d / 2}, at::TensorOptions().device(device_)) * 100;
  const at::Tensor emb = at::cat({angles, angles}, -1);
  const at::Tensor cos = emb.cos().to(at::kBFloat16), sin = ll::infer::signedSine(emb.sin().to(at::kBFloat16));
  auto norm = [&](int64_t from, int64_t heads, const at::Tensor& w) {
    return ll::infer::rmsNorm(proj.narrow(1, from * d, heads * d).view({kRows, heads, d}), w, 1e-6,
                              ll::infer::RmsNormWeight::InFloat32);
  };
  const auto in = fused::qkvNormRotary(proj, hq, hkv, d, qNorm, kNorm, cos, sin, 1e-6, true);
  expectSame(in.q, ll::infer::applyRotary(norm(0, hq, qNorm), cos, sin), "q");
  expectSame(in.k, ll::infer::applyRotary(norm(hq, hkv, kNorm), cos, sin), "k");
  expectSame(in.v, norm(hq + hkv, hkv, at::Tensor()), "v");
  // A layer that reads another layer's cache: q only, from a projection of q alone.
  const auto qOnly = fused::qkvNormRotary(proj.narrow(1, 0, hq * d), hq, hkv, d, qNorm, at::Tensor(), cos, sin, 1e-6, false);
  expectSame(qOnly.q, in.q, "q only");
  EXPECT_FALSE(qOnly.k.defined());
}

TEST_F(Gemma3nFusedOpsGpu, WrongShapesAreRefusedWithTheReason) {
  try {
    fused::altupPredict(randn({kN, kRows, kD}), randn({kRows, kN + 1}), randn({kN * kN, kN}));
    FAIL() << "a router of the wrong width must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("router [n, N]"), std::string::npos) << e.what();
  }
}

}  // namespace
