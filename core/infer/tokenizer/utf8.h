#pragma once
// UTF-8 helpers shared by the tokenizer stages. Hugging Face tokenizers only ever see valid Unicode (Rust
// &str); our API takes raw bytes, so invalid input is repaired the same way Rust's String::from_utf8_lossy
// (and the WHATWG TextDecoder) does: one U+FFFD per maximal invalid subsequence.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ll::infer::utf8 {

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence starting at s[pos], or 0 when the bytes there are not one.
size_t validSequenceLength(std::string_view s, size_t pos);

bool isValid(std::string_view s);

// Returns s with every maximal invalid subsequence replaced by U+FFFD (Rust from_utf8_lossy semantics).
std::string repairLossy(std::string_view s);

// Decodes the code point of a sequence already known to be valid; `length` receives its byte count.
inline char32_t decodeValid(const char* p, size_t& length) {
  const auto b0 = static_cast<unsigned char>(p[0]);
  if (b0 < 0x80) {
    length = 1;
    return b0;
  }
  if (b0 < 0xE0) {
    length = 2;
    return (char32_t(b0 & 0x1F) << 6) | (static_cast<unsigned char>(p[1]) & 0x3F);
  }
  if (b0 < 0xF0) {
    length = 3;
    return (char32_t(b0 & 0x0F) << 12) | (char32_t(static_cast<unsigned char>(p[1]) & 0x3F) << 6) |
           (static_cast<unsigned char>(p[2]) & 0x3F);
  }
  length = 4;
  return (char32_t(b0 & 0x07) << 18) | (char32_t(static_cast<unsigned char>(p[1]) & 0x3F) << 12) |
         (char32_t(static_cast<unsigned char>(p[2]) & 0x3F) << 6) | (static_cast<unsigned char>(p[3]) & 0x3F);
}

// Byte length of the character whose (valid) lead byte is b.
inline size_t sequenceLengthFromLead(unsigned char b) { return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4; }

void append(std::string& out, char32_t cp);

// Unicode White_Space (what Rust's char::is_whitespace tests); HF uses it for lstrip/rstrip of added tokens.
bool isWhitespace(char32_t cp);

}  // namespace ll::infer::utf8
