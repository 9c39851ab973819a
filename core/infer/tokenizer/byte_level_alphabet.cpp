// Printable bytes keep their own code point; the 68 others (controls, space, NBSP, soft hyphen) are moved,
// in byte order, to U+0100 and up. This is the table every GPT-2-style byte-level vocabulary is written in.
#include "core/infer/tokenizer/byte_level_alphabet.h"

#include "core/infer/tokenizer/utf8.h"

namespace ll::infer {

const ByteLevelAlphabet& ByteLevelAlphabet::instance() {
  static const ByteLevelAlphabet alphabet;
  return alphabet;
}

ByteLevelAlphabet::ByteLevelAlphabet() {
  charToByte_.fill(-1);
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    const char32_t cp = printable ? char32_t(b) : next++;
    utf8::append(byteToUtf8_[b], cp);
    charToByte_[cp] = int16_t(b);
  }
}

}  // namespace ll::infer
