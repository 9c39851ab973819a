#pragma once
// Incremental detokenisation for generation: feed ids one at a time, get back the text they complete. A
// character whose UTF-8 bytes are spread over several tokens (byte-level BPE, Gemma byte fallback) is held
// back until it is complete, so a UI or a stop-string check never sees half a character. The pieces
// concatenated equal Tokenizer::decode of all ids.
#include <cstdint>
#include <string>
#include <vector>

#include "core/infer/tokenizer/tokenizer.h"

namespace ll::infer {

class StreamingDecoder {
 public:
  // The tokenizer must outlive the decoder.
  explicit StreamingDecoder(const Tokenizer& tokenizer, bool skipSpecial = true);

  // Returns the text that id completes (possibly empty).
  std::string push(int32_t id);
  // Returns whatever is held back (an incomplete character becomes U+FFFD, as decode gives) and resets.
  std::string flush();

 private:
  std::string decodeRange(size_t begin, size_t end) const;

  const Tokenizer& tokenizer_;
  bool skipSpecial_;
  std::vector<int32_t> ids_;
  size_t prefixOffset_ = 0;  // ids_[prefixOffset_, readOffset_) already emitted, kept as decoding context
  size_t readOffset_ = 0;
};

}  // namespace ll::infer
