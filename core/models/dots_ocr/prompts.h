#pragma once
// The four task prompts of dots.ocr, verbatim from the reference's dots_ocr/utils/prompts.py
// (specs/dots-ocr.md §5.4). The model was trained on exactly these strings, so they are data kept in one
// place: a changed space or newline changes the model's behaviour.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace ll::models::dots_ocr {

enum class PromptMode {
  LayoutAll,     // prompt_layout_all_en: bbox + category + text for every element (the pipeline's default)
  LayoutOnly,    // prompt_layout_only_en: bbox + category, no text
  Ocr,           // prompt_ocr: plain Markdown text of the page
  GroundingOcr,  // prompt_grounding_ocr: text inside one box (groundingPrompt adds the box)
};

struct PromptInfo {
  PromptMode mode;
  const char* name;  // the reference's key, e.g. "prompt_layout_all_en"
  const char* text;
};

const std::array<PromptInfo, 4>& allPrompts();
const std::string& promptText(PromptMode mode);
const char* promptName(PromptMode mode);
std::optional<PromptMode> promptModeFromName(const std::string& name);

// The grounding prompt for a box in model-input pixels (see core/layout/bbox_mapping.h for the mapping
// from page pixels): the prompt followed by the box as Python prints a list, "[163, 241, 1536, 705]".
std::string groundingPrompt(int64_t x1, int64_t y1, int64_t x2, int64_t y2);

}  // namespace ll::models::dots_ocr
