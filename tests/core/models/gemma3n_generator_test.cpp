// Gemma3nGenerator end to end on the CPU with the tiny random checkpoint from the parity run
// (tests/fixtures/gemma3n_tiny, checked against transformers by gemma3n_parity_test) and the tiny test
// tokenizer: prompts, vision tower, continuous batching and decoding wired together. Random weights write
// noise, so the tests check what must hold for any weights: batching changes nothing, the cached path agrees
// with the full forward, forced lengths, stops, cancellation and per-request errors.
#include "core/models/gemma3n/gemma3n_generator.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/infer/tokenizer/tokenizer.h"
#include "core/models/gemma3n/chat_format.h"
#include "core/models/gemma3n/gemma3n_model.h"
#include "core/models/gemma3n/image_processor.h"
#include "core/models/gemma3n_test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace ll::models::gemma3n;

const fs::path kFixture = ll::test_support::gemmaTinyFixture();
using ll::test_support::testImage;
using TinyModelFolder = ll::test_support::TinyGemmaFolder;

class Gemma3nGeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kFixture / "model.safetensors"))
      GTEST_SKIP() << "no " << kFixture << " (written by tools/gpu/gemma3n_parity.sh)";
    folder_ = std::make_unique<TinyModelFolder>();
    generator_ = Gemma3nGenerator::load(folder_->dir.str(), Gemma3nOptions{}, 4);
  }
  std::unique_ptr<TinyModelFolder> folder_;
  std::unique_ptr<Gemma3nGenerator> generator_;
};

TEST_F(Gemma3nGeneratorTest, BatchedAnswersEqualSingleAnswers) {
  const auto a = testImage(64, 48, 1), b = testImage(31, 77, 2);
  std::vector<VisionGenerationRequest> reqs(3);
  reqs[0].image = {a.data(), 64, 48, 64 * 3};
  reqs[0].prompt = "Read the text.";
  reqs[1].image = {b.data(), 31, 77, 31 * 3};
  reqs[1].prompt = "Summarise the page.";
  reqs[2].prompt = "Text only";  // no image
  for (auto& r : reqs) r.forcedNewTokens = 6 + static_cast<int>(&r - reqs.data());
  const auto together = generator_->generate(reqs);
  ASSERT_EQ(together.size(), 3u);
  for (size_t i = 0; i < reqs.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(together[i].error.empty()) << together[i].error;
    EXPECT_EQ(together[i].generatedTokens, reqs[i].forcedNewTokens);
    EXPECT_EQ(together[i].finishReason, "length");
    const auto alone = generator_->generate({reqs[i]});
    EXPECT_EQ(alone[0].text, together[i].text);
    EXPECT_EQ(alone[0].promptTokens, together[i].promptTokens);
  }
  // The image prompt holds 256 soft tokens + the template; the text-only one does not.
  EXPECT_GT(together[0].promptTokens, 256);
  EXPECT_LT(together[2].promptTokens, 64);
}

// The KV pool follows the call: grown when too small, kept while at most twice the batch, shrunk after a
// big batch (the graphed step computes every slot), never above the generator's max batch (4 here).
TEST_F(Gemma3nGeneratorTest, SlotPoolFollowsTheBatch) {
  auto run = [&](int n) {
    std::vector<VisionGenerationRequest> reqs(static_cast<size_t>(n));
    for (auto& r : reqs) {
      r.prompt = "Text only";
      r.forcedNewTokens = 2;
    }
    for (const auto& a : generator_->generate(reqs)) EXPECT_TRUE(a.error.empty()) << a.error;
    return generator_->model().decoder().slotCount();
  };
  EXPECT_EQ(run(6), 4);  // capped at the max batch; the scheduler runs the rest in a second wave
  EXPECT_EQ(run(2), 4);  // twice the need: kept
  EXPECT_EQ(run(1), 1);  // four times: shrunk
  EXPECT_EQ(run(3), 3);  // too small: grown
}

TEST_F(Gemma3nGeneratorTest, FirstTokenAgreesWithTheUncachedForward) {
  const auto img = testImage(40, 40, 3);
  auto& model = generator_->model();
  const GemmaPrompt prompt = buildUserPrompt(generator_->tokenizer(), model.chatTokenIds(), "Read.", 1);
  VisionGenerationRequest r;
  r.image = {img.data(), 40, 40, 40 * 3};
  r.prompt = "Read.";
  r.forcedNewTokens = 1;
  const auto out = generator_->generate({r});
  ASSERT_TRUE(out[0].error.empty()) << out[0].error;
  ASSERT_EQ(out[0].generatedTokens, 1);
  EXPECT_EQ(out[0].promptTokens, static_cast<int64_t>(prompt.ids.size()));
  EXPECT_EQ(static_cast<int64_t>(prompt.imagePositions.size()), model.config().visionSoftTokensPerImage);
  // The same pixels through the uncached full forward: greedy picks the same first token.
  const at::Tensor pixels = preprocessImage(img.data(), 40, 40, 40 * 3, model.imageSize()).unsqueeze(0);
  const at::Tensor logits = model.promptLogits(prompt.ids, pixels);
  EXPECT_EQ(out[0].tokens.at(0), logits[-1].argmax().item<int64_t>());
}

TEST_F(Gemma3nGeneratorTest, CancelledAndBrokenRequestsFailAlone) {
  const auto img = testImage(20, 20, 4);
  std::vector<VisionGenerationRequest> reqs(2);
  reqs[0].image = {img.data(), 20, 20, 10};  // stride shorter than a row: refused
  reqs[0].prompt = "x";
  reqs[1].image = {img.data(), 20, 20, 60};
  reqs[1].prompt = "y";
  reqs[1].forcedNewTokens = 3;
  const auto out = generator_->generate(reqs);
  EXPECT_EQ(out[0].finishReason, "error");
  EXPECT_NE(out[0].error.find("image"), std::string::npos);
  EXPECT_TRUE(out[1].error.empty()) << out[1].error;
  EXPECT_EQ(out[1].generatedTokens, 3);

  auto cancel = std::make_shared<ll::infer::CancellationToken>();
  cancel->cancel();
  const auto cancelled = generator_->generate({reqs[1]}, cancel);
  EXPECT_EQ(cancelled[0].finishReason, "cancelled");
  EXPECT_EQ(cancelled[0].generatedTokens, 0);
}

TEST_F(Gemma3nGeneratorTest, DescribesModelAndDevice) {
  const std::string d = generator_->describe();
  EXPECT_NE(d.find("layers"), std::string::npos);
  EXPECT_NE(d.find("cpu"), std::string::npos);
  EXPECT_NE(d.find("float32"), std::string::npos);
}

TEST(Gemma3nGeneratorLoad, MissingTokenizerIsNamed) {
  ll::test_support::TempDir dir("ll-gemma-notok");
  std::ofstream(dir.file("config.json")) << "{\"model_type\": \"gemma3n\"}";
  try {
    Gemma3nGenerator::load(dir.str(), Gemma3nOptions{}, 1);
    FAIL() << "a folder without tokenizer.json must be refused";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
}

}  // namespace
