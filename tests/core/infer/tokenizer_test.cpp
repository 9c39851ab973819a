// Tokenizer behaviour on two tiny hand-written tokenizer.json files (tests/fixtures/tokenizer): a
// SentencePiece-style BPE with byte fallback and a byte-level BPE with the Qwen2 pre-tokenizer. Every
// expected id list was produced by Hugging Face's tokenizers 0.23.2 on the same files, so these also pin the
// reference's edge-case behaviour (added-token flags, unk fusing, merge ranks) without any download.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/infer/tokenizer/streaming_decoder.h"
#include "core/infer/tokenizer/tokenizer.h"
#include "core/infer/tokenizer/utf8.h"

namespace {

using ll::infer::StreamingDecoder;
using ll::infer::Tokenizer;
using Ids = std::vector<int32_t>;

std::string fixture(const std::string& name) { return std::string(LAYOUTLENS_TEST_DATA_DIR) + "/tokenizer/" + name; }

const Tokenizer& sentencePiece() {
  static const Tokenizer t = Tokenizer::fromFile(fixture("tiny_sentencepiece.json"));
  return t;
}

const Tokenizer& byteLevel() {
  static const Tokenizer t = Tokenizer::fromFile(fixture("tiny_byte_level.json"));
  return t;
}

TEST(TokenizerSentencePiece, MergesByRankAndAddsTemplateTokens) {
  EXPECT_EQ(sentencePiece().encode("hello world"), (Ids{1, 21, 26, 2}));
  EXPECT_EQ(sentencePiece().encode("hello world", false), (Ids{21, 26}));
  // Equal-rank pairs merge leftmost first: "lll" -> "ll" + "l".
  EXPECT_EQ(sentencePiece().encode("lll", false), (Ids{19, 13}));
}

TEST(TokenizerSentencePiece, FallsBackToBytesThenToOneFusedUnk) {
  EXPECT_EQ(sentencePiece().encode("\xE2\x82\xAC\xF0\x9F\x98\x80", false), (Ids{3, 4, 5, 6, 7, 8, 9}));  // €😀
  EXPECT_EQ(sentencePiece().encode("xx y", false), (Ids{0, 10, 0}));  // "xx" has no byte tokens: one fused unk
}

TEST(TokenizerSentencePiece, HonoursAddedTokenFlags) {
  // <sep> has lstrip and rstrip: it swallows the spaces around it.
  EXPECT_EQ(sentencePiece().encode("a <sep>  b", false), (Ids{0, 30, 0}));
  // [w] is single_word: it is not matched when glued to a word character.
  EXPECT_EQ(sentencePiece().encode("[w] x[w] [w]x", false), (Ids{31, 10, 0, 15, 0, 10, 0, 15, 0}));
  // "hi there" is `normalized`: it matches the normalised text "hi▁there".
  EXPECT_EQ(sentencePiece().encode("say hi there!", false), (Ids{0, 10, 32, 0}));
  // Leftmost-longest: "<se" wins at position 0; the later "<sep>" still matches and strips the space.
  EXPECT_EQ(sentencePiece().encode("<se <sep>", false), (Ids{33, 30}));
}

TEST(TokenizerSentencePiece, DecodesBytesAndSkipsSpecialTokens) {
  EXPECT_EQ(sentencePiece().decode({1, 21, 26, 2}), "<bos>hello world<eos>");
  EXPECT_EQ(sentencePiece().decode({1, 21, 26, 2}, true), "hello world");
  EXPECT_EQ(sentencePiece().decode({1, 3, 4, 5, 6, 7, 8, 9, 2}, true), "\xE2\x82\xAC\xF0\x9F\x98\x80");
  // An incomplete byte run decodes to one U+FFFD per byte token (HF ByteFallback), and unknown ids vanish.
  EXPECT_EQ(sentencePiece().decode({3, 4, 21, 999}), "\xEF\xBF\xBD\xEF\xBF\xBDhello");
}

TEST(TokenizerSentencePiece, StreamingNeverSplitsACharacter) {
  StreamingDecoder stream(sentencePiece());
  EXPECT_EQ(stream.push(1), "");  // <bos> is skipped
  EXPECT_EQ(stream.push(21), "hello");
  EXPECT_EQ(stream.push(3), "");
  EXPECT_EQ(stream.push(4), "");
  EXPECT_EQ(stream.push(5), "\xE2\x82\xAC");
  EXPECT_EQ(stream.push(6), "");
  EXPECT_EQ(stream.push(7), "");
  EXPECT_EQ(stream.push(8), "");
  EXPECT_EQ(stream.push(9), "\xF0\x9F\x98\x80");
  EXPECT_EQ(stream.push(26), " world");
  EXPECT_EQ(stream.push(6), "");
  EXPECT_EQ(stream.flush(), "\xEF\xBF\xBD");  // a dangling byte shows up only at the end, as decode gives it
}

TEST(TokenizerByteLevel, SplitsWithTheQwenRegexAndRespectsRanks) {
  EXPECT_EQ(byteLevel().encode("ab ab"), (Ids{7, 3, 7}));
  // "Ġab" is in the vocabulary but (a, b) outranks (Ġ, a), so " ab" stays two tokens.
  EXPECT_EQ(byteLevel().encode(" ab"), (Ids{3, 7}));
  EXPECT_EQ(byteLevel().encode("\xE2\x82\xAC"), (Ids{11}));  // € as merged bytes
}

TEST(TokenizerByteLevel, NormalisesToNfcBeforeBpe) {
  EXPECT_EQ(byteLevel().encode("e\xCC\x81"), (Ids{14}));          // e + combining acute -> é
  EXPECT_EQ(byteLevel().encode("cafe\xCC\x81"), (Ids{2, 0, 14}));
}

TEST(TokenizerByteLevel, MatchesAddedTokensBeforeSplitting) {
  EXPECT_EQ(byteLevel().encode("a<|im_end|>b<|tool|>"), (Ids{0, 20, 1, 21}));
  EXPECT_EQ(byteLevel().decode({0, 20, 1, 21}), "a<|im_end|>b<|tool|>");
  EXPECT_EQ(byteLevel().decode({0, 20, 1, 21}, true), "ab<|tool|>");  // <|tool|> is added but not special
  EXPECT_TRUE(byteLevel().isSpecial(20));
  EXPECT_FALSE(byteLevel().isSpecial(21));
  EXPECT_FALSE(byteLevel().isSpecial(0));
}

TEST(TokenizerByteLevel, StreamingHoldsBackPartialCharacters) {
  StreamingDecoder stream(byteLevel(), false);
  std::string all;
  EXPECT_EQ(stream.push(4), "");  // 0xE2
  EXPECT_EQ(stream.push(5), "");  // 0x82
  EXPECT_EQ(stream.push(6), "\xE2\x82\xAC");
  EXPECT_EQ(stream.push(20), "<|im_end|>");
  EXPECT_EQ(stream.push(7), "ab");
  EXPECT_EQ(stream.flush(), "");
}

TEST(TokenizerApi, VocabularyLookupsAndSizes) {
  EXPECT_EQ(byteLevel().tokenToId("Ġab"), 9);
  EXPECT_EQ(byteLevel().tokenToId("<|im_end|>"), 20);
  EXPECT_FALSE(byteLevel().tokenToId("nope").has_value());
  EXPECT_EQ(byteLevel().idToToken(9), "Ġab");
  EXPECT_EQ(byteLevel().idToToken(20), "<|im_end|>");
  EXPECT_EQ(byteLevel().idToToken(12345), "");
  EXPECT_EQ(byteLevel().vocabSize(), 22u);  // ids 0..21
  EXPECT_EQ(sentencePiece().vocabSize(), 34u);
}

TEST(TokenizerApi, AddSpecialTokensTakesOverIds) {
  Tokenizer t = Tokenizer::fromFile(fixture("tiny_byte_level.json"));
  // Like dots.ocr on Qwen's file: the new token takes id 21 from <|tool|>, which disappears.
  t.addSpecialTokens({{"<|imgpad|>", 21}, {"<|img|>", 22}});
  EXPECT_EQ(t.encode("<|img|><|imgpad|><|imgpad|>ab"), (Ids{22, 21, 21, 7}));
  EXPECT_FALSE(t.tokenToId("<|tool|>").has_value());
  EXPECT_TRUE(t.isSpecial(21));
  EXPECT_EQ(t.decode({22, 21, 7}, true), "ab");
  EXPECT_EQ(t.vocabSize(), 23u);
  EXPECT_THROW(t.addSpecialTokens({{"", 5}}), std::invalid_argument);
}

TEST(TokenizerApi, InvalidUtf8IsRepairedBeforeEncoding) {
  // 0xFF becomes U+FFFD (bytes EF BF BD), which this small vocabulary lacks entirely: nothing is emitted for
  // it, exactly as HF does with a missing byte and no unk token; the valid text around it is unaffected.
  EXPECT_EQ(byteLevel().encode("ab\xFF" "ab"), (Ids{7, 7}));
  EXPECT_EQ(byteLevel().encode("ab\xFF" "ab"), byteLevel().encode("ab\xEF\xBF\xBD" "ab"));
}

TEST(TokenizerConfig, ReadsSpecialTokenNamesFromTokenizerConfig) {
  std::ifstream in(fixture("tiny_sentencepiece.json"));
  std::stringstream json;
  json << in.rdbuf();
  const Tokenizer t = Tokenizer::fromJson(json.str(), R"({"bos_token": "<bos>", "eos_token": {"content": "<eos>"},
      "added_tokens_decoder": {"40": {"content": "<extra>", "special": true, "normalized": false}}})");
  EXPECT_EQ(t.bosTokenId(), 1);
  EXPECT_EQ(t.eosTokenId(), 2);
  EXPECT_FALSE(t.padTokenId().has_value());
  EXPECT_EQ(t.encode("<extra>", false), (Ids{40}));
}

std::string loadError(const std::string& json) {
  try {
    Tokenizer::fromJson(json, "", "broken.json");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(TokenizerErrors, NameTheFileAndTheProblem) {
  try {
    Tokenizer::fromFile("/nonexistent/tokenizer.json");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/tokenizer.json"), std::string::npos) << e.what();
  }
  EXPECT_NE(loadError("{not json").find("broken.json: is not valid JSON"), std::string::npos);
  EXPECT_NE(loadError(R"({"model": {"type": "WordPiece", "vocab": {}}})").find("\"WordPiece\" is not supported"),
            std::string::npos);
  EXPECT_NE(loadError(R"({"normalizer": {"type": "NFKD"}, "model": {"vocab": {}, "merges": []}})").find("NFKD"),
            std::string::npos);
  EXPECT_NE(loadError(R"({"model": {"vocab": {"a": 0}, "merges": [["a", "b"]]}})").find("missing from the vocabulary"),
            std::string::npos);
  EXPECT_NE(loadError(R"({"model": {"vocab": {"a": 0}, "merges": [["a"]]}})").find("not a pair"), std::string::npos);
  EXPECT_NE(loadError(R"({"model": {"vocab": {"a": "0"}, "merges": []}})").find("to a string, not an id"),
            std::string::npos);
  EXPECT_NE(loadError(R"({"model": {"type": "BPE", "merges": []}})").find("no \"vocab\""), std::string::npos);
  EXPECT_NE(loadError(R"({"model": {"vocab": {}, "merges": []}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(["}, "behavior": "Isolated"}})")
                .find("does not compile"),
            std::string::npos);
}

}  // namespace
