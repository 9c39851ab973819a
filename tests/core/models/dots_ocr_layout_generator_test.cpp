// The layout generator glues processor, vision tower, prompt, tokenizer and scheduler together. On a tiny
// random dots.ocr with the real vocabulary size and the real Qwen tokenizer it must give each page the
// same tokens whether pages run together (continuous batching) or alone, and report the model input size
// the boxes are expressed in.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <functional>
#include <map>
#include <fstream>
#include <nlohmann/json.hpp>
#include <cstdlib>
#include <random>

#include "core/infer/safetensors.h"
#include "core/models/dots_ocr/chat_format.h"
#include "core/models/dots_ocr/image_processor.h"
#include "core/models/dots_ocr/layout_generator.h"
#include "core/models/dots_ocr_test_support.h"

namespace fs = std::filesystem;
using namespace ll::models::dots_ocr;

namespace {

fs::path qwenTokenizer() { return fs::path(LAYOUTLENS_TOKENIZER_DIR) / "qwen3" / "tokenizer.json"; }

using WeightEdit = std::function<void(std::map<std::string, at::Tensor>&)>;

// A model folder: tiny widths, but the released vocabulary so the real token ids fit. `edit` may change
// the random weights before they are written.
fs::path makeTinyModelFolder(fs::path dir = {}, const WeightEdit& edit = {}) {
  if (dir.empty()) dir = fs::temp_directory_path() / ("ll_dots_gen_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  DotsOcrConfig c = ll::models::dots_ocr::testing::tinyConfig();
  c.text.vocabSize = 151936;
  c.text.hiddenSize = 32;
  c.text.headDim = 8;
  c.vision.hiddenSize = 32;
  c.imageTokenId = tokens::kImagePadId;
  std::ofstream(dir / "config.json") << toConfigJson(c);
  auto weights = ll::models::dots_ocr::testing::randomWeights(c, 7);
  if (edit) edit(weights);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (auto& [name, t] : weights) tensors.emplace_back(name, t);
  ll::infer::writeSafetensors((dir / "model.safetensors").string(), tensors);
  // Qwen3's file numbers its own extra tokens from 151665, where dots.ocr has <|imgpad|> and friends:
  // drop those so the generator adds dots.ocr's, as it does for a plain Qwen2 tokenizer.json.
  std::ifstream in(qwenTokenizer());
  nlohmann::json tok = nlohmann::json::parse(in);
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& t : tok["added_tokens"])
    if (t["id"].get<int64_t>() < tokens::kImagePadId) kept.push_back(t);
  tok["added_tokens"] = kept;
  std::ofstream(dir / "tokenizer.json") << tok.dump();
  return dir;
}

std::vector<uint8_t> image(int w, int h, int seed) {
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * 3);
  std::mt19937 rng(seed);
  for (auto& p : px) p = static_cast<uint8_t>(rng() & 0xff);
  return px;
}

LayoutGenerationRequest request(const std::vector<uint8_t>& px, int w, int h, int maxNew) {
  LayoutGenerationRequest r;
  r.image = {px.data(), w, h, w * 3};
  r.maxNewTokens = maxNew;
  return r;
}

}  // namespace

class DotsLayoutGeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(qwenTokenizer())) GTEST_SKIP() << "no Qwen tokenizer.json at " << qwenTokenizer() << "; run tools/fetch-tokenizers.sh";
    dir_ = makeTinyModelFolder();
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_F(DotsLayoutGeneratorTest, PagesGetTheSameTokensBatchedAsAlone) {
  ll::models::qwen2::DecoderOptions options;  // CPU, float32
  options.attention = ll::infer::AttentionImpl::Eager;
  auto gen = DotsLayoutGenerator::load(dir_.string(), options, 4);
  const auto a = image(70, 100, 1), b = image(130, 60, 2);
  const auto together = gen->generate({request(a, 70, 100, 6), request(b, 130, 60, 6)});
  const auto aloneA = gen->generate({request(a, 70, 100, 6)});
  const auto aloneB = gen->generate({request(b, 130, 60, 6)});
  ASSERT_EQ(together.size(), 2u);
  for (const auto& r : together) {
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_GT(r.generatedTokens, 0);
    EXPECT_LE(r.generatedTokens, 6);
  }
  EXPECT_EQ(together[0].text, aloneA[0].text);
  EXPECT_EQ(together[1].text, aloneB[0].text);
  EXPECT_EQ(together[0].generatedTokens, aloneA[0].generatedTokens);
  const auto sizeA = smartResizeDots(100, 70);
  EXPECT_EQ(together[0].modelWidth, sizeA.width);
  EXPECT_EQ(together[0].modelHeight, sizeA.height);
  // The prompt holds one <|imgpad|> per merged patch plus the fixed chat and task tokens.
  EXPECT_GT(together[0].promptTokens, (sizeA.width / 28) * (sizeA.height / 28));
}

TEST_F(DotsLayoutGeneratorTest, ABadPageFailsAloneAndTheOthersRun) {
  ll::models::qwen2::DecoderOptions options;
  auto gen = DotsLayoutGenerator::load(dir_.string(), options, 2);
  const auto a = image(64, 64, 3);
  LayoutGenerationRequest empty;
  const auto results = gen->generate({empty, request(a, 64, 64, 3)});
  EXPECT_FALSE(results[0].error.empty());
  EXPECT_EQ(results[0].finishReason, "error");
  EXPECT_TRUE(results[1].error.empty()) << results[1].error;
  EXPECT_GT(results[1].generatedTokens, 0);
}

// Each page is handed over the moment its sequence ends, shortest first, with the answer generate() then
// returns for it; a page that fails before generation is only in the returned list.
TEST_F(DotsLayoutGeneratorTest, EachPageIsHandedOverWhenItEnds) {
  ll::models::qwen2::DecoderOptions options;
  auto gen = DotsLayoutGenerator::load(dir_.string(), options, 4);
  const auto a = image(64, 64, 5), b = image(90, 40, 6);
  std::vector<LayoutGenerationRequest> reqs{request(a, 64, 64, 1), request(b, 90, 40, 1), LayoutGenerationRequest{}};
  reqs[0].forcedNewTokens = 7;
  reqs[1].forcedNewTokens = 2;
  std::vector<std::pair<size_t, LayoutGeneration>> handed;
  const auto results = gen->generate(reqs, nullptr, [&](size_t i, const LayoutGeneration& g) { handed.emplace_back(i, g); });
  ASSERT_EQ(handed.size(), 2u);
  EXPECT_EQ(handed[0].first, 1u);  // the shorter page first
  EXPECT_EQ(handed[1].first, 0u);
  for (const auto& [i, g] : handed) {
    EXPECT_EQ(g.text, results[i].text);
    EXPECT_EQ(g.generatedTokens, reqs[i].forcedNewTokens);
    EXPECT_EQ(g.finishReason, "length");
    EXPECT_EQ(g.modelWidth, results[i].modelWidth);
  }
  EXPECT_EQ(results[2].finishReason, "error");
}

TEST_F(DotsLayoutGeneratorTest, AFolderWithoutTokenizerIsRefusedWithTheReason) {
  fs::remove(dir_ / "tokenizer.json");
  try {
    DotsLayoutGenerator::load(dir_.string(), {}, 1);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
}

// Benchmarks on random weights force the output length. To prove the stop token is ignored, the weights
// are edited so that greedy decoding picks <|endoftext|> at every step: the layers add nothing to the
// residual stream (o_proj and down_proj are zero), every token embedding has a positive first component,
// the final norm keeps only that component, and only the <|endoftext|> row of the head reads it.
TEST(DotsLayoutGeneratorForced, ForcedLengthIgnoresTheStopTokenAndTheBudget) {
  if (!fs::exists(qwenTokenizer())) GTEST_SKIP() << "no Qwen tokenizer.json; run tools/fetch-tokenizers.sh";
  const fs::path dir = makeTinyModelFolder({}, [](std::map<std::string, at::Tensor>& w) {
    for (auto& [name, t] : w) {
      const bool residualOut = name.rfind("model.layers.", 0) == 0 &&
                               (name.find("o_proj.weight") != std::string::npos ||
                                name.find("down_proj.weight") != std::string::npos);
      if (residualOut) t.zero_();
    }
    w.at("model.embed_tokens.weight").select(1, 0).fill_(1.0);
    auto& norm = w.at("model.norm.weight");
    norm.zero_();
    norm[0] = 1.0;
    auto& head = w.at("lm_head.weight");
    head.zero_();
    head[tokens::kEndOfTextId][0] = 1.0;
  });
  struct Cleanup {
    fs::path d;
    ~Cleanup() { fs::remove_all(d); }
  } cleanup{dir};
  auto gen = DotsLayoutGenerator::load(dir.string(), {}, 2);
  const auto px = image(64, 64, 5);

  // Unforced, the edited model stops at once: the stop token ends the sequence and is not returned.
  const auto natural = gen->generate({request(px, 64, 64, 20)});
  ASSERT_TRUE(natural[0].error.empty()) << natural[0].error;
  EXPECT_EQ(natural[0].finishReason, "stop");
  EXPECT_EQ(natural[0].generatedTokens, 0);

  // Forced: exactly that many tokens, past the stop token and past maxNewTokens, for each page of a batch.
  LayoutGenerationRequest a = request(px, 64, 64, 2), b = request(px, 64, 64, 2);
  a.forcedNewTokens = 7;
  b.forcedNewTokens = 3;
  const auto forced = gen->generate({a, b});
  ASSERT_TRUE(forced[0].error.empty()) << forced[0].error;
  EXPECT_EQ(forced[0].generatedTokens, 7);
  EXPECT_EQ(forced[1].generatedTokens, 3);
  EXPECT_EQ(forced[0].finishReason, "length");
  EXPECT_EQ(forced[1].finishReason, "length");
}

// tests/app/cli_layout.sh runs this with LAYOUTLENS_WRITE_TINY_DOTS=DIR to get a model folder for the
// end-to-end test of `layoutlens-cli layout` (the CLI links Qt, so it cannot make the weights itself).
TEST(DotsLayoutGeneratorFixture, WritesATinyModelFolderWhenAsked) {
  const char* target = std::getenv("LAYOUTLENS_WRITE_TINY_DOTS");
  if (!target) GTEST_SKIP() << "only used by tests/app/cli_layout.sh";
  if (!fs::exists(qwenTokenizer())) GTEST_SKIP() << "no Qwen tokenizer.json; run tools/fetch-tokenizers.sh";
  const fs::path dir = makeTinyModelFolder(target);
  EXPECT_TRUE(fs::exists(dir / "model.safetensors"));
  EXPECT_TRUE(fs::exists(dir / "tokenizer.json"));
}
