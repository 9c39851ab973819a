#pragma once
// The `decoder` stage of tokenizer.json: turns token strings back into text. Supported: ByteLevel (Qwen2),
// Replace with a literal pattern, ByteFallback and Fuse (Gemma), Strip, Metaspace, Sequence. Without a
// decoder, HF joins the tokens with spaces; so do we.
#include <string>
#include <vector>

namespace ll::infer {

class TokenDecoder {
 public:
  struct Step {
    enum class Kind { ByteLevel, ReplaceLiteral, ByteFallback, Fuse, Strip, Metaspace } kind;
    std::string pattern;   // ReplaceLiteral
    std::string content;   // ReplaceLiteral replacement; Strip: the character; Metaspace: the replacement
    size_t start = 0;      // Strip: how many leading `content` to drop
    size_t stop = 0;       // Strip: how many trailing
    bool stripFirstSpace = false;  // Metaspace with a prepend scheme other than "never"
  };

  void addStep(Step step) { steps_.push_back(std::move(step)); }
  bool empty() const { return steps_.empty(); }
  // Whether the first token decodes differently from the same token later (Strip, Metaspace).
  bool firstTokenSensitive() const;
  std::string decode(std::vector<std::string> tokens) const;

 private:
  std::vector<Step> steps_;
};

}  // namespace ll::infer
