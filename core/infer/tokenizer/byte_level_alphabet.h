#pragma once
// GPT-2's reversible byte <-> printable-character map, used by byte-level BPE (Qwen2/dots.ocr): every byte
// becomes one visible character so that vocabulary entries are printable strings.
#include <array>
#include <cstdint>
#include <string>

namespace ll::infer {

class ByteLevelAlphabet {
 public:
  static const ByteLevelAlphabet& instance();

  // The character (as UTF-8) that stands for byte b.
  const std::string& charFor(uint8_t b) const { return byteToUtf8_[b]; }
  // The byte a character stands for, or -1 when the code point is not part of the alphabet.
  int byteFor(char32_t cp) const { return cp < charToByte_.size() ? charToByte_[cp] : -1; }

 private:
  ByteLevelAlphabet();
  std::array<std::string, 256> byteToUtf8_;
  std::array<int16_t, 324> charToByte_;  // the alphabet's largest code point is U+0143
};

}  // namespace ll::infer
