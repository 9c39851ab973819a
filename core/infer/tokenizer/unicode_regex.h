#pragma once
// A compiled Unicode regular expression for the tokenizer's Split pre-tokenizers. PCRE2 (UTF + UCP, JIT)
// is the only Debian engine that supports everything the Hugging Face (Oniguruma) patterns use, including
// \p{L}, \p{N} and the (?!\S) look-ahead; it stays behind this pimpl so no other file sees pcre2.h.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ll::infer {

class UnicodeRegex {
 public:
  // Throws std::runtime_error naming the pattern and PCRE2's message when it does not compile.
  explicit UnicodeRegex(const std::string& pattern);
  ~UnicodeRegex();
  UnicodeRegex(const UnicodeRegex&) = delete;
  UnicodeRegex& operator=(const UnicodeRegex&) = delete;

  // Byte ranges [begin, end) of the successive non-overlapping, non-empty matches in valid UTF-8 text.
  void findAll(std::string_view text, std::vector<std::pair<size_t, size_t>>& matches) const;
  // True when the pattern matches at exactly `offset` (an anchored match).
  bool matchesAt(std::string_view text, size_t offset) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ll::infer
