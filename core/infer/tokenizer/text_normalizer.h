#pragma once
// The `normalizer` stage of tokenizer.json, as a list of steps (a Sequence flattens into it). Supported:
// NFC (Qwen2), Replace with a literal pattern (Gemma's " " -> "▁"), Prepend.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ll::infer {

class TextNormalizer {
 public:
  enum class Kind { Nfc, ReplaceLiteral, Prepend };
  struct Step {
    Kind kind;
    std::string pattern;  // ReplaceLiteral: what to replace
    std::string content;  // ReplaceLiteral: replacement; Prepend: prefix
  };

  void addStep(Step step) { steps_.push_back(std::move(step)); }
  bool empty() const { return steps_.empty(); }
  // Expects valid UTF-8 and returns valid UTF-8.
  std::string apply(std::string_view text) const;

 private:
  std::vector<Step> steps_;
};

}  // namespace ll::infer
