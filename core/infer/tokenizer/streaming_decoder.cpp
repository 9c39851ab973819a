// Decodes a short window (the pending ids, plus the last emitted id as context when the decoder treats the
// first token specially: Strip, Metaspace) and emits the new suffix once it no longer ends in U+FFFD. No
// context otherwise: a byte-fallback context token would join the next run of byte tokens and spoil it.
#include "core/infer/tokenizer/streaming_decoder.h"

#include "core/infer/tokenizer/tokenizer_impl.h"
#include "core/infer/tokenizer/utf8.h"

namespace ll::infer {

StreamingDecoder::StreamingDecoder(const Tokenizer& tokenizer, bool skipSpecial)
    : tokenizer_(tokenizer), skipSpecial_(skipSpecial) {}

std::string StreamingDecoder::decodeRange(size_t begin, size_t end) const {
  return tokenizer_.decode(std::vector<int32_t>(ids_.begin() + std::ptrdiff_t(begin), ids_.begin() + std::ptrdiff_t(end)),
                           skipSpecial_);
}

std::string StreamingDecoder::push(int32_t id) {
  ids_.push_back(id);
  const std::string prefix = decodeRange(prefixOffset_, readOffset_);
  const std::string text = decodeRange(prefixOffset_, ids_.size());
  const std::string_view fffd = utf8::kReplacementCharacter;
  const bool incomplete = text.size() >= fffd.size() && text.compare(text.size() - fffd.size(), fffd.size(), fffd) == 0;
  if (text.size() <= prefix.size() || incomplete || text.compare(0, prefix.size(), prefix) != 0) return {};
  std::string piece = text.substr(prefix.size());
  if (tokenizer_.impl_->decoder.firstTokenSensitive()) {
    ids_.erase(ids_.begin(), ids_.end() - 1);
    readOffset_ = 1;
  } else {
    ids_.clear();
    readOffset_ = 0;
  }
  prefixOffset_ = 0;
  return piece;
}

std::string StreamingDecoder::flush() {
  const std::string prefix = decodeRange(prefixOffset_, readOffset_);
  const std::string text = decodeRange(prefixOffset_, ids_.size());
  ids_.clear();
  prefixOffset_ = readOffset_ = 0;
  if (text.size() <= prefix.size() || text.compare(0, prefix.size(), prefix) != 0) return {};
  return text.substr(prefix.size());
}

}  // namespace ll::infer
