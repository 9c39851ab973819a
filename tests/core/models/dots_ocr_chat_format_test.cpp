// dots.ocr chat layout: the vLLM-rendered prompt of specs/dots-ocr.md §5.3 and the §5.5 settings.
#include "core/models/dots_ocr/chat_format.h"

#include <gtest/gtest.h>

#include "core/models/dots_ocr/prompts.h"

namespace {

using namespace ll::models::dots_ocr;

size_t countOf(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = s.find(needle); pos != std::string::npos; pos = s.find(needle, pos + needle.size())) ++n;
  return n;
}

TEST(DotsOcrChatFormat, ExactPromptForASmallGrid) {
  const ChatPrompt p = buildImagePrompt("Extract the text content from this image.", 1, 4, 6);
  EXPECT_EQ(p.imagePadTokens, 6);
  EXPECT_EQ(p.text,
            "<|user|><|img|><|imgpad|><|imgpad|><|imgpad|><|imgpad|><|imgpad|><|imgpad|><|endofimg|>"
            "Extract the text content from this image.<|endofuser|><|assistant|>");
}

TEST(DotsOcrChatFormat, DemoPageHas4880ImageTokens) {
  // specs §4.2 / §5.3: the demo page's grid (1, 160, 122) gives 4,880 image tokens.
  EXPECT_EQ(imagePadTokenCount(1, 160, 122), 4880);
  const ChatPrompt p = buildImagePrompt(promptText(PromptMode::LayoutAll), 1, 160, 122);
  EXPECT_EQ(countOf(p.text, tokens::kImagePad), 4880u);
  EXPECT_EQ(p.text.rfind("<|user|><|img|><|imgpad|>", 0), 0u);
  const std::string tail = "<|endofimg|>" + promptText(PromptMode::LayoutAll) + "<|endofuser|><|assistant|>";
  EXPECT_EQ(p.text.substr(p.text.size() - tail.size()), tail);
  EXPECT_EQ(p.text.find("<|system"), std::string::npos);  // no system prompt
}

TEST(DotsOcrChatFormat, RejectsGridsThatDoNotMerge) {
  EXPECT_THROW(imagePadTokenCount(1, 5, 4), std::invalid_argument);
  EXPECT_THROW(imagePadTokenCount(1, 0, 4), std::invalid_argument);
  EXPECT_THROW(buildImagePrompt("x", 0), std::invalid_argument);
  EXPECT_EQ(imagePadTokenCount(2, 4, 4), 8);
}

TEST(DotsOcrChatFormat, TokenIdsAndGenerationDefaults) {
  EXPECT_EQ(tokens::kImagePadId, 151665);
  EXPECT_EQ(tokens::kImageStartId, 151666);
  EXPECT_EQ(tokens::kImageEndId, 151667);
  EXPECT_EQ(tokens::kUserId, 151670);
  EXPECT_EQ(tokens::kAssistantId, 151672);
  const auto& g = generationDefaults();
  EXPECT_EQ(g.stopTokenIds, (std::vector<int64_t>{151643, 151673}));
  EXPECT_EQ(g.maxLength, 32768);
  EXPECT_EQ(g.hfMaxNewTokens, 24000);
  EXPECT_DOUBLE_EQ(g.temperature, 0.1);
}

}  // namespace
