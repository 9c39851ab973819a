// Gemma 3n chat layout (specs/gemma3n.md §4.3): one user turn with the expanded image, ids from the config,
// checked with the tiny test tokenizer (always present) and the real Gemma 3 tokenizer when fetched.
#include "core/models/gemma3n/chat_format.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/infer/tokenizer/tokenizer.h"
#include "core/models/gemma3n/prompts.h"

namespace {

using namespace ll::models::gemma3n;
using ll::infer::Tokenizer;

Tokenizer tinyTokenizer() {
  return Tokenizer::fromFile(std::string(LAYOUTLENS_TEST_DATA_DIR) + "/gemma3n_tokenizer_tiny/tokenizer.json");
}

std::string decodeText(const Tokenizer& t, const std::vector<int64_t>& ids, int64_t skipFrom) {
  std::vector<int32_t> keep;
  for (auto id : ids)
    if (id < skipFrom) keep.push_back(static_cast<int32_t>(id));
  return t.decode(keep, false);
}

TEST(Gemma3nChatFormat, OneImageThenTextWithConfigIds) {
  const Tokenizer t = tinyTokenizer();
  ChatTokenIds ids;
  ids.bos = 2;
  ids.startOfImage = 255;
  ids.endOfImage = 256;
  ids.imageSoft = 257;
  ids.softTokensPerImage = 4;
  const GemmaPrompt p = buildUserPrompt(t, ids, "  Read the text.\n", 1);
  ASSERT_EQ(p.imagePositions.size(), 4u);
  EXPECT_EQ(p.ids.front(), 2);
  const int64_t first = p.imagePositions.front();
  EXPECT_EQ(p.ids[first - 1], 255);  // <start_of_image>
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(p.imagePositions[k], first + k);
    EXPECT_EQ(p.ids[first + k], 257);
  }
  EXPECT_EQ(p.ids[first + 4], 256);  // <end_of_image>
  // Everything but the image ids decodes to the template text; the instruction is trimmed.
  std::vector<int64_t> before(p.ids.begin() + 1, p.ids.begin() + first - 1);
  std::vector<int64_t> after(p.ids.begin() + first + 5, p.ids.end());
  EXPECT_EQ(decodeText(t, before, 255), "<start_of_turn>user\n\n\n");
  EXPECT_EQ(decodeText(t, after, 255), "\n\nRead the text.<end_of_turn>\n<start_of_turn>model\n");
  // Exactly one BOS.
  EXPECT_EQ(std::count(p.ids.begin(), p.ids.end(), 2), 1);
}

TEST(Gemma3nChatFormat, TextOnlyAndTwoImages) {
  const Tokenizer t = tinyTokenizer();
  ChatTokenIds ids;
  ids.softTokensPerImage = 3;
  const GemmaPrompt none = buildUserPrompt(t, ids, "Hi", 0);
  EXPECT_TRUE(none.imagePositions.empty());
  EXPECT_EQ(decodeText(t, std::vector<int64_t>(none.ids.begin() + 1, none.ids.end()), 1 << 30),
            "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n");
  const GemmaPrompt two = buildUserPrompt(t, ids, "Compare", 2);
  ASSERT_EQ(two.imagePositions.size(), 6u);
  // The second image follows "<end_of_image>" + "\n\n\n\n" (two expansions meet) + "<start_of_image>".
  EXPECT_EQ(two.ids[two.imagePositions[2] + 1], ids.endOfImage);
  EXPECT_EQ(two.ids[two.imagePositions[3] - 1], ids.startOfImage);
}

TEST(Gemma3nChatFormat, SystemTextGoesIntoTheUserTurn) {
  const Tokenizer t = tinyTokenizer();
  const GemmaPrompt p = buildUserPrompt(t, ChatTokenIds{}, "Go", 0, "Be exact.");
  EXPECT_EQ(decodeText(t, std::vector<int64_t>(p.ids.begin() + 1, p.ids.end()), 1 << 30),
            "<start_of_turn>user\nBe exact.\n\nGo<end_of_turn>\n<start_of_turn>model\n");
}

TEST(Gemma3nChatFormat, StopTokensAndMissingTurnTokens) {
  const Tokenizer t = tinyTokenizer();
  const auto stops = stopTokenIds(t, {1});
  ASSERT_EQ(stops.size(), 2u);
  EXPECT_EQ(stops[0], 1);
  EXPECT_EQ(stops[1], *t.tokenToId("<end_of_turn>"));
  const Tokenizer other = Tokenizer::fromFile(std::string(LAYOUTLENS_TEST_DATA_DIR) + "/tokenizer/tiny_byte_level.json");
  try {
    buildUserPrompt(other, ChatTokenIds{}, "x");
    FAIL() << "a tokenizer without <start_of_turn> must be refused";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("<start_of_turn>"), std::string::npos);
  }
}

TEST(Gemma3nChatFormat, RealGemmaTokenizerKeepsNewlineRunsAsHfDoes) {
  const std::string file = std::string(LAYOUTLENS_TOKENIZER_DIR) + "/gemma3/tokenizer.json";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "no " << file << " (tools/fetch-tokenizers.sh fetches it)";
  const Tokenizer t = Tokenizer::fromFile(file);
  const GemmaPrompt p = buildUserPrompt(t, ChatTokenIds{}, "Read this.", 1);
  EXPECT_EQ(p.imagePositions.size(), 256u);
  // <bos> <start_of_turn> user "\n\n\n" <start_of_image>: HF merges the newline run into one token.
  ASSERT_GE(p.ids.size(), 5u);
  EXPECT_EQ(p.ids[0], 2);
  EXPECT_EQ(p.ids[1], 105);
  EXPECT_EQ(p.ids[4], 255999);
  EXPECT_EQ(t.decode({static_cast<int32_t>(p.ids[2]), static_cast<int32_t>(p.ids[3])}, false), "user\n\n\n");
  // ... <end_of_turn> "\n" <start_of_turn> "model" "\n"
  const size_t n = p.ids.size();
  EXPECT_EQ(p.ids[n - 5], 106);
  EXPECT_EQ(p.ids[n - 4], 107);
  EXPECT_EQ(p.ids[n - 3], 105);
  EXPECT_EQ(p.ids[n - 1], 107);
}

TEST(Gemma3nPrompts, TasksAndSummaryContext) {
  EXPECT_EQ(visionTaskFromName("crop-ocr"), VisionTask::CropOcr);
  EXPECT_EQ(visionTaskFromName("summary"), VisionTask::PageSummary);
  EXPECT_FALSE(visionTaskFromName("ocr").has_value());
  EXPECT_STREQ(visionTaskName(VisionTask::Free), "free");
  EXPECT_NE(cropOcrPrompt().find("JSON"), std::string::npos);
  const std::string s = pageSummaryPrompt("Title: BRACKET", {"[page-0001-picture-01] 12.5 ±0.1"});
  EXPECT_NE(s.find("Title: BRACKET"), std::string::npos);
  EXPECT_NE(s.find("12.5 ±0.1"), std::string::npos);
  EXPECT_NE(s.find("open_issues"), std::string::npos);
  EXPECT_NE(pageSummaryPrompt("", {}).find("(no picture regions)"), std::string::npos);
}

TEST(Gemma3nPrompts, LongContextIsCutOnACharacterBoundary) {
  std::string layout;
  for (int i = 0; i < 5000; ++i) layout += "Ø";  // two bytes each
  const std::string s = pageSummaryPromptWithContext(layout, 1001);
  EXPECT_NE(s.find("[... cut"), std::string::npos);
  const auto start = s.find("Ø");
  const auto cut = s.find("\n[... cut");
  ASSERT_NE(start, std::string::npos);
  EXPECT_EQ((cut - start) % 2, 0u);  // whole characters only
  EXPECT_LE(cut - start, 1001u);
}

}  // namespace
