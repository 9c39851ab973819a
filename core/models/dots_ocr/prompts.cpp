// Raw string literals keep the reference prompts byte-exact, including the 4-space bullet indents and the
// trailing newline of prompt_layout_all_en; tests pin their lengths and text.
#include "core/models/dots_ocr/prompts.h"

namespace ll::models::dots_ocr {
namespace {

const char kLayoutAll[] =
    R"(Please output the layout information from the PDF image, including each layout element's bbox, its category, and the corresponding text content within the bbox.

1. Bbox format: [x1, y1, x2, y2]

2. Layout Categories: The possible categories are ['Caption', 'Footnote', 'Formula', 'List-item', 'Page-footer', 'Page-header', 'Picture', 'Section-header', 'Table', 'Text', 'Title'].

3. Text Extraction & Formatting Rules:
    - Picture: For the 'Picture' category, the text field should be omitted.
    - Formula: Format its text as LaTeX.
    - Table: Format its text as HTML.
    - All Others (Text, Title, etc.): Format their text as Markdown.

4. Constraints:
    - The output text must be the original text from the image, with no translation.
    - All layout elements must be sorted according to human reading order.

5. Final Output: The entire output must be a single JSON object.
)";

const char kLayoutOnly[] =
    "Please output the layout information from this PDF image, including each layout's bbox and its category. "
    "The bbox should be in the format [x1, y1, x2, y2]. The layout categories for the PDF document include "
    "['Caption', 'Footnote', 'Formula', 'List-item', 'Page-footer', 'Page-header', 'Picture', 'Section-header', "
    "'Table', 'Text', 'Title']. Do not output the corresponding text. The layout result should be in JSON format.";

const char kOcr[] = "Extract the text content from this image.";

const char kGrounding[] =
    "Extract text from the given bounding box on the image (format: [x1, y1, x2, y2]).\nBounding Box:\n";

}  // namespace

const std::array<PromptInfo, 4>& allPrompts() {
  static const std::array<PromptInfo, 4> prompts{{
      {PromptMode::LayoutAll, "prompt_layout_all_en", kLayoutAll},
      {PromptMode::LayoutOnly, "prompt_layout_only_en", kLayoutOnly},
      {PromptMode::Ocr, "prompt_ocr", kOcr},
      {PromptMode::GroundingOcr, "prompt_grounding_ocr", kGrounding},
  }};
  return prompts;
}

const std::string& promptText(PromptMode mode) {
  static const std::array<std::string, 4> texts{kLayoutAll, kLayoutOnly, kOcr, kGrounding};
  return texts[static_cast<size_t>(mode)];
}

const char* promptName(PromptMode mode) { return allPrompts()[static_cast<size_t>(mode)].name; }

std::optional<PromptMode> promptModeFromName(const std::string& name) {
  for (const auto& p : allPrompts())
    if (name == p.name) return p.mode;
  return std::nullopt;
}

std::string groundingPrompt(int64_t x1, int64_t y1, int64_t x2, int64_t y2) {
  return promptText(PromptMode::GroundingOcr) + "[" + std::to_string(x1) + ", " + std::to_string(y1) + ", " +
         std::to_string(x2) + ", " + std::to_string(y2) + "]";
}

}  // namespace ll::models::dots_ocr
