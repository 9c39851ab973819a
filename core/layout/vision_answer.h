#pragma once
// Reading Gemma's answers, which the prompts (core/models/gemma3n/prompts.h) ask to be one JSON object.
// Models wrap JSON in Markdown fences, add a sentence before it, stop in the middle of a string when the
// token budget ends, or forget to escape a quote. The answer is parsed strictly first, then repaired step by
// step; whatever happens the text itself is kept, with the status and the reason, never dropped.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ll::layout {

enum class AnswerStatus { Ok, Repaired, Raw };
const char* answerStatusName(AnswerStatus status);  // "ok", "repaired", "raw"

struct VisionAnswerParse {
  AnswerStatus status = AnswerStatus::Raw;
  std::optional<nlohmann::json> json;  // the object, when one could be read
  std::string reason;                  // Repaired: what was changed; Raw: why nothing could be read
};

VisionAnswerParse parseVisionAnswer(const std::string& text);

// The plain text of an OCR answer: the "text" field when the JSON has one, else the items' values one per
// line, else the answer as it came (raw answers are still text a reviewer can read).
std::string ocrTextOf(const VisionAnswerParse& parsed, const std::string& original);

}  // namespace ll::layout
