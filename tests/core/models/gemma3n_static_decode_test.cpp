// The static decode step of the Gemma 3n decoder (the body its CUDA graphs capture, run here without
// capture on the CPU) against the eager decode, on the tiny fixture (sliding window 8, three KV-shared
// layers): ragged lengths across the window, subsets of slots in any order while idle slots keep their
// cache, key-length bucket crossings up to the slot capacity, vision / audio ids (the static step embeds
// both itself), greedy runs, and the cached lengths after every step. On a CUDA machine the captured graphs
// are checked the same way.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/infer/cuda_graph.h"
#include "core/models/gemma3n/text_decoder.h"

using namespace ll::models::gemma3n;
using ll::infer::PrefillInput;

namespace {

const std::string kFixture = (std::filesystem::path(LAYOUTLENS_TEST_DATA_DIR) / "gemma3n_tiny").string();

double maxDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kFloat).cpu() - b.to(at::kFloat).cpu()).abs().max().item<double>();
}

std::vector<int64_t> promptIds(int64_t n, int64_t seed) {
  std::vector<int64_t> ids{2};
  for (int64_t i = 1; i < n; ++i) ids.push_back((seed * 31 + i * 17) % 240 + 3);
  return ids;
}

// The same checkpoint twice: `ref` decodes eagerly, `model` in `mode`; every step runs on both.
struct Pair {
  std::unique_ptr<Gemma3nTextDecoder> ref, model;
  std::vector<std::vector<int64_t>> seqs;  // per slot: prompt + decoded tokens
  double tolerance = 2e-5;

  explicit Pair(DecodeMode mode, Gemma3nOptions o = {}) {
    o.decodeMode = DecodeMode::Eager;
    ref = Gemma3nTextDecoder::load(kFixture, o);
    o.decodeMode = mode;
    model = Gemma3nTextDecoder::load(kFixture, o);
  }
  void reserve(int slots, int64_t maxLength) {
    ref->reserveSlots(slots, maxLength);
    model->reserveSlots(slots, maxLength);
    seqs.assign(static_cast<size_t>(slots), {});
  }
  void prefill(int slot, const std::vector<int64_t>& ids) {
    PrefillInput in;
    in.tokenIds = ids;
    ASSERT_EQ(*ref->acquireSlot(), slot);
    ASSERT_EQ(*model->acquireSlot(), slot);
    ref->prefill(slot, in);
    model->prefill(slot, in);
    seqs[static_cast<size_t>(slot)] = ids;
  }
  // One step on both models: logits of the requested rows, in order, and every slot's length agree.
  at::Tensor step(const std::vector<int>& slots, const std::vector<int64_t>& tokens, const std::string& what) {
    const at::Tensor expected = ref->decode(slots, tokens);
    const at::Tensor got = model->decode(slots, tokens);
    EXPECT_EQ(got.sizes(), expected.sizes()) << what;
    EXPECT_EQ(got.scalar_type(), at::kFloat) << what;
    EXPECT_LT(maxDiff(got, expected), tolerance) << what;
    for (int s = 0; s < ref->slotCount(); ++s) EXPECT_EQ(model->cachedLength(s), ref->cachedLength(s)) << what << " slot " << s;
    for (size_t i = 0; i < slots.size(); ++i) seqs[static_cast<size_t>(slots[i])].push_back(tokens[i]);
    return got;
  }
  // The cache-free forward of a slot's whole sequence: its last row is what the next decode must give.
  at::Tensor reference(int slot) const {
    PrefillInput in;
    in.tokenIds = seqs[static_cast<size_t>(slot)];
    return ref->forwardAll(in)[-1];
  }
};

TEST(Gemma3nStaticDecode, KeyBucketsArePowersOfTwoFrom256CappedAtCapacity) {
  EXPECT_EQ(Gemma3nTextDecoder::keyBucket(1, 4096), 256);
  EXPECT_EQ(Gemma3nTextDecoder::keyBucket(256, 4096), 256);
  EXPECT_EQ(Gemma3nTextDecoder::keyBucket(257, 4096), 512);
  EXPECT_EQ(Gemma3nTextDecoder::keyBucket(3000, 4096), 4096);
  EXPECT_EQ(Gemma3nTextDecoder::keyBucket(257, 300), 300);
  EXPECT_EQ(Gemma3nTextDecoder::keyBucket(5, 64), 64);
}

TEST(Gemma3nStaticDecode, RaggedBatchAcrossTheSlidingWindowMatchesEager) {
  Pair p(DecodeMode::Static);
  p.reserve(6, 64);
  const std::vector<int64_t> lengths{1, 5, 7, 8, 9, 30};  // keys straddle the window (8) and grow past it
  for (int s = 0; s < 6; ++s) p.prefill(s, promptIds(lengths[static_cast<size_t>(s)], s));
  const std::vector<int> all{0, 1, 2, 3, 4, 5};
  for (int step = 0; step < 12; ++step) {
    std::vector<int64_t> tokens;
    for (int s : all) tokens.push_back((step * 13 + s * 7) % 240 + 3);
    if (step == 5) {
      tokens[1] = 260;  // vision id: embedded from the vision rows, as the eager step does
      tokens[2] = 280;  // audio id: text embedding, PLE pad row
    }
    if (step == 6) tokens[3] = 281;  // audio id in a static step
    const at::Tensor logits = p.step(all, tokens, "step " + std::to_string(step));
    if (step == 11)
      for (int s : all) EXPECT_LT(maxDiff(logits[s], p.reference(s)), 1e-4) << "slot " << s;
  }
}

TEST(Gemma3nStaticDecode, SubsetsInAnyOrderLeaveIdleSlotsUntouched) {
  Pair p(DecodeMode::Static);
  p.reserve(6, 48);  // slot 5 is never acquired: an idle row with an empty cache
  const std::vector<int64_t> lengths{12, 3, 20, 9, 40};
  for (int s = 0; s < 5; ++s) p.prefill(s, promptIds(lengths[static_cast<size_t>(s)], 10 + s));
  const std::vector<std::vector<int>> steps{{3, 0}, {4, 2, 1}, {1, 3}, {2}, {4, 0, 3, 1}, {0, 2}, {3, 1, 4}};
  for (size_t i = 0; i < steps.size(); ++i) {
    std::vector<int64_t> tokens;
    for (int s : steps[i]) tokens.push_back((static_cast<int64_t>(i) * 19 + s * 5) % 240 + 3);
    p.step(steps[i], tokens, "step " + std::to_string(i));
  }
  // Every slot, idle for several steps, still continues its own sequence exactly.
  const std::vector<int> order{4, 2, 0, 3, 1};
  const at::Tensor logits = p.step(order, {7, 8, 9, 10, 11}, "final step");
  for (size_t r = 0; r < order.size(); ++r)
    EXPECT_LT(maxDiff(logits[static_cast<int64_t>(r)], p.reference(order[r])), 1e-4) << "slot " << order[r];
  EXPECT_EQ(p.model->cachedLength(5), 0);
}

TEST(Gemma3nStaticDecode, CrossesKeyBucketsUpToTheSlotCapacity) {
  Pair p(DecodeMode::Static);
  p.reserve(3, 300);  // buckets 256 and 300 (the cap)
  p.prefill(0, promptIds(253, 1));
  p.prefill(1, promptIds(10, 2));
  p.prefill(2, promptIds(296, 3));
  for (int step = 0; step < 6; ++step)  // keys 254..259: bucket 256, then 300
    p.step({1, 0}, {static_cast<int64_t>(40 + step), static_cast<int64_t>(90 + step)}, "phase 1 step " + std::to_string(step));
  const at::Tensor alone = p.step({0}, {5}, "slot 0 alone, bucket 300");
  EXPECT_LT(maxDiff(alone[0], p.reference(0)), 1e-4);
  for (int step = 0; step < 4; ++step)  // slot 2 fills up: 297 .. 300 keys
    p.step({2, 0, 1}, {static_cast<int64_t>(60 + step), 61, 62}, "phase 2 step " + std::to_string(step));
  EXPECT_EQ(p.model->cachedLength(2), 300);
  EXPECT_THROW(p.model->decode({0, 2}, {1, 1}), std::invalid_argument);  // slot 2 is full
  EXPECT_EQ(p.model->cachedLength(0), p.ref->cachedLength(0));            // nothing advanced
  p.step({1, 0}, {3, 4}, "after the full slot");
}

TEST(Gemma3nStaticDecode, GreedyRunsAgreeAndSurviveAPoolResize) {
  Pair p(DecodeMode::Static);
  p.reserve(2, 32);
  p.prefill(0, promptIds(6, 4));
  p.step({0}, {9}, "small pool");
  p.reserve(4, 64);  // drops the static buffers sized for two slots
  const std::vector<int64_t> lengths{4, 11, 7, 16};
  for (int s = 0; s < 4; ++s) p.prefill(s, promptIds(lengths[static_cast<size_t>(s)], 20 + s));
  std::vector<int> slots{2, 0, 3, 1};
  std::vector<int64_t> tokens{5, 6, 7, 8};
  for (int step = 0; step < 10; ++step) {
    const at::Tensor expected = p.ref->decode(slots, tokens);
    const at::Tensor got = p.model->decode(slots, tokens);
    EXPECT_LT(maxDiff(got, expected), 2e-5) << "step " << step;
    const at::Tensor next = got.argmax(-1), nextRef = expected.argmax(-1);
    for (size_t i = 0; i < slots.size(); ++i) {
      EXPECT_EQ(next[static_cast<int64_t>(i)].item<int64_t>(), nextRef[static_cast<int64_t>(i)].item<int64_t>());
      EXPECT_EQ(p.model->cachedLength(slots[i]), p.ref->cachedLength(slots[i]));
      tokens[i] = nextRef[static_cast<int64_t>(i)].item<int64_t>();
    }
  }
}

TEST(Gemma3nStaticDecode, TruncateSlotRewindsToAnEarlierLength) {
  Pair p(DecodeMode::Static);
  p.reserve(2, 32);
  p.prefill(0, promptIds(9, 5));
  p.prefill(1, promptIds(3, 6));
  const at::Tensor first = p.model->decode({0, 1}, {11, 12}).clone();
  p.model->decode({1, 0}, {13, 14});
  p.model->truncateSlot(0, 9);
  p.model->truncateSlot(1, 3);
  EXPECT_EQ(p.model->cachedLength(0), 9);
  EXPECT_LT(maxDiff(p.model->decode({0, 1}, {11, 12}), first), 1e-6);
  EXPECT_THROW(p.model->truncateSlot(0, 11), std::invalid_argument);
}

// The GPU check: captured graphs (PLE table on the host and on the device) against eager on CUDA.
TEST(Gemma3nStaticDecode, CudaGraphsMatchEager) {
  const c10::Device cuda(c10::kCUDA, 0);
  if (!at::hasCUDA() || !ll::infer::cudaGraphsWanted(cuda)) GTEST_SKIP() << "no CUDA device or CUDA graphs off";
  for (bool pleOnHost : {true, false}) {
    Gemma3nOptions o;
    o.device = cuda;
    o.perLayerTable = pleOnHost ? PleTablePlacement::Host : PleTablePlacement::Device;
    Pair p(DecodeMode::Auto, o);
    p.tolerance = 1e-4;
    p.reserve(5, 300);
    const std::vector<int64_t> lengths{250, 3, 9, 40};
    for (int s = 0; s < 4; ++s) p.prefill(s, promptIds(lengths[static_cast<size_t>(s)], 30 + s));
    const std::vector<std::vector<int>> steps{{0, 1, 2, 3}, {3, 1}, {2, 0, 3}, {0, 1, 2, 3}, {1, 0}, {0}, {0, 2}, {3, 2, 1, 0}};
    for (int round = 0; round < 2; ++round)  // key lengths cross 256 in the first round; graphs are replayed in the second
      for (size_t i = 0; i < steps.size(); ++i) {
        std::vector<int64_t> tokens;
        for (int s : steps[i]) tokens.push_back((static_cast<int64_t>(i) * 23 + s * 3 + round) % 240 + 3);
        if (i == 3) tokens[1] = 260 + round;  // vision ids through the graphs (captured, then replayed)
        if (i == 4) tokens[0] = 280;          // an audio id: text embedding, per-layer pad row
        p.step(steps[i], tokens, "ple on host " + std::to_string(pleOnHost) + " round " + std::to_string(round) + " step " + std::to_string(i));
      }
    EXPECT_FALSE(p.model->graphCaptureFailed());
    EXPECT_EQ(p.model->capturedGraphCount(), 2);  // buckets 256 and 300
    for (int s = 0; s < 4; ++s) {
      const at::Tensor next = p.model->decode({s}, {7});
      p.ref->decode({s}, {7});
      p.seqs[static_cast<size_t>(s)].push_back(7);
      EXPECT_LT(maxDiff(next[0], p.reference(s)), 1e-4) << "slot " << s;
    }
  }
}

// decodeAhead against decode() + argmax on a second model: rows fed back on the device take the slot's greedy
// token of the step before, other rows the host's, through batch changes and a key-bucket crossing (a graph
// capture on CUDA). The tiny vocabulary's top 32 ids (of 288) are vision and audio ids, so greedy tokens hit
// them: a fed-back vision id is embedded from the vision rows and any such id takes per-layer row 0, filled in on
// the device. Hosts' vision and audio ids are fed in too. On CUDA with the per-layer table on the device and in
// page-locked host memory, whose rows the GPU then gathers itself.
TEST(Gemma3nStaticDecode, DecodeAheadFeedsTheGreedyTokenBackOnTheDevice) {
  std::vector<Gemma3nOptions> setups{Gemma3nOptions{}};
  const c10::Device cuda(c10::kCUDA, 0);
  if (at::hasCUDA() && ll::infer::cudaGraphsWanted(cuda))
    for (auto placement : {PleTablePlacement::Device, PleTablePlacement::Host}) {
      Gemma3nOptions o;
      o.device = cuda;
      o.perLayerTable = placement;
      o.decodeMode = DecodeMode::Auto;
      setups.push_back(o);
    }
  for (Gemma3nOptions o : setups) {
    const std::string where = !o.device.is_cuda()                           ? "CPU"
                              : o.perLayerTable == PleTablePlacement::Host ? "CUDA graphs, table on the host"
                                                                           : "CUDA graphs, table on the device";
    if (!o.device.is_cuda()) o.decodeMode = DecodeMode::Static;
    auto plain = Gemma3nTextDecoder::load(kFixture, o), ahead = Gemma3nTextDecoder::load(kFixture, o);
    plain->reserveSlots(3, 300);
    ahead->reserveSlots(3, 300);
    ASSERT_TRUE(ahead->decodesAhead()) << where;
    std::vector<int64_t> next;
    const std::vector<int64_t> promptLengths{5, 250, 9};
    for (int s = 0; s < 3; ++s) {
      PrefillInput in;
      in.tokenIds = promptIds(promptLengths[static_cast<size_t>(s)], 40 + s);
      ASSERT_EQ(*plain->acquireSlot(), s);
      ASSERT_EQ(*ahead->acquireSlot(), s);
      ahead->prefill(s, in);
      next.push_back(plain->prefill(s, in).argmax().item<int64_t>());
    }
    // {slot, fed back} per row; host rows of steps 2 and 6 bring a vision id (260) and an audio id (280).
    const std::vector<std::vector<std::pair<int, bool>>> steps{
        {{0, false}, {1, false}, {2, false}}, {{2, true}, {0, true}, {1, true}}, {{0, true}, {1, false}},
        {{1, true}, {0, true}, {2, false}},   {{2, true}, {1, true}},            {{0, false}, {2, true}, {1, true}},
        {{1, true}, {2, false}, {0, true}},   {{0, true}, {1, true}, {2, true}}, {{2, true}, {0, true}, {1, true}}};
    std::unique_ptr<ll::infer::PendingTokens> inFlight;
    int fedSpecial = 0;
    for (size_t k = 0; k < steps.size(); ++k) {
      std::vector<int> slots;
      std::vector<int64_t> hostTokens, plainTokens;
      std::vector<bool> fed;
      for (const auto& [slot, back] : steps[k]) {
        int64_t token = next[static_cast<size_t>(slot)];
        if (!back && k == 2) token = 260;
        if (!back && k == 6) token = 280;
        if (back && token >= 256) ++fedSpecial;
        slots.push_back(slot);
        plainTokens.push_back(token);
        hostTokens.push_back(back ? 9999 : token);  // ignored where fed back (and outside the vocabulary)
        fed.push_back(back);
      }
      const at::Tensor wantRows = plain->decode(slots, plainTokens).argmax(1).cpu();
      auto queued = ahead->decodeAhead(slots, hostTokens, fed);
      if (inFlight) inFlight->wait();  // the step before, read after this one was queued
      const std::vector<int64_t> got = queued->wait();
      for (size_t i = 0; i < slots.size(); ++i) {
        const int64_t want = wantRows[static_cast<int64_t>(i)].item<int64_t>();
        EXPECT_EQ(got[i], want) << where << ", step " << k << ", slot " << slots[i];
        next[static_cast<size_t>(slots[i])] = want;
      }
      for (int s = 0; s < 3; ++s) EXPECT_EQ(ahead->cachedLength(s), plain->cachedLength(s)) << where << ", step " << k;
      inFlight = std::move(queued);
    }
    EXPECT_FALSE(ahead->graphCaptureFailed()) << where;
    std::cout << where << ": " << fedSpecial << " vision or audio ids fed back on the device\n";
    EXPECT_THROW(ahead->decodeAhead({0, 1}, {1, 2}, {false}), std::invalid_argument);
    EXPECT_THROW(ahead->decodeAhead({0}, {9999}, {false}), std::invalid_argument);
  }
}

}  // namespace
