// Gemma answers: strict JSON, repaired JSON (fences, chatter, cut-off, unescaped quotes), or raw text kept
// with the reason.
#include "core/layout/vision_answer.h"

#include <gtest/gtest.h>

namespace {

using namespace ll::layout;

TEST(VisionAnswer, StrictObjectIsOk) {
  const auto p = parseVisionAnswer("  {\"text\": \"M8x1.25\", \"items\": []}\n");
  EXPECT_EQ(p.status, AnswerStatus::Ok);
  ASSERT_TRUE(p.json);
  EXPECT_EQ((*p.json)["text"], "M8x1.25");
  EXPECT_TRUE(p.reason.empty());
}

TEST(VisionAnswer, FenceAndChatterAreRemoved) {
  const auto fenced = parseVisionAnswer("```json\n{\"text\": \"A\"}\n```");
  EXPECT_EQ(fenced.status, AnswerStatus::Repaired);
  EXPECT_EQ((*fenced.json)["text"], "A");
  EXPECT_NE(fenced.reason.find("fence"), std::string::npos);

  const auto chatty = parseVisionAnswer("Here is the JSON you asked for: {\"text\": \"B\"} Hope this helps.");
  EXPECT_EQ(chatty.status, AnswerStatus::Repaired);
  EXPECT_EQ((*chatty.json)["text"], "B");
  EXPECT_NE(chatty.reason.find("around"), std::string::npos);
}

TEST(VisionAnswer, CutOffObjectKeepsWhatWasRead) {
  const auto p = parseVisionAnswer("{\"page_type\": \"part drawing\", \"summary\": \"A bracket with four ho");
  EXPECT_EQ(p.status, AnswerStatus::Repaired);
  ASSERT_TRUE(p.json);
  EXPECT_EQ((*p.json)["page_type"], "part drawing");
  EXPECT_FALSE(p.reason.empty());
}

TEST(VisionAnswer, NonJsonIsKeptRawWithReason) {
  const auto p = parseVisionAnswer("The drawing shows a bracket.");
  EXPECT_EQ(p.status, AnswerStatus::Raw);
  EXPECT_FALSE(p.json);
  EXPECT_NE(p.reason.find("no JSON"), std::string::npos);
  EXPECT_EQ(ocrTextOf(p, "The drawing shows a bracket. "), "The drawing shows a bracket.");
  EXPECT_EQ(parseVisionAnswer("   ").reason, "the answer is empty");
  EXPECT_STREQ(answerStatusName(AnswerStatus::Repaired), "repaired");
}

TEST(VisionAnswer, OcrTextPrefersTextThenItems) {
  auto p = parseVisionAnswer("{\"text\": \"\", \"items\": [{\"kind\": \"dimension\", \"value\": \"25 H7\"}, {\"value\": \"R3\"}]}");
  EXPECT_EQ(ocrTextOf(p, "x"), "25 H7\nR3");
  p = parseVisionAnswer("{\"text\": \"\", \"items\": []}");
  EXPECT_EQ(ocrTextOf(p, "{...}"), "");  // the model says there is no text: no text, not the JSON
  p = parseVisionAnswer("{\"text\": \"Ø12\"}");
  EXPECT_EQ(ocrTextOf(p, "x"), "Ø12");
}

}  // namespace
