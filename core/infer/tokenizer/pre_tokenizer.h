#pragma once
// The `pre_tokenizer` stage of tokenizer.json: splits normalised text into the words BPE runs on. Supported:
// Split (regex or literal pattern, all five HF behaviours, invert), ByteLevel (add_prefix_space, use_regex
// with the GPT-2 pattern) and Sequence. ByteLevel's byte-to-character mapping is not done here: the BPE
// model reads raw bytes directly (BpeModel::Config::byteLevelInput).
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/infer/tokenizer/unicode_regex.h"

namespace ll::infer {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

class PreTokenizer {
 public:
  struct Step {
    enum class Kind { SplitRegex, SplitLiteral, ByteLevel } kind;
    std::shared_ptr<const UnicodeRegex> regex;  // SplitRegex, and ByteLevel with use_regex
    std::string literal;                        // SplitLiteral
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false;
    bool addPrefixSpace = false;                // ByteLevel
  };

  void addStep(Step step) { steps_.push_back(std::move(step)); }
  bool hasByteLevel() const;

  // Appends the non-empty words of text. Words view text or strings kept alive in `arena` (created when a
  // step adds a prefix space).
  void split(std::string_view text, std::vector<std::string_view>& words, std::deque<std::string>& arena) const;

 private:
  std::vector<Step> steps_;
};

// The GPT-2 pattern ByteLevel uses when use_regex is true.
const std::string& gpt2PreTokenizerPattern();

}  // namespace ll::infer
