// Scheduler behaviour on a scripted model whose next token is a fixed function of the last one:
// continuous batching, guards, cancellation, errors and out-of-memory recovery can be checked
// exactly, independent of any real network. Every test runs twice: with a model that decodes only
// step by step (Plain) and with one that can queue a greedy step ahead (Ahead, CausalLM::decodeAhead),
// which must give the same results.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/infer/generation/generation_scheduler.h"

using namespace ll::infer;

namespace {

// next(t) = successor[t]; logits are a one-hot peak. Keeps per-slot lengths like a real cache and
// records every call so tests can check batching. With `ahead`, decodeAhead computes the step at once
// and hands its tokens out when read ("read" in calls), as a device would some time later.
class ScriptedLM : public CausalLM {
 public:
  explicit ScriptedLM(bool ahead = false, int64_t vocab = 32) : ahead_(ahead), vocab_(vocab) {
    for (int64_t t = 0; t < vocab; ++t) successor[t] = (t + 1) % vocab;
  }
  std::string name() const override { return "scripted"; }
  int64_t vocabSize() const override { return vocab_; }
  int64_t hiddenSize() const override { return 4; }
  c10::Device device() const override { return c10::Device(c10::kCPU); }
  c10::ScalarType dtype() const override { return c10::ScalarType::Float; }
  void reserveSlots(int slots, int64_t maxLength) override {
    used_.assign(slots, false);
    lengths_.assign(slots, 0);
    maxLength_ = maxLength;
  }
  int slotCount() const override { return static_cast<int>(used_.size()); }
  int64_t maxSequenceLength() const override { return maxLength_; }
  std::optional<int> acquireSlot() override {
    for (size_t i = 0; i < used_.size(); ++i)
      if (!used_[i]) {
        used_[i] = true;
        lengths_[i] = 0;
        return static_cast<int>(i);
      }
    return std::nullopt;
  }
  void releaseSlot(int slot) override {
    used_.at(slot) = false;
    ++releases;
  }
  int64_t cachedLength(int slot) const override { return lengths_.at(slot); }
  at::Tensor prefill(int slot, const PrefillInput& input) override {
    calls.push_back("prefill:" + std::to_string(input.tokenIds.size()));
    lengths_.at(slot) = static_cast<int64_t>(input.tokenIds.size());
    return oneHot(successor[input.tokenIds.back()]);
  }
  at::Tensor decode(const std::vector<int>& slots, const std::vector<int64_t>& tokens) override {
    calls.push_back("decode:" + std::to_string(slots.size()));
    maxDecodeBatch = std::max(maxDecodeBatch, static_cast<int>(slots.size()));
    std::vector<at::Tensor> rows;
    for (size_t i = 0; i < slots.size(); ++i) {
      EXPECT_TRUE(used_.at(slots[i])) << "decode on a released slot";
      EXPECT_LT(lengths_.at(slots[i]), maxLength_) << "decode into a full slot";
      ++lengths_.at(slots[i]);
      rows.push_back(oneHot(successor[tokens[i]]));
    }
    return at::stack(rows);
  }

  bool decodesAhead() const override { return ahead_; }
  std::unique_ptr<PendingTokens> decodeAhead(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                                             const std::vector<bool>& fedBack) override {
    calls.push_back("ahead:" + std::to_string(slots.size()));
    EXPECT_TRUE(ahead_);
    std::vector<int64_t> fed(tokens);
    for (size_t i = 0; i < slots.size(); ++i)
      if (fedBack.at(i)) {
        EXPECT_TRUE(lastAheadSlots_.count(slots[i])) << "slot " << slots[i] << " was not in the step before";
        fed[i] = greedy_.at(slots[i]);
      }
    const at::Tensor logits = decode(slots, fed);
    lastAheadSlots_ = std::set<int>(slots.begin(), slots.end());
    std::vector<int64_t> out;
    for (size_t i = 0; i < slots.size(); ++i) {
      out.push_back(logits[static_cast<int64_t>(i)].argmax().item<int64_t>());
      greedy_[slots[i]] = out.back();
    }
    return std::make_unique<Tokens>(*this, std::move(out));
  }

  std::map<int64_t, int64_t> successor;
  bool failReads = false;  // an ahead step's read reports a device fault
  std::vector<std::string> calls;
  int maxDecodeBatch = 0;
  int releases = 0;

 private:
  struct Tokens : PendingTokens {
    Tokens(ScriptedLM& m, std::vector<int64_t> t) : lm(m), tokens(std::move(t)) {}
    std::vector<int64_t> wait() override {
      lm.calls.push_back("read");
      if (lm.failReads) throw std::runtime_error("an illegal memory access was encountered");
      return tokens;
    }
    ScriptedLM& lm;
    std::vector<int64_t> tokens;
  };

  at::Tensor oneHot(int64_t t) const {
    at::Tensor l = at::zeros({vocab_});
    l[t] = 10.0;
    return l;
  }
  bool ahead_;
  int64_t vocab_;
  std::map<int, int64_t> greedy_;
  std::set<int> lastAheadSlots_;
  int64_t maxLength_ = 0;
  std::vector<bool> used_;
  std::vector<int64_t> lengths_;
};

GenerationRequest request(std::vector<int64_t> prompt, int maxNew, std::vector<int64_t> stops = {}) {
  GenerationRequest r;
  r.promptIds = std::move(prompt);
  r.maxNewTokens = maxNew;
  r.stopTokenIds = std::move(stops);
  return r;
}

std::vector<int64_t> counting(int64_t from, int n) {
  std::vector<int64_t> v;
  for (int i = 0; i < n; ++i) v.push_back((from + i) % 32);
  return v;
}

// The parameter: whether the model can decode ahead.
class Scheduling : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(Decoding, Scheduling, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "Ahead" : "Plain"; });

TEST_P(Scheduling, StopTokenEndsTheSequenceAndIsNotReturned) {
  ScriptedLM lm(GetParam());
  lm.reserveSlots(2, 64);
  GenerationScheduler s(lm);
  const auto r = s.generate({request({3, 4}, 50, {9})})[0];
  EXPECT_EQ(r.reason, FinishReason::Stop);
  EXPECT_EQ(r.stopToken, 9);
  EXPECT_EQ(r.tokens, (std::vector<int64_t>{5, 6, 7, 8}));
  EXPECT_EQ(r.timing.promptTokens, 2);
  EXPECT_EQ(r.timing.generatedTokens, 4);
}

TEST_P(Scheduling, MaxNewTokensAndSlotCapacityGiveLength) {
  ScriptedLM lm(GetParam());
  lm.reserveSlots(2, 8);
  GenerationScheduler s(lm);
  const auto rs = s.generate({request({0}, 3), request({0, 1, 2}, 100)});
  EXPECT_EQ(rs[0].reason, FinishReason::Length);
  EXPECT_EQ(rs[0].tokens, counting(1, 3));
  // 3 prompt tokens + 5 fed-back tokens fill the 8-token slot; the 6th token is never fed back.
  EXPECT_EQ(rs[1].reason, FinishReason::Length);
  EXPECT_EQ(rs[1].tokens, counting(3, 6));
}

TEST_P(Scheduling, ContinuousBatchingRefillsFreedSlotsAtOnce) {
  ScriptedLM lm(GetParam());
  lm.reserveSlots(2, 128);
  GenerationScheduler s(lm);
  std::vector<GenerationRequest> reqs;
  const std::vector<int> lengths{20, 2, 3, 4, 5};
  for (int i = 0; i < 5; ++i) reqs.push_back(request({int64_t(i)}, lengths[i]));
  const auto rs = s.generate(std::move(reqs));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(rs[i].reason, FinishReason::Length);
    EXPECT_EQ(rs[i].tokens, counting(i + 1, lengths[i])) << "request " << i;
  }
  EXPECT_EQ(lm.maxDecodeBatch, 2);
  // All four short requests are prefilled while the long one is still decoding: the last prefill
  // comes before the last decode of a batch of two.
  const auto lastPrefill = std::find(lm.calls.rbegin(), lm.calls.rend(), "prefill:1");
  const auto lastPair = std::find(lm.calls.rbegin(), lm.calls.rend(), "decode:2");
  EXPECT_GT(std::distance(lastPrefill, lm.calls.rend()), 0);
  EXPECT_LT(std::distance(lm.calls.rbegin(), lastPair), std::distance(lm.calls.rbegin(), lastPrefill));
  EXPECT_EQ(lm.releases, 5);
}

TEST_P(Scheduling, StreamingCallbackSeesEveryTokenInOrder) {
  ScriptedLM lm(GetParam());
  lm.reserveSlots(1, 64);
  GenerationScheduler s(lm);
  std::vector<int64_t> streamed;
  auto r = request({10}, 5);
  r.onToken = [&](int64_t t) { streamed.push_back(t); };
  const auto res = s.generate({std::move(r)})[0];
  EXPECT_EQ(streamed, res.tokens);
}

// onFinish runs once per request, whatever ends it, with the result its future then holds, and may submit
// a follow-up to the same scheduler (how a page's next stage starts while other pages still decode).
TEST_P(Scheduling, FinishCallbackSeesTheResultAndMaySubmitAFollowUp) {
  ScriptedLM lm(GetParam());
  lm.reserveSlots(2, 64);
  GenerationScheduler s(lm);
  std::vector<GenerationResult> finished;
  std::shared_future<GenerationResult> followUp;
  auto first = request({4}, 3);
  first.onFinish = [&](const GenerationResult& r) {
    finished.push_back(r);
    auto next = request({int64_t(r.tokens.back())}, 2);
    next.onFinish = [&](const GenerationResult& r2) { finished.push_back(r2); };
    followUp = s.submit(std::move(next)).result;
  };
  auto invalid = request({}, 3);  // empty prompt: ends with an error, the callback still runs
  invalid.onFinish = [&](const GenerationResult& r) { finished.push_back(r); };
  const auto a = s.submit(std::move(first));
  const auto b = s.submit(std::move(invalid));
  s.runUntilIdle();
  ASSERT_EQ(finished.size(), 3u);
  EXPECT_EQ(finished[0].reason, FinishReason::Error);  // validated before the first one ends
  EXPECT_EQ(finished[0].id, b.id);
  EXPECT_EQ(finished[1].id, a.id);
  EXPECT_EQ(finished[1].tokens, a.result.get().tokens);
  EXPECT_EQ(finished[1].tokens, counting(5, 3));
  ASSERT_TRUE(followUp.valid());
  EXPECT_EQ(finished[2].tokens, followUp.get().tokens);
  EXPECT_EQ(finished[2].tokens, counting(8, 2));  // prompt = the last token of the first request (7)
}

TEST_P(Scheduling, RepetitionGuardTripsUnlessTheUnitIsExempt) {
  ScriptedLM lm(GetParam());
  lm.successor[12] = 10;  // 10 -> 11 -> 12 -> 10 ...
  lm.reserveSlots(2, 256);
  GenerationScheduler s(lm);
  auto looping = request({9}, 100);
  looping.repetition.maxNgram = 4;
  looping.repetition.minRepeats = 5;
  auto exempt = looping;
  exempt.repetition.exemptUnits = {{11, 12, 10}};
  const auto rs = s.generate({looping, exempt});
  EXPECT_EQ(rs[0].reason, FinishReason::Repetition);
  EXPECT_EQ(rs[0].tokens.size(), 15u);
  EXPECT_EQ(rs[1].reason, FinishReason::Length);
  EXPECT_EQ(rs[1].tokens.size(), 100u);
}

TEST_P(Scheduling, CancelQueuedRunningAndAll) {
  ScriptedLM lm(GetParam());
  lm.reserveSlots(1, 1024);
  GenerationScheduler s(lm);
  auto token = std::make_shared<CancellationToken>();
  auto running = request({1}, 500);
  running.cancellation = token;
  int seen = 0;
  running.onToken = [&](int64_t) {
    if (++seen == 5) token->cancel();
  };
  const auto a = s.submit(std::move(running));
  const auto b = s.submit(request({2}, 500));
  s.cancel(b.id);
  s.runUntilIdle();
  const auto ra = a.result.get(), rb = b.result.get();
  EXPECT_EQ(ra.reason, FinishReason::Cancelled);
  EXPECT_EQ(ra.tokens.size(), 5u);
  EXPECT_EQ(rb.reason, FinishReason::Cancelled);
  EXPECT_TRUE(rb.tokens.empty());

  const auto c = s.submit(request({3}, 500));
  const auto d = s.submit(request({4}, 500));
  s.step();
  s.step();
  s.cancelAll();
  s.runUntilIdle();
  EXPECT_EQ(c.result.get().reason, FinishReason::Cancelled);
  EXPECT_GT(c.result.get().tokens.size(), 0u);
  EXPECT_EQ(d.result.get().reason, FinishReason::Cancelled);
  EXPECT_EQ(s.runningCount(), 0);
}

TEST_P(Scheduling, InvalidRequestsFailWithAReasonAndOthersGoOn) {
  ScriptedLM lm(GetParam());
  lm.reserveSlots(2, 8);
  GenerationScheduler s(lm);
  auto badTopP = request({1}, 3);
  badTopP.sampling.greedy = false;
  badTopP.sampling.topP = 2.0;
  const auto rs = s.generate({request({}, 3), request(std::vector<int64_t>(9, 1), 3), request({40}, 3), badTopP, request({1}, 3)});
  EXPECT_EQ(rs[0].reason, FinishReason::Error);
  EXPECT_NE(rs[0].error.find("prompt is empty"), std::string::npos);
  EXPECT_EQ(rs[1].reason, FinishReason::Error);
  EXPECT_NE(rs[1].error.find("slot holds 8"), std::string::npos);
  EXPECT_EQ(rs[2].reason, FinishReason::Error);
  EXPECT_NE(rs[2].error.find("outside the vocabulary"), std::string::npos);
  EXPECT_EQ(rs[3].reason, FinishReason::Error);
  EXPECT_NE(rs[3].error.find("top_p"), std::string::npos);
  EXPECT_EQ(rs[4].reason, FinishReason::Length);
}

TEST_P(Scheduling, DecodeOutOfMemorySplitsTheBatchAndLosesNothing) {
  ScriptedLM lm(GetParam());
  lm.reserveSlots(8, 128);
  SchedulerOptions o;
  o.beforeModelCall = [](ModelCall call, int batch) {
    if (call == ModelCall::Decode && batch > 2)
      throw c10::OutOfMemoryError({__func__, __FILE__, static_cast<uint32_t>(__LINE__)}, "CUDA out of memory. Tried to allocate 2 GiB");
  };
  GenerationScheduler s(lm, o);
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 7; ++i) reqs.push_back(request({int64_t(i)}, 6 + i));
  const auto rs = s.generate(std::move(reqs));
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(rs[i].reason, FinishReason::Length) << rs[i].error;
    EXPECT_EQ(rs[i].tokens, counting(i + 1, 6 + i));
  }
  EXPECT_EQ(s.decodeBatchLimit(), 2);
  EXPECT_GE(s.stats().outOfMemorySplits, 1);
  EXPECT_LE(lm.maxDecodeBatch, 2);
}

TEST_P(Scheduling, PrefillOutOfMemoryWaitsForTheBatchToShrink) {
  ScriptedLM lm(GetParam());
  lm.reserveSlots(4, 128);
  SchedulerOptions o;
  GenerationScheduler* sched = nullptr;
  o.beforeModelCall = [&](ModelCall call, int prompts) {
    // Memory for at most two sequences: a prefill call that would exceed it runs out of memory (the
    // batched prefill of all four first, then the third prompt alone).
    if (call == ModelCall::Prefill && sched->runningCount() + prompts > 2) throw std::runtime_error("CUDA error: out of memory");
  };
  GenerationScheduler s(lm, o);
  sched = &s;
  const auto rs = s.generate({request({1}, 4), request({2}, 4), request({3}, 4), request({4}, 4)});
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(rs[i].reason, FinishReason::Length) << rs[i].error;
    EXPECT_EQ(rs[i].tokens, counting(i + 2, 4));
  }
  EXPECT_GE(s.stats().outOfMemorySplits, 1);
}

// A model with a batched prefill: records the calls, can be told to fail them.
class BatchingLM : public ScriptedLM {
 public:
  using ScriptedLM::ScriptedLM;
  at::Tensor prefillMany(const std::vector<int>& slots, const std::vector<PrefillInput>& inputs) override {
    calls.push_back("prefillMany:" + std::to_string(inputs.size()));
    if (failBatches) throw std::runtime_error("packed prefill failed");
    return CausalLM::prefillMany(slots, inputs);
  }
  bool failBatches = false;
};

TEST_P(Scheduling, NewcomersOfOneStepArePrefilledTogether) {
  for (bool fail : {false, true}) {
    BatchingLM lm(GetParam());
    lm.failBatches = fail;
    lm.reserveSlots(4, 128);
    SchedulerOptions o;
    o.maxPrefillTokensPerStep = 5;  // prompts of 2 tokens: two fit a step's budget, a third waits
    GenerationScheduler s(lm, o);
    std::vector<GenerationRequest> reqs;
    for (int i = 0; i < 3; ++i) reqs.push_back(request({int64_t(i), int64_t(i + 1)}, 3));
    const auto rs = s.generate(std::move(reqs));
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(rs[i].reason, FinishReason::Length) << rs[i].error;
      EXPECT_EQ(rs[i].tokens, counting(i + 2, 3)) << "request " << i;  // as if each were prefilled alone
    }
    ASSERT_FALSE(lm.calls.empty());
    EXPECT_EQ(lm.calls[0], "prefillMany:2") << "fail " << fail;
    if (fail) {
      // The failed batch is redone prompt by prompt; nothing is lost.
      EXPECT_EQ(lm.calls[1], "prefill:2");
      EXPECT_EQ(lm.calls[2], "prefill:2");
      EXPECT_EQ(s.stats().batchedPrefills, 0);
    } else {
      EXPECT_EQ(s.stats().batchedPrefills, 1);
    }
    EXPECT_EQ(s.stats().prefills, 3);
    EXPECT_EQ(lm.releases, 3);
  }
}

TEST_P(Scheduling, OutOfMemoryAtBatchOneAndOtherErrorsFailTheRequest) {
  ScriptedLM lm(GetParam());
  lm.reserveSlots(2, 64);
  SchedulerOptions o;
  o.beforeModelCall = [](ModelCall call, int) {
    if (call == ModelCall::Decode) throw std::runtime_error("CUDA out of memory");
  };
  GenerationScheduler s(lm, o);
  const auto r = s.generate({request({1}, 4)})[0];
  EXPECT_EQ(r.reason, FinishReason::Error);
  EXPECT_NE(r.error.find("single sequence"), std::string::npos);
  EXPECT_EQ(r.tokens.size(), 1u);  // the prefill's token survives

  ScriptedLM lm2(GetParam());
  lm2.reserveSlots(2, 64);
  SchedulerOptions o2;
  o2.beforeModelCall = [](ModelCall call, int) {
    if (call == ModelCall::Prefill) throw std::runtime_error("bad weights");
  };
  GenerationScheduler s2(lm2, o2);
  const auto r2 = s2.generate({request({1}, 4)})[0];
  EXPECT_EQ(r2.reason, FinishReason::Error);
  EXPECT_NE(r2.error.find("bad weights"), std::string::npos);
  EXPECT_EQ(lm2.releases, 1);
}

TEST(SchedulerErrors, RecognisesOutOfMemoryErrors) {
  EXPECT_TRUE(isOutOfMemoryError(std::runtime_error("CUDA out of memory. Tried to allocate")));
  EXPECT_TRUE(isOutOfMemoryError(c10::OutOfMemoryError({"f", "file", 1}, "x")));
  EXPECT_FALSE(isOutOfMemoryError(std::runtime_error("shape mismatch")));
}

TEST(SchedulerErrors, RequiresReservedSlots) {
  ScriptedLM lm;
  EXPECT_THROW(GenerationScheduler s(lm), std::invalid_argument);
}

// What decoding ahead is for: step t+1 is queued before step t is read, every time the batch goes on. A
// sequence that stops at step t still has a row in step t+1, whose token nobody takes.
TEST(SchedulerAhead, QueuesTheNextStepBeforeReadingAndDropsTokensPastTheEnd) {
  ScriptedLM lm(true);
  lm.reserveSlots(2, 64);
  GenerationScheduler s(lm);
  const auto rs = s.generate({request({3}, 20, {9}), request({10}, 6)});
  EXPECT_EQ(rs[0].reason, FinishReason::Stop);
  EXPECT_EQ(rs[0].tokens, counting(4, 5));
  EXPECT_EQ(rs[1].reason, FinishReason::Length);
  EXPECT_EQ(rs[1].tokens, counting(11, 6));
  int queued = 0, read = 0;
  for (const auto& c : lm.calls) {
    if (c.rfind("ahead:", 0) == 0) ++queued;
    if (c == "read") {
      ++read;
      // Every read but the last comes after the step behind it was queued.
      if (read < s.stats().aheadSteps) EXPECT_EQ(queued, read + 1) << "read " << read;
    }
  }
  EXPECT_EQ(read, s.stats().aheadSteps);
  EXPECT_EQ(s.stats().decodeSteps, s.stats().aheadSteps);
  // Request 0 ends with the stop token at its 6th token; the step queued with it computed a 7th.
  EXPECT_EQ(s.stats().discardedAheadTokens, 1);
  // Request 1's 6th token is its last, so no step is queued with it: 5 steps for its 5 decoded tokens.
  EXPECT_EQ(s.stats().decodedTokens, 6 + 5);
}

TEST(SchedulerAhead, SwitchedOffOrWithASamplingRequestDecodesStepByStep) {
  ScriptedLM lm(true);
  lm.reserveSlots(2, 64);
  SchedulerOptions off;
  off.decodeAhead = false;
  GenerationScheduler s(lm, off);
  EXPECT_EQ(s.generate({request({3}, 8)})[0].tokens, counting(4, 8));
  EXPECT_EQ(s.stats().aheadSteps, 0);
  EXPECT_GT(s.stats().decodeSteps, 0);

  // The sampled request's token is drawn on the host, so while it runs the batch is decoded step by step;
  // the greedy one goes on ahead before it joins and after it ends.
  ScriptedLM lm2(true);
  lm2.reserveSlots(2, 64);
  GenerationScheduler s2(lm2);
  const auto greedy = s2.submit(request({1}, 30));
  for (int i = 0; i < 4; ++i) s2.step();
  auto sampled = request({20}, 5);
  sampled.sampling.greedy = false;
  sampled.sampling.temperature = 0.5;  // one-hot logits of 10: the peak is drawn every time
  const auto drawn = s2.submit(std::move(sampled));
  s2.runUntilIdle();
  EXPECT_EQ(greedy.result.get().tokens, counting(2, 30));
  EXPECT_EQ(drawn.result.get().tokens, counting(21, 5));
  EXPECT_GT(s2.stats().aheadSteps, 0);
  EXPECT_LT(s2.stats().aheadSteps, s2.stats().decodeSteps);
}

TEST(SchedulerAhead, AFaultReportedWhenAStepIsReadEndsItsSequencesWithTheMessage) {
  ScriptedLM lm(true);
  lm.reserveSlots(2, 64);
  GenerationScheduler s(lm);
  const auto a = s.submit(request({1}, 40));
  const auto b = s.submit(request({5}, 40));
  for (int i = 0; i < 3; ++i) s.step();
  lm.failReads = true;
  s.runUntilIdle();
  for (const auto& h : {a, b}) {
    const auto r = h.result.get();
    EXPECT_EQ(r.reason, FinishReason::Error);
    EXPECT_NE(r.error.find("illegal memory access"), std::string::npos) << r.error;
    EXPECT_GE(r.tokens.size(), 2u);  // what was read before the fault stays
  }
  EXPECT_EQ(lm.releases, 2);
}

}  // namespace
