// Greedy picks the argmax; seeded sampling is reproducible; top-k/top-p cut the candidate set.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <map>

#include "core/infer/infer_test_device.h"
#include "core/infer/sampler.h"

using ll::infer::SamplingParams;
using ll::infer::TokenSampler;

namespace {

at::Tensor logits(std::vector<float> v) {
  return at::tensor(v, at::TensorOptions().dtype(at::kFloat)).to(ll::testing::testDevice());
}

SamplingParams sampled(uint64_t seed, double t = 1.0, double p = 1.0, int64_t k = 0) {
  SamplingParams s;
  s.greedy = false;
  s.temperature = t;
  s.topP = p;
  s.topK = k;
  s.seed = seed;
  return s;
}

TEST(Sampler, GreedyTakesTheArgmax) {
  TokenSampler s(SamplingParams{});
  EXPECT_EQ(s.sample(logits({0.1f, 3.0f, -1.0f, 2.9f})), 1);
  SamplingParams zeroTemp = sampled(1, 0.0);
  EXPECT_TRUE(TokenSampler(zeroTemp).isGreedy());
}

TEST(Sampler, SameSeedSameTokensDifferentSeedDifferentTokens) {
  const at::Tensor l = logits(std::vector<float>(50, 0.0f));
  auto draw = [&](uint64_t seed) {
    TokenSampler s(sampled(seed));
    std::vector<int64_t> out;
    for (int i = 0; i < 40; ++i) out.push_back(s.sample(l));
    return out;
  };
  EXPECT_EQ(draw(42), draw(42));
  EXPECT_NE(draw(42), draw(43));
}

TEST(Sampler, TopKAndTopPRestrictTheCandidates) {
  const at::Tensor l = logits({5.0f, 4.9f, 4.8f, 0.0f, -1.0f});
  TokenSampler topK(sampled(7, 1.0, 1.0, 2));
  TokenSampler topP(sampled(7, 1.0, 0.5, 0));
  std::map<int64_t, int> seenK, seenP;
  for (int i = 0; i < 300; ++i) {
    ++seenK[topK.sample(l)];
    ++seenP[topP.sample(l)];
  }
  EXPECT_EQ(seenK.size(), 2u);
  EXPECT_TRUE(seenK.count(0) && seenK.count(1));
  // The first two tokens hold 0.37 + 0.33 of the mass: top_p 0.5 keeps exactly those two.
  EXPECT_EQ(seenP.size(), 2u);
  EXPECT_FALSE(seenP.count(2));
}

TEST(Sampler, TemperatureFollowsTheDistribution) {
  // p(1) = e^1 / (1 + e^1) = 0.731 at temperature 1.
  TokenSampler s(sampled(3));
  int ones = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) ones += s.sample(logits({0.0f, 1.0f})) == 1;
  EXPECT_NEAR(double(ones) / n, 0.731, 0.03);
}

TEST(Sampler, BatchRowsUseTheirOwnSampler) {
  TokenSampler greedy(SamplingParams{});
  TokenSampler forced(sampled(1, 1.0, 1.0, 1));
  const at::Tensor l = at::tensor(std::vector<float>{0, 9, 1, 7, 0, 0}).view({2, 3}).to(ll::testing::testDevice());
  EXPECT_EQ(ll::infer::sampleRows(l, {&greedy, &forced}), (std::vector<int64_t>{1, 0}));
}

TEST(Sampler, RejectsInvalidSettings) {
  EXPECT_THROW(TokenSampler(sampled(1, 1.0, 0.0)), std::invalid_argument);
  EXPECT_THROW(TokenSampler(sampled(1, 1.0, 1.0, -2)), std::invalid_argument);
}

}  // namespace
