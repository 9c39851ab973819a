// Gemma3nStream on the CPU with the tiny random Gemma 3n: requests submitted from another thread while the
// stream runs, and follow-ups submitted from an answer's callback after close(), get exactly the answers
// Gemma3nGenerator::generate gives for the same requests; every request is answered once, failures alone.
#include "core/models/gemma3n/gemma3n_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/models/gemma3n_test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace ll::models::gemma3n;

class Gemma3nStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(ll::test_support::gemmaTinyFixture() / "model.safetensors"))
      GTEST_SKIP() << "no tiny Gemma fixture (written by tools/gpu/gemma3n_parity.sh)";
    folder_ = std::make_unique<ll::test_support::TinyGemmaFolder>();
    generator_ = Gemma3nGenerator::load(folder_->dir.str(), Gemma3nOptions{}, 4);
  }
  std::unique_ptr<ll::test_support::TinyGemmaFolder> folder_;
  std::unique_ptr<Gemma3nGenerator> generator_;
};

// Collects answers by key from any thread.
struct Answers {
  std::mutex mutex;
  std::map<int, std::vector<VisionGeneration>> byKey;
  Gemma3nStream::Done to(int key) {
    return [this, key](VisionGeneration a) {
      std::lock_guard<std::mutex> lock(mutex);
      byKey[key].push_back(std::move(a));
    };
  }
};

TEST_F(Gemma3nStreamTest, LateArrivalsAndFollowUpsGetTheAnswersOfABatch) {
  const auto a = ll::test_support::testImage(64, 48, 1), b = ll::test_support::testImage(31, 77, 2);
  std::vector<VisionGenerationRequest> reqs(4);
  reqs[0].image = {a.data(), 64, 48, 64 * 3};
  reqs[0].prompt = "Read the text.";
  reqs[0].forcedNewTokens = 9;
  reqs[1].image = {b.data(), 31, 77, 31 * 3};
  reqs[1].prompt = "Read the text.";
  reqs[1].forcedNewTokens = 4;
  reqs[2].prompt = "Text only";
  reqs[2].forcedNewTokens = 7;
  reqs[3].image = {a.data(), 64, 48, 64 * 3};  // the follow-up, like a page summary after its crops
  reqs[3].prompt = "Summarise the page.";
  reqs[3].forcedNewTokens = 5;
  const auto expected = generator_->generate(reqs);

  Answers answers;
  Gemma3nStream stream(*generator_, 4, 512);
  std::thread gpu([&] { stream.run(); });
  stream.submit(reqs[0], answers.to(0));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // request 0 is decoding when 1 and 2 arrive
  // The follow-up is submitted when request 1 is answered, after close(): still accepted.
  stream.submit(reqs[1], [&](VisionGeneration g) {
    answers.to(1)(std::move(g));
    stream.submit(reqs[3], answers.to(3));
  });
  stream.submit(reqs[2], answers.to(2));
  stream.close();
  gpu.join();

  for (int k = 0; k < 4; ++k) {
    SCOPED_TRACE(k);
    ASSERT_EQ(answers.byKey[k].size(), 1u) << "each request is answered exactly once";
    const VisionGeneration& got = answers.byKey[k][0];
    ASSERT_TRUE(got.error.empty()) << got.error;
    EXPECT_EQ(got.finishReason, "length");
    EXPECT_EQ(got.generatedTokens, reqs[k].forcedNewTokens);
    EXPECT_EQ(got.tokens, expected[k].tokens);
    EXPECT_EQ(got.text, expected[k].text);
    EXPECT_EQ(got.promptTokens, expected[k].promptTokens);
  }
  const auto stats = stream.stats();
  EXPECT_EQ(stats.submitted, 4);
  EXPECT_EQ(stats.answered, 4);
  EXPECT_GE(stats.arrivalBatches, 2);  // the follow-up cannot have arrived with the first ones

  // After run() has returned, a request is answered at once with the reason.
  Answers late;
  stream.submit(reqs[2], late.to(0));
  ASSERT_EQ(late.byKey[0].size(), 1u);
  EXPECT_EQ(late.byKey[0][0].finishReason, "error");
  EXPECT_NE(late.byKey[0][0].error.find("too late"), std::string::npos) << late.byKey[0][0].error;
}

TEST_F(Gemma3nStreamTest, BrokenTooLongAndCancelledRequestsFailAlone) {
  const auto img = ll::test_support::testImage(20, 20, 4);
  VisionGenerationRequest broken;
  broken.image = {img.data(), 20, 20, 10};  // stride shorter than a row
  broken.prompt = "x";
  VisionGenerationRequest good;
  good.prompt = "Text only";
  good.forcedNewTokens = 3;
  VisionGenerationRequest tooLong;
  tooLong.image = {img.data(), 20, 20, 60};  // 256 soft tokens: more than the 64-token slots hold
  tooLong.prompt = "y";
  tooLong.forcedNewTokens = 2;

  Answers answers;
  {
    Gemma3nStream stream(*generator_, 2, 64);
    stream.submit(broken, answers.to(0));
    stream.submit(good, answers.to(1));
    stream.submit(tooLong, answers.to(2));
    stream.close();
    stream.run();  // on this thread: everything was submitted before
  }
  ASSERT_EQ(answers.byKey[0].size(), 1u);
  EXPECT_EQ(answers.byKey[0][0].finishReason, "error");
  EXPECT_NE(answers.byKey[0][0].error.find("image"), std::string::npos) << answers.byKey[0][0].error;
  ASSERT_EQ(answers.byKey[1].size(), 1u);
  EXPECT_TRUE(answers.byKey[1][0].error.empty()) << answers.byKey[1][0].error;
  EXPECT_EQ(answers.byKey[1][0].generatedTokens, 3);
  ASSERT_EQ(answers.byKey[2].size(), 1u);
  EXPECT_EQ(answers.byKey[2][0].finishReason, "error");
  EXPECT_NE(answers.byKey[2][0].error.find("sequence length"), std::string::npos) << answers.byKey[2][0].error;

  // Cancelled before it ran: answered "cancelled", nothing generated; and a stream that never runs
  // answers what it holds when destroyed.
  auto cancel = std::make_shared<ll::infer::CancellationToken>();
  cancel->cancel();
  Answers cancelled;
  {
    Gemma3nStream stream(*generator_, 2, 512, cancel);
    stream.submit(good, cancelled.to(0));
    stream.close();
    stream.run();
    Gemma3nStream never(*generator_, 2, 512);
    never.submit(good, cancelled.to(1));
  }
  ASSERT_EQ(cancelled.byKey[0].size(), 1u);
  EXPECT_EQ(cancelled.byKey[0][0].finishReason, "cancelled");
  EXPECT_EQ(cancelled.byKey[0][0].generatedTokens, 0);
  ASSERT_EQ(cancelled.byKey[1].size(), 1u);
  EXPECT_EQ(cancelled.byKey[1][0].finishReason, "error");
}

}  // namespace
