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
#include <vector>

#include "core/infer/infer_test_device.h"
#include "core/infer/rms_norm.h"
#include "core/infer/rotary.h"

namespace {

namespace fused = ll::models::gemma3n::fused;
constexpr int64_t kN = 4, kRows = 18, kD = 2048;

TEST(Gemma3nFusedOps, NeverClaimedOffTheGpuOrForFloat32) {
  EXPECT_FALSE(fused::available(at::zeros({2, 2}, at::kBFloat16)));
  EXPECT_FALSE(fused::available(at::Tensor()));
  const at::Tensor cpu = at::zeros({8, 2048}, at::kBFloat16);
  EXPECT_FALSE(fused::perLayerGateApplies(cpu, at::zeros({256, 2048}, at::kBFloat16), at::zeros({8, 256}, at::kBFloat16)));
  if (!fused::compiledIn()) {
    const at::Tensor z = at::zeros({2, 2});
    EXPECT_THROW(fused::attentionMix(z, z, z, z, z, z, z, 1e-6), std::logic_error);
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
  // Outputs mixed by a router's coefficients ask for 90 %: a router value one unit off (its float32 sum in
  // another order) moves a whole row by a unit.
  static void expectSame(const at::Tensor& fusedOut, const at::Tensor& chain, const char* what, double minEqual = 0.99) {
    SCOPED_TRACE(what);
    ASSERT_EQ(fusedOut.sizes(), chain.sizes());
    ASSERT_EQ(fusedOut.scalar_type(), at::kBFloat16);
    const at::Tensor f = fusedOut.to(at::kFloat), c = chain.to(at::kFloat);
    const double equal = f.eq(c).to(at::kFloat).mean().item<double>();
    const double worst = (f - c).abs().max().item<double>(), scale = c.abs().max().item<double>();
    EXPECT_GE(equal, minEqual) << "fraction bit-identical";
    EXPECT_LE(worst, scale / 64) << "largest difference, against the largest magnitude " << scale;
  }
  c10::Device device_{c10::kCPU};
};

// The chain's rmsNorm (Gemma3nRMSNorm: weight in float32, rounded once).
at::Tensor norm(const at::Tensor& x, const at::Tensor& w) {
  return ll::infer::rmsNorm(x, w, 1e-6, ll::infer::RmsNormWeight::InFloat32);
}

// tanh(linear(rmsNorm(x), W)). The [n, 2048] x [2048, 4] product is where the chain itself wavers: cuBLAS
// reduces its split-K partial sums of bfloat16 products in reduced precision, so the reference here is that
// product in float32, rounded once (what the chain computes when its GEMM does not split).
at::Tensor router(const at::Tensor& x, const at::Tensor& normWeight, const at::Tensor& W) {
  return at::tanh(at::linear(norm(x, normWeight).to(at::kFloat), W.to(at::kFloat)).to(at::kBFloat16));
}

TEST_F(Gemma3nFusedOpsGpu, PredictAndNormIsRouterMixAndInputNorm) {
  const at::Tensor streams = randn({kN, kRows, kD}), routerNorm = randn({kD}, 0.02), W = randn({kN, kD}, 0.5);
  const at::Tensor P = randn({kN * kN, kN}, 0.5), inputNorm = randn({kD});
  ASSERT_TRUE(fused::available(streams));
  for (int64_t a : {0, 2}) {  // the released models use stream 0; another index must follow
    const at::Tensor coefs = at::linear(router(streams[a], routerNorm, W), P).view({kRows, kN, kN});
    const at::Tensor pred = at::bmm(coefs, streams.permute({1, 0, 2})).permute({1, 0, 2}) + streams;
    const auto out = fused::predictAndNorm(streams, a, routerNorm, W, P, inputNorm, 1e-6);
    expectSame(out.streams, pred, "predicted streams", 0.9);
    expectSame(out.normed, norm(pred[a], inputNorm), "input norm of the active stream", 0.9);
  }
}

TEST_F(Gemma3nFusedOpsGpu, AttentionMixIsTwoNormsTheResidualsAndTheMlpNorm) {
  const at::Tensor u = randn({kRows, kD}), h = randn({kRows, kD}), o = randn({kRows, kD}, 3), laurel = randn({kRows, kD}, 0.1);
  const at::Tensor wA = randn({kD}), wL = randn({kD}), wF = randn({kD});
  const at::Tensor z = ((u + norm(o, wA)) + (h + norm(laurel, wL))) / std::sqrt(2.0);
  const auto out = fused::attentionMix(u, h, o, laurel, wA, wL, wF, 1e-6);
  expectSame(out.z, z, "z");
  expectSame(out.normed, norm(z, wF), "the MLP's input");
}

TEST_F(Gemma3nFusedOpsGpu, CorrectAfterMlpMatchesTheChainWithAndWithoutScale) {
  const at::Tensor z = randn({kRows, kD}), mlp = randn({kRows, kD}, 5), pred = randn({kN, kRows, kD});
  const at::Tensor postFf = randn({kD}), routerNorm = randn({kD}, 0.02), W = randn({kN, kD}, 0.5);
  const at::Tensor C = randn({kN, kN}, 0.5), scale = randn({kD});
  for (int64_t a : {0, 3}) {
    const at::Tensor u = pred[a];
    const at::Tensor z2 = z + norm(mlp, postFf);
    const at::Tensor gains = at::linear(router(z2, routerNorm, W), C) + 1.0;
    const at::Tensor chain = (z2 - u).unsqueeze(0) * gains.t().unsqueeze(-1) + pred;
    for (bool scaled : {true, false}) {
      const auto out = fused::correctAfterMlp(z, mlp, postFf, pred, routerNorm, W, C, a, scaled ? scale : at::Tensor(), 1e-6);
      expectSame(out.streams, chain, "corrected streams", 0.9);
      expectSame(out.active, scaled ? chain[a] * scale : chain[a], "active stream", 0.9);
    }
  }
}

TEST_F(Gemma3nFusedOpsGpu, PerLayerInputIsAddedToEveryStreamButTheFirst) {
  const at::Tensor streams = randn({kN, kRows, kD}), g = randn({kRows, kD}, 4), w = randn({kD});
  at::Tensor chain = streams.clone();
  chain.narrow(0, 1, kN - 1).add_(norm(g, w).unsqueeze(0));
  at::Tensor out = streams.clone();
  fused::addPerLayerInput(out, g, w, 1e-6);
  expectSame(out, chain, "streams");
  EXPECT_TRUE(out[0].equal(streams[0])) << "stream 0 carries no per-layer input";
}

// The previous layer's per-layer input handed to the next layer's entry kernel (runLayers defers it so a layer
// needs one kernel less) gives the bits of addPerLayerInput followed by predictAndNorm, for the released
// active stream 0 and for another, and leaves the streams it read as they were.
TEST_F(Gemma3nFusedOpsGpu, PendingPerLayerInputOnEntryEqualsItsOwnKernelFirst) {
  const at::Tensor streams = randn({kN, kRows, kD}), g = randn({kRows, kD}, 4), gw = randn({kD});
  const at::Tensor routerNorm = randn({kD}, 0.02), W = randn({kN, kD}, 0.5), P = randn({kN * kN, kN}, 0.5);
  const at::Tensor inputNorm = randn({kD});
  for (int64_t a : {0, 2}) {
    at::Tensor added = streams.clone();
    fused::addPerLayerInput(added, g, gw, 1e-6);
    const auto want = fused::predictAndNorm(added, a, routerNorm, W, P, inputNorm, 1e-6);
    const at::Tensor before = streams.clone();
    const auto got = fused::predictAndNorm(streams, a, routerNorm, W, P, inputNorm, 1e-6, g, gw);
    EXPECT_TRUE(got.streams.equal(want.streams)) << "predicted streams, active stream " << a;
    EXPECT_TRUE(got.normed.equal(want.normed)) << "input norm, active stream " << a;
    EXPECT_TRUE(streams.equal(before)) << "the streams read are not written";
  }
  EXPECT_THROW(fused::predictAndNorm(streams, 0, routerNorm, W, P, inputNorm, 1e-6, randn({kRows + 1, kD}), gw),
               std::invalid_argument);
}

TEST_F(Gemma3nFusedOpsGpu, SparseGeluMulIsTheGaussianTopKChain) {
  // E4B's sparse layers: rows of 16,384, 95 % sparsity (Phi^-1(0.95) rounded to bfloat16 by the loader).
  const int64_t I = 16384;
  const double multiplier = at::scalar_tensor(1.6448536269514722).to(at::kBFloat16).item<double>();
  const at::Tensor gu = randn({kRows, 2 * I}) + randn({kRows, 1});  // rows of different means
  const at::Tensor gate = gu.narrow(-1, 0, I), up = gu.narrow(-1, I, I);
  const at::Tensor mean = gate.mean({-1}, true);
  const at::Tensor std = at::std(gate, at::IntArrayRef{-1}, /*unbiased=*/false, /*keepdim=*/true);
  const at::Tensor chain = at::gelu(at::relu(gate - (mean + std * multiplier)), "tanh") * up;
  const at::Tensor out = fused::sparseGeluTanhMul(gate, up, multiplier);
  expectSame(out, chain, "sparse activation");
  const double kept = out.ne(0).to(at::kFloat).mean().item<double>();
  EXPECT_NEAR(kept, 0.05, 0.01) << "about 5 % of the gate survives the top-k";
}

TEST_F(Gemma3nFusedOpsGpu, GeluMulReadsStridedRows) {
  // The MLP's gate/up halves of one projection, and a per-layer input selected out of [n, layers, 256].
  const at::Tensor gu = randn({kRows, 2 * 512});
  const at::Tensor gate = gu.narrow(-1, 0, 512), up = gu.narrow(-1, 512, 512);
  expectSame(fused::geluTanhMul(gate, up), at::gelu(gate, "tanh") * up, "mlp");
  const at::Tensor ple = randn({kRows, 35, 256}).select(1, 7), g = randn({kRows, 256});
  expectSame(fused::geluTanhMul(g, ple), at::gelu(g, "tanh") * ple, "per-layer input");
}

// The per-layer input gate of a decode step, product and activation in one kernel: E4B's 2048 -> 256 at every
// row count a decode bucket has (one and two tiles of 16 rows, partly filled), the smallest shape it takes (K of
// 256, 8 columns), the per-layer input selected out of [n, layers, 256] as the decoder does.
TEST_F(Gemma3nFusedOpsGpu, PerLayerGateIsTheProductThenGeluMul) {
  struct Shape {
    int64_t n, K, N;
  };
  for (const Shape& s : {Shape{1, 2048, 256}, Shape{7, 2048, 256}, Shape{16, 2048, 256}, Shape{17, 2048, 256},
                         Shape{24, 2048, 256}, Shape{32, 2048, 256}, Shape{5, 256, 8}, Shape{32, 768, 24}}) {
    const std::string what = "n " + std::to_string(s.n) + " K " + std::to_string(s.K) + " N " + std::to_string(s.N);
    const at::Tensor x = randn({s.n, s.K}), w = randn({s.N, s.K}, 1.0 / std::sqrt(static_cast<double>(s.K)));
    const at::Tensor ple = randn({s.n, 35, s.N}).select(1, 7);
    ASSERT_TRUE(fused::perLayerGateApplies(x, w, ple)) << what;
    const at::Tensor got = fused::perLayerGate(x, w, ple);
    expectSame(got, fused::geluTanhMul(at::linear(x, w), ple), what.c_str());
    EXPECT_TRUE(got.equal(fused::perLayerGate(x, w, ple))) << what << ": the same bits on every call";
  }
  const at::Tensor w = randn({256, 2048}), ple = randn({33, 256});
  EXPECT_FALSE(fused::perLayerGateApplies(randn({33, 2048}), w, ple)) << "over two tiles of rows";
  EXPECT_FALSE(fused::perLayerGateApplies(randn({8, 2304}), randn({256, 2304}), ple.narrow(0, 0, 8))) << "K over 2048";
  EXPECT_FALSE(fused::perLayerGateApplies(randn({8, 2048}), randn({250, 2048}), randn({8, 250}))) << "N not of 8";
  EXPECT_FALSE(fused::perLayerGateApplies(randn({8, 2048}).to(at::kFloat), w, ple.narrow(0, 0, 8))) << "float32";
  EXPECT_THROW(fused::perLayerGate(randn({33, 2048}), w, ple), std::invalid_argument);
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
  // The decoder's input projection carries LAuReL's left factor after q/k/v: wider rows, same results.
  const auto wide = fused::qkvNormRotary(at::cat({proj, randn({kRows, 64})}, 1), hq, hkv, d, qNorm, kNorm, cos, sin, 1e-6, true);
  EXPECT_TRUE(wide.q.equal(in.q) && wide.k.equal(in.k) && wide.v.equal(in.v));
  // A layer that reads another layer's cache: q only, from a projection of q alone.
  const auto qOnly = fused::qkvNormRotary(proj.narrow(1, 0, hq * d), hq, hkv, d, qNorm, at::Tensor(), cos, sin, 1e-6, false);
  expectSame(qOnly.q, in.q, "q only");
  EXPECT_FALSE(qOnly.k.defined());
  // A decode step: k and v stored straight into rows of flat caches [R, hkv, d], the other rows untouched.
  const int64_t cacheRows = 3 * kRows + 1;
  std::vector<int64_t> rowList;
  for (int64_t r = 0; r < kRows; ++r) rowList.push_back(3 * (kRows - 1 - r) + 1);  // descending, with gaps
  const at::Tensor keys = at::full({cacheRows, hkv, d}, 5.0, proj.options());
  const at::Tensor values = at::full({cacheRows, hkv, d}, -5.0, proj.options());
  const at::Tensor rows = at::tensor(rowList, at::TensorOptions().dtype(at::kLong)).to(device_);
  const auto direct = fused::qkvNormRotary(proj, hq, hkv, d, qNorm, kNorm, cos, sin, 1e-6, true, keys, values, rows);
  EXPECT_TRUE(direct.q.equal(in.q));
  EXPECT_FALSE(direct.k.defined() || direct.v.defined());
  EXPECT_TRUE(keys.index_select(0, rows).equal(in.k));
  EXPECT_TRUE(values.index_select(0, rows).equal(in.v));
  EXPECT_EQ((keys == 5.0).all(-1).all(-1).sum().item<int64_t>(), cacheRows - kRows);
  EXPECT_EQ((values == -5.0).all(-1).all(-1).sum().item<int64_t>(), cacheRows - kRows);
}

TEST_F(Gemma3nFusedOpsGpu, WrongShapesAreRefusedWithTheReason) {
  try {
    fused::predictAndNorm(randn({kN, kRows, kD}), 0, randn({kD}), randn({kN, kD}), randn({kN * kN, kN + 1}), randn({kD}), 1e-6);
    FAIL() << "a mixing matrix of the wrong width must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("P [N*N, N]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(fused::attentionMix(randn({kRows, kD}), randn({kRows, kD}), randn({kRows + 1, kD}), randn({kRows, kD}),
                                   randn({kD}), randn({kD}), randn({kD}), 1e-6),
               std::invalid_argument);
}

}  // namespace
