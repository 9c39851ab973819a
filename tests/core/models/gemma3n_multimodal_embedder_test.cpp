// Gemma 3n vision embedder on the CPU: soft tokens (token order row * w + col, x sqrt(C), weighted RMS,
// projection, weightless RMS) and hard tokens against the formula evaluated in double, id range checks,
// bf16 behaviour and load-time errors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

#include "core/models/gemma3n/multimodal_embedder.h"
#include "support/invalid_argument_message.h"

using namespace ll::models::gemma3n;
using Weights = std::map<std::string, at::Tensor>;

namespace {

constexpr int64_t kC = 8, kD = 6, kV = 5;

Weights tinyWeights() {
  at::manual_seed(5);
  return {{"embedding.weight", at::randn({kV, kC})},
          {"hard_embedding_norm.weight", at::rand({kC}) + 0.5},
          {"soft_embedding_norm.weight", at::rand({kC}) + 0.5},
          {"embedding_projection.weight", at::randn({kD, kC}) / std::sqrt(double(kC))}};
}

// RMS0(P · RMS(x; w)) for one vector, in double.
at::Tensor formula(const Weights& w, const char* norm, at::Tensor x) {
  x = x.to(at::kDouble);
  x = x / std::sqrt((x * x).mean().item<double>() + 1e-6) * w.at(norm).to(at::kDouble);
  at::Tensor p = at::mv(w.at("embedding_projection.weight").to(at::kDouble), x);
  return p / std::sqrt((p * p).mean().item<double>() + 1e-6);
}

using ll::testing::messageOf;

}  // namespace

TEST(Gemma3nMultimodalEmbedder, SoftTokensFollowTheFormulaInRowMajorOrder) {
  const Weights w = tinyWeights();
  const auto emb = MultimodalEmbedder::fromWeights(w, 1e-6, at::kCPU, at::kFloat);
  at::manual_seed(6);
  const at::Tensor f = at::randn({2, kC, 4, 3}) * 0.05;  // small features: the sqrt(C) factor matters against eps
  const at::Tensor out = emb->softTokens(f);
  ASSERT_EQ(out.sizes(), at::IntArrayRef({2, 12, kD}));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t c = 0; c < 3; ++c) {
        const at::Tensor x = f.index({b, at::indexing::Slice(), r, c}) * std::sqrt(double(kC));
        const at::Tensor expected = formula(w, "soft_embedding_norm.weight", x);
        EXPECT_LT((out[b][r * 3 + c].to(at::kDouble) - expected).abs().max().item<double>(), 1e-5)
            << "b " << b << " row " << r << " col " << c;
      }
}

TEST(Gemma3nMultimodalEmbedder, HardTokensFollowTheFormulaAndCheckTheRange) {
  const Weights w = tinyWeights();
  const auto emb = MultimodalEmbedder::fromWeights(w, 1e-6, at::kCPU, at::kFloat);
  const at::Tensor out = emb->hardTokens(at::tensor({0, 3, 4}, at::kLong));
  ASSERT_EQ(out.sizes(), at::IntArrayRef({3, kD}));
  const int64_t ids[] = {0, 3, 4};
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_LT((out[i].to(at::kDouble) - formula(w, "hard_embedding_norm.weight", w.at("embedding.weight")[ids[i]]))
                  .abs()
                  .max()
                  .item<double>(),
              1e-5);
  EXPECT_EQ(emb->hardTokens(at::tensor({1, 2, 3, 4}, at::kInt).view({2, 2})).sizes(), at::IntArrayRef({2, 2, kD}));
  EXPECT_NE(messageOf([&] { emb->hardTokens(at::tensor({5}, at::kLong)); }).find("vision token id 5"),
            std::string::npos);
  EXPECT_NE(messageOf([&] { emb->hardTokens(at::tensor({-1}, at::kLong)); }).find("vision token id -1"),
            std::string::npos);
  EXPECT_NE(messageOf([&] { emb->hardTokens(at::tensor({1.0f})); }).find("integer"), std::string::npos);
}

TEST(Gemma3nMultimodalEmbedder, BFloat16OutputKeepsTheModelDtype) {
  const Weights w = tinyWeights();
  const auto f32 = MultimodalEmbedder::fromWeights(w, 1e-6, at::kCPU, at::kFloat);
  const auto bf16 = MultimodalEmbedder::fromWeights(w, 1e-6, at::kCPU, at::kBFloat16);
  at::manual_seed(8);
  const at::Tensor f = at::randn({1, kC, 2, 2});
  const at::Tensor a = f32->softTokens(f), b = bf16->softTokens(f);
  EXPECT_EQ(b.scalar_type(), at::kBFloat16);
  EXPECT_LT((a - b.to(at::kFloat)).abs().max().item<double>(), 0.05);
  // The weightless final norm gives unit RMS per token in both dtypes.
  EXPECT_NEAR(b.to(at::kFloat).pow(2).mean(-1).max().item<double>(), 1.0, 0.02);
}

TEST(Gemma3nMultimodalEmbedder, LoadErrorsNameTheTensor) {
  Weights w = tinyWeights();
  w.erase("soft_embedding_norm.weight");
  EXPECT_NE(messageOf([&] { MultimodalEmbedder::fromWeights(w, 1e-6, at::kCPU, at::kFloat); })
                .find("'soft_embedding_norm.weight'"),
            std::string::npos);
  Weights prefixed;
  for (auto& [k, v] : tinyWeights()) prefixed[std::string(MultimodalEmbedder::kCheckpointPrefix) + k] = v;
  EXPECT_NO_THROW(MultimodalEmbedder::fromWeights(prefixed, 1e-6, at::kCPU, at::kFloat));
  Weights bad = tinyWeights();
  bad["hard_embedding_norm.weight"] = at::ones({kC + 1});
  EXPECT_NE(messageOf([&] { MultimodalEmbedder::fromWeights(bad, 1e-6, at::kCPU, at::kFloat); })
                .find("inconsistent vision hidden size"),
            std::string::npos);
  const auto emb = MultimodalEmbedder::fromWeights(tinyWeights(), 1e-6, at::kCPU, at::kFloat);
  EXPECT_NE(messageOf([&] { emb->softTokens(at::zeros({1, kC + 1, 2, 2})); }).find("image features must be"),
            std::string::npos);
}
