// infer::siluMul, infer::applyRotary, infer::applyRotaryInFloat and infer::rotateQkvIntoCache: on the GPU in bfloat16 (LAYOUTLENS_TEST_DEVICE=cuda, a build with
// LAYOUTLENS_CUDA_KERNELS) they run as one CUDA kernel each and must equal the op chains bit for bit, also on
// the strided views the decoders pass (halves of one projection, heads of a fused q/k/v); elsewhere they
// are the chains themselves. infer::addRmsNorm's sum is exact too; its normed values may differ from the
// chain's by one bfloat16 unit (the mean is summed in another order). infer::feedBackGreedyTokens (decode
// ahead) is one kernel on any CUDA device and a few ops elsewhere, with the same result.
#include "core/infer/fused_elementwise.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/infer/infer_test_device.h"
#include "core/infer/rms_norm.h"
#include "core/infer/rotary.h"

namespace {

at::TensorOptions bf16On(const c10::Device& d) { return at::TensorOptions().dtype(at::kBFloat16).device(d); }

TEST(FusedElementwise, NeverWantedOnTheCpu) {
  EXPECT_FALSE(ll::infer::fusedKernelsWanted(at::zeros({2}, at::kBFloat16)));
  EXPECT_FALSE(ll::infer::fusedKernelsWanted(at::Tensor()));
}

TEST(FusedElementwise, SiluMulEqualsTheChainOnStridedHalves) {
  const c10::Device device = ll::testing::testDevice();
  at::manual_seed(5);
  // 1000 columns: the 8-wide kernel (aligned halves); 1001: the up half starts off 16 bytes, the scalar one.
  for (int64_t k : {1000, 1001})
    for (auto dtype : {at::kFloat, at::kBFloat16}) {
      const at::Tensor gu = (at::randn({18, 2 * k}, at::TensorOptions().device(device)) * 4).to(dtype);
      const at::Tensor gate = gu.narrow(-1, 0, k), up = gu.narrow(-1, k, k);
      const at::Tensor got = ll::infer::siluMul(gate, up);
      EXPECT_TRUE(at::equal(got, at::silu(gate) * up)) << dtype << ", " << k << " columns";
      EXPECT_EQ(got.sizes(), gate.sizes());
    }
  if (device.is_cuda() && ll::infer::fusedKernelsCompiled()) {
    EXPECT_TRUE(ll::infer::fusedKernelsWanted(at::zeros({1}, bf16On(device))));
  }
}

TEST(FusedElementwise, RotaryOnHeadsOfAFusedProjectionEqualsTheChain) {
  const c10::Device device = ll::testing::testDevice();
  at::manual_seed(6);
  const int64_t n = 18, hq = 12, hkv = 2, d = 128;
  const at::Tensor qkv = at::randn({n, (hq + 2 * hkv) * d}, bf16On(device));
  const at::Tensor q = qkv.narrow(1, 0, hq * d).view({n, hq, d}), k = qkv.narrow(1, hq * d, hkv * d).view({n, hkv, d});
  const at::Tensor angles = at::rand({n, d / 2}, at::TensorOptions().device(device)) * 3000;
  const at::Tensor emb = at::cat({angles, angles}, -1);
  const at::Tensor cos = emb.cos().to(at::kBFloat16), sin = ll::infer::signedSine(emb.sin().to(at::kBFloat16));
  for (const at::Tensor& x : {q, k}) {
    const int64_t half = d / 2;
    const at::Tensor swapped = at::cat({x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    const at::Tensor chain = x * cos.unsqueeze(1) + swapped * sin.unsqueeze(1);
    EXPECT_TRUE(at::equal(ll::infer::applyRotary(x, cos.unsqueeze(1), sin.unsqueeze(1)), chain));
  }
}

// dots.ocr's vision tower: q and k are heads of one [n, 3, heads, d] projection, rotated in float32 with
// float32 tables and rounded back once. One kernel on the GPU in bfloat16, the chain elsewhere: same bits.
TEST(FusedElementwise, RotaryInFloatOnHeadsOfAFusedProjectionEqualsTheFloatChain) {
  const c10::Device device = ll::testing::testDevice();
  at::manual_seed(8);
  const int64_t n = 1001, heads = 12;
  // Heads of 128: the CUDA kernel's eight-pairs-a-thread path; heads of 24 (not a multiple of 16): one pair a thread.
  for (int64_t d : {128, 24}) {
    const int64_t half = d / 2;
    const at::Tensor angles = at::rand({n, half}, at::TensorOptions().device(device)) * 200;
    const at::Tensor emb = at::cat({angles, angles}, -1);
    const at::Tensor cos = emb.cos(), sin = emb.sin();
    for (auto dtype : {at::kBFloat16, at::kFloat}) {
      const at::Tensor qkv = (at::randn({n, 3, heads, d}, at::TensorOptions().device(device)) * 3).to(dtype);
      for (int64_t which : {0, 1}) {
        const at::Tensor x = qkv.select(1, which);
        const at::Tensor xf = x.to(at::kFloat);
        const at::Tensor rotated = at::cat({-xf.narrow(-1, half, half), xf.narrow(-1, 0, half)}, -1);
        const at::Tensor chain = (xf * cos.unsqueeze(1) + rotated * sin.unsqueeze(1)).to(dtype);
        const at::Tensor got = ll::infer::applyRotaryInFloat(x, cos, sin);
        ASSERT_EQ(got.sizes(), chain.sizes());
        EXPECT_TRUE(at::equal(got, chain)) << dtype << ", heads of " << d << ", head group " << which << ": max |d| "
                                           << (got.to(at::kFloat) - chain.to(at::kFloat)).abs().max().item<float>();
      }
    }
    EXPECT_THROW(ll::infer::applyRotaryInFloat(at::zeros({4, 8}), cos, sin), std::invalid_argument);
  }
}

// A decode step's q, k, v of dots.ocr's decoder (12 query heads, 2 K/V heads of 128) from one fused
// projection: q and k rotated as the chain does, k and v in the named rows of the flat caches, every other
// row untouched. One kernel on the GPU in bfloat16, the op chain elsewhere: the same bits either way.
TEST(FusedElementwise, RotateQkvIntoCacheWritesTheRowsItIsGiven) {
  const c10::Device device = ll::testing::testDevice();
  at::manual_seed(8);
  const int64_t n = 5, hq = 12, hkv = 2, d = 128, cacheRows = 21, half = d / 2;
  for (auto dtype : {at::kFloat, at::kBFloat16}) {
    SCOPED_TRACE(dtype == at::kFloat ? "float32" : "bfloat16");
    const auto o = at::TensorOptions().device(device).dtype(dtype);
    const at::Tensor qkv = at::randn({n, (hq + 2 * hkv) * d}, o);
    const at::Tensor angles = at::rand({n, half}, o.dtype(at::kFloat)) * 3000;
    const at::Tensor emb = at::cat({angles, angles}, -1);
    const at::Tensor cos = emb.cos().to(dtype), sin = ll::infer::signedSine(emb.sin().to(dtype));
    const at::Tensor rows = at::tensor(std::vector<int64_t>{3, 20, 7, 14, 0}, at::TensorOptions().dtype(at::kLong)).to(device);
    const at::Tensor keys = at::full({cacheRows, hkv, d}, 7.0, o), values = at::full({cacheRows, hkv, d}, -7.0, o);

    const at::Tensor q = ll::infer::rotateQkvIntoCache(qkv, hq, hkv, cos, sin, rows, keys, values);

    auto rotated = [&](const at::Tensor& x) {  // x [n, heads, d]: the chain, spelled out
      const at::Tensor swapped = at::cat({x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
      return x * cos.unsqueeze(1) + swapped * sin.unsqueeze(1);
    };
    EXPECT_TRUE(at::equal(q, rotated(qkv.narrow(1, 0, hq * d).view({n, hq, d}))));
    EXPECT_TRUE(at::equal(keys.index_select(0, rows), rotated(qkv.narrow(1, hq * d, hkv * d).view({n, hkv, d}))));
    EXPECT_TRUE(at::equal(values.index_select(0, rows), qkv.narrow(1, (hq + hkv) * d, hkv * d).view({n, hkv, d})));
    at::Tensor untouched = at::ones({cacheRows}, at::TensorOptions().dtype(at::kBool).device(device));
    untouched.index_fill_(0, rows, false);
    EXPECT_TRUE((keys.index({untouched}) == 7.0).all().item<bool>());
    EXPECT_TRUE((values.index({untouched}) == -7.0).all().item<bool>());
  }
  const auto o = at::TensorOptions().device(device);
  const at::Tensor cache = at::zeros({4, 2, 8}, o), tables = at::zeros({1, 8}, o);
  const at::Tensor oneRow = at::zeros({1}, o.dtype(at::kLong));
  EXPECT_THROW(ll::infer::rotateQkvIntoCache(at::zeros({1, 7 * 8}, o), 4, 2, tables, tables, oneRow, cache, cache),
               std::invalid_argument);  // 7 heads where q 4 + k 2 + v 2 are 8
  EXPECT_THROW(ll::infer::rotateQkvIntoCache(at::zeros({1, 8 * 8}, o), 4, 2, tables, tables, at::zeros({2}, o.dtype(at::kLong)),
                                             cache, cache),
               std::invalid_argument);  // two rows for one token
}

// Residual add + RMSNorm (Qwen2's convention): the chain on the CPU and in float32; on the GPU in bfloat16 one
// kernel whose sum equals the add bit for bit and whose normed values are the chain's or one unit off. Rows
// of dots.ocr's 1,536, and of 4,104 (past what a thread keeps in registers, so the sum is read back).
TEST(FusedElementwise, AddRmsNormEqualsTheChainWithinOneUnit) {
  const c10::Device device = ll::testing::testDevice();
  at::manual_seed(7);
  const double eps = 1e-6;
  for (auto dtype : {at::kFloat, at::kBFloat16}) {
    for (int64_t K : {int64_t(1536), int64_t(4104)}) {
      const auto o = at::TensorOptions().device(device).dtype(dtype);
      const at::Tensor residual = (at::randn({18, K}, o) * 3), delta = at::randn({18, K}, o);
      const at::Tensor weight = (at::rand({K}, o) + 0.5);
      for (bool withDelta : {true, false}) {
        SCOPED_TRACE(std::string(dtype == at::kFloat ? "float32" : "bfloat16") + " K " + std::to_string(K) +
                     (withDelta ? " add" : " no add"));
        const auto [sum, normed] = ll::infer::addRmsNorm(residual, withDelta ? delta : at::Tensor(), weight, eps);
        const at::Tensor wantSum = withDelta ? residual + delta : residual;
        const at::Tensor wantNormed = ll::infer::rmsNorm(wantSum, weight, eps, ll::infer::RmsNormWeight::AfterRounding);
        EXPECT_TRUE(at::equal(sum, wantSum));
        if (!ll::infer::fusedKernelsWanted(residual)) {
          EXPECT_TRUE(at::equal(normed, wantNormed));
          continue;
        }
        const at::Tensor got = normed.to(at::kFloat), want = wantNormed.to(at::kFloat);
        const at::Tensor off = (got - want).abs() > want.abs() * (1.0 / 128) + 1e-30;
        EXPECT_EQ(off.sum().item<int64_t>(), 0) << "values more than one bfloat16 unit from the chain";
        EXPECT_GT(at::eq(got, want).to(at::kFloat).mean().item<double>(), 0.99);
      }
    }
  }
}

// Rows planned as -1 take the greedy token; Gemma 3n's per-layer rows of those rows follow it, with ids past the
// table (here 100) on row 0; every other entry stays as it was.
TEST(FusedElementwise, FeedBackGreedyTokensReplacesOnlyTheFedRows) {
  const auto longs = at::TensorOptions().dtype(at::kLong).device(ll::testing::testDevice());
  const at::Tensor greedy = at::tensor(std::vector<int64_t>{7, 8, 150, 9, 99, 100}, longs);
  at::Tensor tokens = at::tensor(std::vector<int64_t>{-1, 3, -1, 0, -1, -1}, longs);
  at::Tensor rows = at::tensor(std::vector<int64_t>{55, 3, 55, 0, 55, 55}, longs);
  ll::infer::feedBackGreedyTokens(tokens, greedy, rows, 100);
  EXPECT_TRUE(at::equal(tokens.cpu(), at::tensor(std::vector<int64_t>{7, 3, 150, 0, 99, 100})));
  EXPECT_TRUE(at::equal(rows.cpu(), at::tensor(std::vector<int64_t>{7, 3, 0, 0, 99, 0})));

  at::Tensor plain = at::tensor(std::vector<int64_t>{5, -1, -1, 4, 1, -1}, longs);
  ll::infer::feedBackGreedyTokens(plain, greedy);
  EXPECT_TRUE(at::equal(plain.cpu(), at::tensor(std::vector<int64_t>{5, 8, 150, 4, 1, 100})));
  EXPECT_THROW(ll::infer::feedBackGreedyTokens(plain, greedy.narrow(0, 0, 3)), std::invalid_argument);
  EXPECT_THROW(ll::infer::feedBackGreedyTokens(plain.to(at::kInt), greedy), std::invalid_argument);
}

}  // namespace
