// The Qwen2 decoder driven through the generation engine on a tiny random model: cached decoding
// equals a full recompute, batching and staggered joins change nothing, eager equals SDPA, an
// injected out-of-memory split loses nothing, embedding overrides splice rows in.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <nlohmann/json.hpp>

#include "core/infer/generation/generation_scheduler.h"
#include "core/infer/infer_test_device.h"
#include "core/models/qwen2/qwen2_causal_lm.h"
#include "core/models/qwen2_test_support.h"

using namespace ll::infer;
using ll::models::qwen2::DecoderOptions;
using ll::models::qwen2::Qwen2CausalLM;
using ll::models::qwen2::Qwen2Config;
using ll::models::qwen2::testing::randomWeights;
using ll::models::qwen2::testing::tinyConfig;

namespace {

std::unique_ptr<Qwen2CausalLM> tinyModel(AttentionImpl impl = AttentionImpl::Sdpa, int slots = 4, int64_t maxLen = 64) {
  DecoderOptions o;
  o.attention = impl;
  return ll::models::qwen2::testing::tinyModel(o, slots, maxLen);
}

GenerationRequest greedy(std::vector<int64_t> prompt, int n) {
  GenerationRequest r;
  r.promptIds = std::move(prompt);
  r.maxNewTokens = n;
  return r;
}

std::vector<std::vector<int64_t>> prompts() { return {{1, 5, 9, 13, 2}, {7}, {3, 3, 8, 40, 41, 42, 90, 11}, {60, 61}}; }

double maxDiff(const at::Tensor& a, const at::Tensor& b) { return (a.cpu().to(at::kFloat) - b.cpu().to(at::kFloat)).abs().max().item<double>(); }

// Two computations of the same logits agree to rounding: float32 tightly; bfloat16 to several units in
// the last place of the logits' magnitude, since the paths use different kernels (on an H200: cached
// decode vs full recompute differed by 0.125 at magnitude 3.9; transformers' own bf16 vs float32 logits
// differ by 8% of their magnitude on the parity model).
double logitsTolerance(const at::Tensor& reference) {
  const double scale = std::max(1.0, reference.abs().max().item<double>());
  return ll::testing::testIsFloat32() ? 2e-5 * scale : 0.08 * scale;
}

TEST(Qwen2CausalLM, CachedDecodeEqualsFullRecompute) {
  auto m = tinyModel();
  std::vector<int64_t> seq{4, 8, 15, 16, 23, 42};
  const int slot = *m->acquireSlot();
  at::Tensor logits = m->prefill(slot, PrefillInput{seq, {}});
  for (int step = 0; step < 10; ++step) {
    const at::Tensor full = m->forwardAll(PrefillInput{seq, {}});
    ASSERT_LT(maxDiff(logits, full[-1]), logitsTolerance(full[-1])) << "step " << step;
    const int64_t next = full[-1].argmax().item<int64_t>();
    seq.push_back(next);
    logits = m->decode({slot}, {next})[0];
  }
  EXPECT_EQ(m->cachedLength(slot), static_cast<int64_t>(seq.size()));  // the last token was decoded
}

TEST(Qwen2CausalLM, RaggedBatchDecodeEqualsSingleSequenceDecode) {
  auto m = tinyModel();
  const auto ps = prompts();
  std::vector<int> slots;
  std::vector<int64_t> last;
  for (const auto& p : ps) {
    slots.push_back(*m->acquireSlot());
    last.push_back(m->prefill(slots.back(), PrefillInput{p, {}}).argmax().item<int64_t>());
  }
  const at::Tensor batched = m->decode(slots, last);
  for (size_t i = 0; i < ps.size(); ++i) {
    auto seq = ps[i];
    seq.push_back(last[i]);
    const at::Tensor want = m->forwardAll(PrefillInput{seq, {}})[-1];
    EXPECT_LT(maxDiff(batched[static_cast<int64_t>(i)], want), logitsTolerance(want));
  }
}

TEST(Qwen2CausalLM, BatchedGenerationEqualsOneByOne) {
  if (!ll::testing::testIsFloat32()) GTEST_SKIP() << "token identity is asserted in float32; other dtypes are covered by the logits tests";
  auto m = tinyModel();
  std::vector<std::vector<int64_t>> alone;
  for (const auto& p : prompts()) {
    GenerationScheduler s(*m);
    alone.push_back(s.generate({greedy(p, 12)})[0].tokens);
  }
  GenerationScheduler s(*m);
  std::vector<GenerationRequest> all;
  for (const auto& p : prompts()) all.push_back(greedy(p, 12));
  const auto rs = s.generate(all);
  for (size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(rs[i].tokens, alone[i]) << "request " << i;
    EXPECT_EQ(rs[i].tokens.size(), 12u);
  }
}

TEST(Qwen2CausalLM, StaggeredJoinsEqualIsolatedRuns) {
  if (!ll::testing::testIsFloat32()) GTEST_SKIP() << "token identity is asserted in float32";
  auto m = tinyModel(AttentionImpl::Sdpa, 2);
  std::vector<std::vector<int64_t>> alone;
  const std::vector<int> budgets{15, 4, 9, 6};
  for (size_t i = 0; i < prompts().size(); ++i) {
    GenerationScheduler s(*m);
    alone.push_back(s.generate({greedy(prompts()[i], budgets[i])})[0].tokens);
  }
  // Two slots, requests arriving while others are mid-way: every request sees other slots' garbage
  // and different batch compositions at every step.
  GenerationScheduler s(*m);
  std::vector<RequestHandle> handles;
  handles.push_back(s.submit(greedy(prompts()[0], budgets[0])));
  s.step();
  s.step();
  handles.push_back(s.submit(greedy(prompts()[1], budgets[1])));
  s.step();
  handles.push_back(s.submit(greedy(prompts()[2], budgets[2])));
  handles.push_back(s.submit(greedy(prompts()[3], budgets[3])));
  s.runUntilIdle();
  for (size_t i = 0; i < handles.size(); ++i) EXPECT_EQ(handles[i].result.get().tokens, alone[i]) << "request " << i;
}

TEST(Qwen2CausalLM, EagerEqualsSdpa) {
  auto eager = tinyModel(AttentionImpl::Eager);
  auto sdpa = tinyModel(AttentionImpl::Sdpa);
  for (const auto& p : prompts()) {
    const at::Tensor want = eager->forwardAll(PrefillInput{p, {}});
    EXPECT_LT(maxDiff(sdpa->forwardAll(PrefillInput{p, {}}), want), logitsTolerance(want));
  }
  if (!ll::testing::testIsFloat32()) return;
  GenerationScheduler se(*eager), ss(*sdpa);
  std::vector<GenerationRequest> reqs;
  for (const auto& p : prompts()) reqs.push_back(greedy(p, 10));
  const auto re = se.generate(reqs), rs = ss.generate(reqs);
  for (size_t i = 0; i < re.size(); ++i) EXPECT_EQ(re[i].tokens, rs[i].tokens);
}

TEST(Qwen2CausalLM, InjectedOutOfMemoryLosesNothing) {
  if (!ll::testing::testIsFloat32()) GTEST_SKIP() << "token identity is asserted in float32";
  auto m = tinyModel(AttentionImpl::Sdpa, 4);
  std::vector<GenerationRequest> reqs;
  for (const auto& p : prompts()) reqs.push_back(greedy(p, 10));
  GenerationScheduler clean(*m);
  const auto want = clean.generate(reqs);
  SchedulerOptions o;
  int failures = 0;
  o.beforeModelCall = [&](ModelCall call, int batch) {
    if (call == ModelCall::Decode && batch > 1 && failures < 3) {
      ++failures;
      throw c10::OutOfMemoryError({__func__, __FILE__, static_cast<uint32_t>(__LINE__)}, "CUDA out of memory (injected)");
    }
  };
  GenerationScheduler s(*m, o);
  const auto got = s.generate(reqs);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].reason, FinishReason::Length) << got[i].error;
    EXPECT_EQ(got[i].tokens, want[i].tokens) << "request " << i;
  }
  EXPECT_EQ(failures, 3);
  EXPECT_EQ(s.decodeBatchLimit(), 1);
}

TEST(Qwen2CausalLM, SeededSamplingIsReproducible) {
  auto m = tinyModel();
  auto sampled = [&](uint64_t seed) {
    GenerationRequest r = greedy({1, 2, 3}, 16);
    r.sampling.greedy = false;
    r.sampling.temperature = 1.5;
    r.sampling.topK = 20;
    r.sampling.topP = 0.95;
    r.sampling.seed = seed;
    return r;
  };
  GenerationScheduler s(*m);
  const auto rs = s.generate({sampled(5), sampled(5), sampled(6)});
  EXPECT_EQ(rs[0].tokens, rs[1].tokens);
  EXPECT_NE(rs[0].tokens, rs[2].tokens);
}

TEST(Qwen2CausalLM, EmbeddingOverrideReplacesRowsAtPositions) {
  auto m = tinyModel();
  const std::vector<int64_t> real{5, 6, 7, 8};
  const std::vector<int64_t> padded{5, 0, 0, 8};  // 0 plays the image-pad token
  EmbeddingOverride ov;
  ov.positions = {1, 2};
  ov.rows = m->embedTokens({6, 7}).to(at::kFloat);
  const at::Tensor want = m->forwardAll(PrefillInput{real, {}});
  EXPECT_LT(maxDiff(m->forwardAll(PrefillInput{padded, ov}), want), 1e-6);
  const int slot = *m->acquireSlot();
  EXPECT_LT(maxDiff(m->prefill(slot, PrefillInput{padded, ov}), want[-1]), 1e-6);
  EXPECT_GT(maxDiff(m->forwardAll(PrefillInput{padded, {}}), want), 1e-3);
  ov.positions = {1};
  EXPECT_THROW(m->forwardAll(PrefillInput{padded, ov}), std::invalid_argument);
}

TEST(Qwen2CausalLM, TiedEmbeddingsNeedNoHead) {
  Qwen2Config c = tinyConfig();
  c.tieWordEmbeddings = true;
  auto w = randomWeights(c, 9);
  const at::Tensor embed = w["model.embed_tokens.weight"];
  w.erase("lm_head.weight");
  auto m = Qwen2CausalLM::fromWeights(c, w, DecoderOptions{});
  const at::Tensor logits = m->forwardAll(PrefillInput{{1, 2}, {}});
  EXPECT_EQ(logits.sizes(), (at::IntArrayRef{2, c.vocabSize}));
}

TEST(Qwen2CausalLM, MissingOrMisshapenWeightsAreNamed) {
  auto w = randomWeights(tinyConfig(), 1);
  w.erase("model.layers.1.mlp.up_proj.weight");
  try {
    Qwen2CausalLM::fromWeights(tinyConfig(), w, DecoderOptions{});
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.1.mlp.up_proj.weight"), std::string::npos);
  }
  auto w2 = randomWeights(tinyConfig(), 1);
  w2["model.norm.weight"] = at::ones({31});
  try {
    Qwen2CausalLM::fromWeights(tinyConfig(), w2, DecoderOptions{});
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("[31]"), std::string::npos);
  }
}

TEST(Qwen2Config, ReadsBothRopeSpellingsAndNamesMissingFields) {
  EXPECT_DOUBLE_EQ(tinyConfig().ropeTheta, 10000.0);
  EXPECT_EQ(tinyConfig().headDim, 8);
  const auto c = Qwen2Config::fromJson(nlohmann::json::parse(R"({"hidden_size": 64, "num_hidden_layers": 1,
    "num_attention_heads": 4, "num_key_value_heads": 1, "intermediate_size": 8, "vocab_size": 10, "rope_theta": 1000000.0,
    "attention_bias": true, "rope_scaling": null})"), "x");
  EXPECT_DOUBLE_EQ(c.ropeTheta, 1e6);
  EXPECT_THROW(Qwen2Config::fromJson(nlohmann::json::parse(R"({"hidden_size": 64})"), "cfg.json"), std::runtime_error);
  try {
    Qwen2Config::fromJson(nlohmann::json::parse(R"({"hidden_size": 64})"), "cfg.json");
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("num_hidden_layers"), std::string::npos);
  }
  EXPECT_THROW(Qwen2Config::fromJson(nlohmann::json::parse(R"({"hidden_size": 64, "num_hidden_layers": 1,
    "num_attention_heads": 4, "num_key_value_heads": 1, "intermediate_size": 8, "vocab_size": 10,
    "rope_scaling": {"rope_type": "yarn", "factor": 4}})"), "x"), std::runtime_error);
}

}  // namespace
