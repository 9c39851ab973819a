// The static decode step (the whole slot pool with fixed shapes, what CUDA graphs replay) against the
// eager step on the tiny random Qwen2: same logits and cached lengths for ragged batches, subsets in any
// order, bucket crossings and several greedy steps; slots outside the batch keep their cache. On CPU the
// static step runs without graphs; on the GPU machine (LAYOUTLENS_TEST_DEVICE=cuda) the same tests run
// it through captured graphs and also fail if a capture fell back.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <stdexcept>

#include "core/infer/cuda_graph.h"
#include "core/infer/generation/generation_scheduler.h"
#include "core/infer/infer_test_device.h"
#include "core/infer/runtime_options.h"
#include "core/infer/split_kv_decode.h"
#include "core/models/qwen2/qwen2_causal_lm.h"
#include "core/models/qwen2/qwen2_decode_graphs.h"
#include "core/models/qwen2_test_support.h"

using namespace ll::infer;
using ll::models::qwen2::DecoderOptions;
using ll::models::qwen2::keyLengthBucket;
using ll::models::qwen2::planStaticStep;
using ll::models::qwen2::Qwen2CausalLM;
using ll::models::qwen2::StaticDecode;

namespace {

std::unique_ptr<Qwen2CausalLM> tinyModel(StaticDecode mode, int slots, int64_t maxLen, int64_t minBucket = 256,
                                         const ll::models::qwen2::Qwen2Config& config =
                                             ll::models::qwen2::testing::tinyConfig()) {
  DecoderOptions o;
  o.staticDecode = mode;
  o.staticDecodeMinBucket = minBucket;
  return ll::models::qwen2::testing::tinyModel(o, slots, maxLen, config);
}

double maxDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.cpu().to(at::kFloat) - b.cpu().to(at::kFloat)).abs().max().item<double>();
}

double logitsTolerance(const at::Tensor& reference) {
  const double scale = std::max(1.0, reference.abs().max().item<double>());
  return ll::testing::testIsFloat32() ? 2e-5 * scale : 0.08 * scale;
}

// The same model twice, one decoding eagerly and one through the static step, fed the same calls.
struct Pair {
  std::unique_ptr<Qwen2CausalLM> eager, fixed;
  Pair(int slots, int64_t maxLen, int64_t minBucket = 256,
       const ll::models::qwen2::Qwen2Config& config = ll::models::qwen2::testing::tinyConfig())
      : eager(tinyModel(StaticDecode::Never, slots, maxLen, minBucket, config)),
        fixed(tinyModel(StaticDecode::Always, slots, maxLen, minBucket, config)) {}

  // Prefills `prompt` into `slot` of both; returns the eager model's greedy next token.
  int64_t prefill(int slot, const std::vector<int64_t>& prompt) {
    EXPECT_EQ(*eager->acquireSlot(), slot);
    EXPECT_EQ(*fixed->acquireSlot(), slot);
    fixed->prefill(slot, PrefillInput{prompt, {}});
    return eager->prefill(slot, PrefillInput{prompt, {}}).argmax().item<int64_t>();
  }

  // One decode step on both: logits agree, every slot's cached length agrees. Returns eager's logits.
  at::Tensor step(const std::vector<int>& slots, const std::vector<int64_t>& tokens, const std::string& what) {
    const at::Tensor want = eager->decode(slots, tokens);
    const at::Tensor got = fixed->decode(slots, tokens);
    EXPECT_EQ(got.sizes(), want.sizes()) << what;
    EXPECT_EQ(got.scalar_type(), at::kFloat) << what;
    EXPECT_LT(maxDiff(got, want), logitsTolerance(want)) << what;
    for (int s = 0; s < eager->slotCount(); ++s)
      EXPECT_EQ(fixed->cachedLength(s), eager->cachedLength(s)) << what << ", slot " << s;
    return want;
  }

  void expectGraphsHeld() const {
    if (cudaGraphsWanted(fixed->device())) {
      EXPECT_FALSE(fixed->decodeGraphsFailed()) << "capture failed: " << fixed->decodeGraphsFailure();
    }
  }
};

std::vector<int64_t> argmaxRows(const at::Tensor& logits) {
  const at::Tensor a = logits.argmax(1).cpu();
  return std::vector<int64_t>(a.data_ptr<int64_t>(), a.data_ptr<int64_t>() + a.numel());
}

TEST(Qwen2StaticDecode, KeyLengthBuckets) {
  EXPECT_EQ(keyLengthBucket(1, 256, 4096), 256);
  EXPECT_EQ(keyLengthBucket(256, 256, 4096), 256);
  EXPECT_EQ(keyLengthBucket(257, 256, 4096), 512);
  EXPECT_EQ(keyLengthBucket(3000, 256, 4096), 4096);
  EXPECT_EQ(keyLengthBucket(3000, 256, 3500), 3500);  // capped at the slot length
  EXPECT_EQ(keyLengthBucket(5, 256, 64), 64);
}

TEST(Qwen2StaticDecode, PlanCoversThePoolAndSparesOtherSlots) {
  // Pool of 4 slots of 10 tokens (11 rows each, the last a scratch row); batch = slots 2 then 0.
  const auto p = planStaticStep({2, 0}, {7, 9}, {3, 5, 6, 10}, 10, 96, 4);
  EXPECT_EQ(p.tokens, (std::vector<int64_t>{9, 0, 7, 0}));
  EXPECT_EQ(p.positions, (std::vector<int64_t>{3, 0, 6, 0}));
  EXPECT_EQ(p.rows, (std::vector<int64_t>{0 * 11 + 3, 1 * 11 + 10, 2 * 11 + 6, 3 * 11 + 10}));
  EXPECT_EQ(p.keyLengths, (std::vector<int64_t>{4, 1, 7, 1}));
  EXPECT_EQ(p.bucket, 8);
  EXPECT_THROW(planStaticStep({3}, {1}, {3, 5, 6, 10}, 10, 96, 4), std::out_of_range);     // slot 3 is full
  EXPECT_THROW(planStaticStep({4}, {1}, {3, 5, 6, 10}, 10, 96, 4), std::out_of_range);     // no slot 4
  EXPECT_THROW(planStaticStep({0, 0}, {1, 2}, {3, 5, 6, 10}, 10, 96, 4), std::invalid_argument);
  EXPECT_THROW(planStaticStep({0}, {96}, {3, 5, 6, 10}, 10, 96, 4), std::invalid_argument);  // token outside vocab
  EXPECT_THROW(planStaticStep({0, 1}, {1}, {3, 5, 6, 10}, 10, 96, 4), std::invalid_argument);
}

TEST(Qwen2StaticDecode, RaggedBatchEqualsEager) {
  Pair p(4, 64);
  const std::vector<std::vector<int64_t>> prompts{{1, 5, 9, 13, 2}, {7}, {3, 3, 8, 40, 41, 42, 90, 11}, {60, 61}};
  std::vector<int64_t> next;
  for (int s = 0; s < 4; ++s) next.push_back(p.prefill(s, prompts[s]));
  p.step({0, 1, 2, 3}, next, "ragged batch");
  for (int s = 0; s < 4; ++s) EXPECT_EQ(p.fixed->cachedLength(s), static_cast<int64_t>(prompts[s].size()) + 1);
  p.expectGraphsHeld();
}

TEST(Qwen2StaticDecode, SubsetInAnyOrderLeavesOtherSlotsUntouched) {
  Pair p(5, 32);
  const std::vector<std::vector<int64_t>> prompts{{4, 8, 15}, {16, 23, 42, 4, 8, 15, 16}, {1, 2}, {33}, {9, 9, 9, 9, 9}};
  std::vector<int64_t> next;
  for (int s = 0; s < 5; ++s) next.push_back(p.prefill(s, prompts[s]));
  // Slots 3 and 0 only, in that order; 1, 2 and 4 hold cached data and must not move.
  const at::Tensor l = p.step({3, 0}, {next[3], next[0]}, "subset {3, 0}");
  EXPECT_EQ(p.fixed->cachedLength(1), 7);
  EXPECT_EQ(p.fixed->cachedLength(4), 5);
  // The untouched slots now decode to what a full recompute of their sequence gives: their cache
  // survived the static step that ran their rows too.
  const at::Tensor rest = p.fixed->decode({4, 1, 2}, {next[4], next[1], next[2]});
  for (auto [row, slot] : std::vector<std::pair<int64_t, int>>{{0, 4}, {1, 1}, {2, 2}}) {
    auto seq = prompts[slot];
    seq.push_back(next[slot]);
    const at::Tensor want = p.fixed->forwardAll(PrefillInput{seq, {}})[-1];
    EXPECT_LT(maxDiff(rest[row], want), logitsTolerance(want)) << "slot " << slot;
  }
  // And the rows came back in the requested order.
  auto seq3 = prompts[3];
  seq3.push_back(next[3]);
  const at::Tensor want3 = p.fixed->forwardAll(PrefillInput{seq3, {}})[-1];
  EXPECT_LT(maxDiff(l[0], want3), logitsTolerance(want3));
  p.expectGraphsHeld();
}

TEST(Qwen2StaticDecode, StepsAcrossBucketBoundariesEqualEager) {
  // Buckets 4, 8, 16, 32 (slot length 40): the longest sequence walks from 6 to 21 keys.
  Pair p(3, 40, 4);
  const std::vector<std::vector<int64_t>> prompts{{5, 6, 7}, {1, 2, 3, 4, 5}, {70}};
  std::vector<int64_t> next;
  for (int s = 0; s < 3; ++s) next.push_back(p.prefill(s, prompts[s]));
  for (int step = 0; step < 16; ++step) {
    const at::Tensor l = p.step({0, 1, 2}, next, "step " + std::to_string(step));
    next = argmaxRows(l);
  }
  EXPECT_EQ(p.fixed->cachedLength(1), 21);
  p.expectGraphsHeld();
}

TEST(Qwen2StaticDecode, GreedyStepsWithChangingBatchesEqualEager) {
  Pair p(4, 48, 8);
  const std::vector<std::vector<int64_t>> prompts{{11, 12, 13, 14}, {50}, {2, 4, 6, 8, 10, 12, 14, 16, 18}, {7, 77}};
  std::vector<int64_t> next;
  for (int s = 0; s < 4; ++s) next.push_back(p.prefill(s, prompts[s]));
  // Batches as the scheduler makes them after joins, finishes and out-of-memory splits.
  const std::vector<std::vector<int>> batches{{0, 1, 2, 3}, {3, 1}, {2}, {1, 0, 3, 2}, {0, 2}, {3, 2, 1, 0}, {1}, {0, 1, 2, 3}};
  for (size_t k = 0; k < batches.size(); ++k) {
    std::vector<int64_t> tokens;
    for (int s : batches[k]) tokens.push_back(next[s]);
    const auto rows = argmaxRows(p.step(batches[k], tokens, "step " + std::to_string(k)));
    for (size_t i = 0; i < rows.size(); ++i) next[batches[k][i]] = rows[i];
  }
  p.expectGraphsHeld();
}

TEST(Qwen2StaticDecode, SchedulerTokensEqualEager) {
  if (!ll::testing::testIsFloat32()) GTEST_SKIP() << "token identity is asserted in float32";
  Pair p(2, 64, 8);
  std::vector<GenerationRequest> reqs;
  const std::vector<std::vector<int64_t>> prompts{{1, 5, 9, 13, 2}, {7}, {3, 3, 8, 40, 41, 42, 90, 11}, {60, 61}};
  for (size_t i = 0; i < prompts.size(); ++i) {
    GenerationRequest r;
    r.promptIds = prompts[i];
    r.maxNewTokens = 6 + 5 * static_cast<int>(i);  // staggered finishes: slots are reused mid-way
    reqs.push_back(std::move(r));
  }
  GenerationScheduler se(*p.eager), sf(*p.fixed);
  const auto want = se.generate(reqs), got = sf.generate(reqs);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i].tokens, want[i].tokens) << "request " << i;
  EXPECT_FALSE(p.eager->decodesAhead());
  EXPECT_GT(sf.stats().aheadSteps, 0) << "the static step decodes greedy batches ahead";
  EXPECT_EQ(se.stats().aheadSteps, 0);
  p.expectGraphsHeld();
}

// decodeAhead against decode() + argmax on a second static model (the same kernels, so the same tokens in
// any dtype): rows fed back on the device take the slot's greedy token of the step before, other rows the
// host's token, through batch changes, and the tokens are read only after the next step is queued.
TEST(Qwen2StaticDecode, DecodeAheadFeedsTheGreedyTokenBackOnTheDevice) {
  auto plain = tinyModel(StaticDecode::Always, 3, 48, 8), ahead = tinyModel(StaticDecode::Always, 3, 48, 8);
  ASSERT_TRUE(ahead->decodesAhead());
  const std::vector<std::vector<int64_t>> prompts{{11, 12, 13}, {50, 3}, {2, 4, 6, 8, 10}};
  std::vector<int64_t> next;
  for (int s = 0; s < 3; ++s) {
    ASSERT_EQ(*plain->acquireSlot(), s);
    ASSERT_EQ(*ahead->acquireSlot(), s);
    ahead->prefill(s, PrefillInput{prompts[s], {}});
    next.push_back(plain->prefill(s, PrefillInput{prompts[s], {}}).argmax().item<int64_t>());
  }
  // {slot, fed back} per row; a fed-back slot was in the step before.
  const std::vector<std::vector<std::pair<int, bool>>> steps{
      {{0, false}, {1, false}, {2, false}}, {{2, true}, {0, true}}, {{0, true}, {1, false}},
      {{1, true}, {0, true}, {2, false}}, {{2, true}}, {{0, false}, {2, true}, {1, false}}};
  std::unique_ptr<PendingTokens> inFlight;
  std::vector<int> inFlightSlots;
  for (size_t k = 0; k < steps.size(); ++k) {
    std::vector<int> slots;
    std::vector<int64_t> hostTokens, plainTokens;
    std::vector<bool> fed;
    for (const auto& [slot, back] : steps[k]) {
      slots.push_back(slot);
      plainTokens.push_back(next[slot]);
      hostTokens.push_back(back ? 7777 : next[slot]);  // ignored where fed back (and outside the vocabulary)
      fed.push_back(back);
    }
    const std::vector<int64_t> want = argmaxRows(plain->decode(slots, plainTokens));
    auto queued = ahead->decodeAhead(slots, hostTokens, fed);
    if (inFlight) inFlight->wait();  // the step before, read after this one was queued
    const std::vector<int64_t> got = queued->wait();
    EXPECT_EQ(got, want) << "step " << k;
    for (size_t i = 0; i < slots.size(); ++i) next[slots[i]] = want[i];
    for (int s = 0; s < 3; ++s) EXPECT_EQ(ahead->cachedLength(s), plain->cachedLength(s)) << "step " << k;
    inFlight = std::move(queued);
  }
  EXPECT_THROW(ahead->decodeAhead({0, 1}, {1, 2}, {false}), std::invalid_argument);
  EXPECT_THROW(ahead->decodeAhead({0}, {7777}, {false}), std::invalid_argument);  // a host token is checked
  EXPECT_FALSE(tinyModel(StaticDecode::Never, 1, 8)->decodesAhead());
}

// Slots longer than kSplitKvDecodeMaxKeys with heads of 128: on CUDA bf16 the static step's attention is the
// tensor-core kernel that also rotates the new key and writes it and the value into the cache
// (splitKvDecodeRotatingAttention); the eager step rotates and writes with kernels of its own and attends with
// another implementation. Several steps, so each step also reads the keys the previous one wrote.
TEST(Qwen2StaticDecode, LongSlotsWithHeadsOf128EqualEager) {
  const auto config = ll::models::qwen2::testing::wideHeadConfig();
  ASSERT_EQ(config.headDim, 128);
  const int64_t maxLen = 2400;
  Pair p(3, maxLen, 256, config);
  const std::vector<int64_t> lengths{kSplitKvDecodeMaxKeys + 150, 900, kSplitKvDecodeMaxKeys + 7};
  std::vector<int64_t> next;
  for (int s = 0; s < 3; ++s) {
    std::vector<int64_t> prompt;
    for (int64_t i = 0; i < lengths[s]; ++i) prompt.push_back((i * 37 + s * 11) % config.vocabSize);
    next.push_back(p.prefill(s, prompt));
  }
  const at::Tensor qkv = at::zeros({3, (2 + 2 * 1) * 128}, at::TensorOptions().dtype(ll::testing::testDType()).device(
                                                                p.fixed->device()));
  const at::Tensor cache = at::zeros({3, maxLen + 1, 1, 128}, qkv.options());
  const bool rotating = splitKvDecodeRotatingApplies(qkv, 2, cache, cache, maxLen);
  if (p.fixed->device().is_cuda() && ll::testing::testDType() == at::kBFloat16 &&
      !switchedOffByEnvironment("LAYOUTLENS_ROTARY_IN_ATTENTION"))
    EXPECT_TRUE(rotating) << "this build should run the rotary inside the tensor-core kernel here";
  for (int step = 0; step < 5; ++step) {
    const std::vector<int> batch = step == 2 ? std::vector<int>{2, 0} : std::vector<int>{0, 1, 2};
    std::vector<int64_t> tokens;
    for (int s : batch) tokens.push_back(next[s]);
    const auto rows = argmaxRows(p.step(batch, tokens, "long slots, step " + std::to_string(step)));
    for (size_t i = 0; i < rows.size(); ++i) next[batch[i]] = rows[i];
  }
  EXPECT_EQ(p.fixed->cachedLength(0), lengths[0] + 5);
  EXPECT_EQ(p.fixed->cachedLength(1), lengths[1] + 4);
  p.expectGraphsHeld();
}

TEST(Qwen2StaticDecode, FullOrBadBatchesThrowAndChangeNothing) {
  for (StaticDecode mode : {StaticDecode::Never, StaticDecode::Always}) {
    auto m = tinyModel(mode, 2, 6);
    EXPECT_EQ(m->maxSequenceLength(), 6);  // the scratch row is not a usable position
    const int a = *m->acquireSlot(), b = *m->acquireSlot();
    m->prefill(a, PrefillInput{{1, 2, 3, 4, 5, 6}, {}});
    m->prefill(b, PrefillInput{{1, 2}, {}});
    EXPECT_THROW(m->decode({b, a}, {3, 7}), std::out_of_range);  // a is full
    EXPECT_EQ(m->cachedLength(a), 6);
    EXPECT_EQ(m->cachedLength(b), 2);
    EXPECT_THROW(m->prefill(b, PrefillInput{{1, 2, 3, 4, 5, 6, 7}, {}}), std::invalid_argument);
    if (mode == StaticDecode::Always) {
      EXPECT_THROW(m->decode({b, b}, {3, 7}), std::invalid_argument);
      EXPECT_THROW(m->decode({b}, {1000}), std::invalid_argument);
      EXPECT_EQ(m->cachedLength(b), 2);
    }
    for (int k = 0; k < 4; ++k) m->decode({b}, {3});
    EXPECT_EQ(m->cachedLength(b), 6);
    EXPECT_THROW(m->decode({b}, {3}), std::out_of_range);
  }
}

}  // namespace
