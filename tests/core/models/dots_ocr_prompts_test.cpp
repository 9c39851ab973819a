// dots.ocr prompts: byte-exact copies of the reference strings (lengths from specs/dots-ocr.md §5.4).
#include "core/models/dots_ocr/prompts.h"

#include <gtest/gtest.h>

namespace {

using namespace ll::models::dots_ocr;

TEST(DotsOcrPrompts, LengthsAndEdgesMatchTheReference) {
  EXPECT_EQ(promptText(PromptMode::LayoutAll).size(), 888u);
  EXPECT_EQ(promptText(PromptMode::LayoutOnly).size(), 422u);
  EXPECT_EQ(promptText(PromptMode::Ocr).size(), 41u);
  EXPECT_EQ(promptText(PromptMode::GroundingOcr).size(), 96u);
  const std::string& all = promptText(PromptMode::LayoutAll);
  EXPECT_EQ(all.back(), '\n');
  EXPECT_EQ(all.rfind("Please output the layout information from the PDF image, including each layout element's bbox", 0), 0u);
  EXPECT_NE(all.find("\n\n1. Bbox format: [x1, y1, x2, y2]\n\n2. Layout Categories:"), std::string::npos);
  EXPECT_NE(all.find("\n    - Picture: For the 'Picture' category, the text field should be omitted.\n"), std::string::npos);
  EXPECT_NE(all.find("\n    - All layout elements must be sorted according to human reading order.\n\n5. Final Output"),
            std::string::npos);
  const std::string lastLine = "5. Final Output: The entire output must be a single JSON object.\n";
  EXPECT_EQ(all.substr(all.size() - lastLine.size()), lastLine);
  const std::string& only = promptText(PromptMode::LayoutOnly);
  EXPECT_EQ(only.find('\n'), std::string::npos);
  const std::string expectedOnly =
      "Please output the layout information from this PDF image, including each layout's bbox and its category. The "
      "bbox should be in the format [x1, y1, x2, y2]. The layout categories for the PDF document include ['Caption', "
      "'Footnote', 'Formula', 'List-item', 'Page-footer', 'Page-header', 'Picture', 'Section-header', 'Table', "
      "'Text', 'Title']. Do not output the corresponding text. The layout result should be in JSON format.";
  EXPECT_EQ(only, expectedOnly);
  EXPECT_EQ(promptText(PromptMode::Ocr), "Extract the text content from this image.");
}

TEST(DotsOcrPrompts, LayoutAllLineByLine) {
  const std::string expected =
      "Please output the layout information from the PDF image, including each layout element's bbox, its category, "
      "and the corresponding text content within the bbox.\n"
      "\n"
      "1. Bbox format: [x1, y1, x2, y2]\n"
      "\n"
      "2. Layout Categories: The possible categories are ['Caption', 'Footnote', 'Formula', 'List-item', "
      "'Page-footer', 'Page-header', 'Picture', 'Section-header', 'Table', 'Text', 'Title'].\n"
      "\n"
      "3. Text Extraction & Formatting Rules:\n"
      "    - Picture: For the 'Picture' category, the text field should be omitted.\n"
      "    - Formula: Format its text as LaTeX.\n"
      "    - Table: Format its text as HTML.\n"
      "    - All Others (Text, Title, etc.): Format their text as Markdown.\n"
      "\n"
      "4. Constraints:\n"
      "    - The output text must be the original text from the image, with no translation.\n"
      "    - All layout elements must be sorted according to human reading order.\n"
      "\n"
      "5. Final Output: The entire output must be a single JSON object.\n";
  EXPECT_EQ(promptText(PromptMode::LayoutAll), expected);
}

TEST(DotsOcrPrompts, GroundingPromptFormatsTheBoxLikePython) {
  EXPECT_EQ(groundingPrompt(163, 241, 1536, 705),
            "Extract text from the given bounding box on the image (format: [x1, y1, x2, y2]).\n"
            "Bounding Box:\n[163, 241, 1536, 705]");
  EXPECT_EQ(groundingPrompt(0, -1, 2, 3).substr(96), "[0, -1, 2, 3]");
}

TEST(DotsOcrPrompts, NamesRoundTrip) {
  for (const auto& p : allPrompts()) {
    EXPECT_EQ(promptModeFromName(p.name), p.mode);
    EXPECT_STREQ(promptName(p.mode), p.name);
    EXPECT_EQ(promptText(p.mode), p.text);
  }
  EXPECT_EQ(promptModeFromName("prompt_layout_all_en"), PromptMode::LayoutAll);
  EXPECT_FALSE(promptModeFromName("prompt_web_parsing").has_value());  // a dots.mocr-only mode
}

}  // namespace
