#pragma once
// Unicode Normalization Form C, the normaliser of the Qwen2 tokenizer (dots.ocr). Implemented in-house from
// generated UCD tables because the inference layer may use nothing beyond the standard library, libtorch,
// nlohmann/json and PCRE2 (no ICU on the GPU machine).
#include <string>
#include <string_view>

namespace ll::infer {

// True when every code point passes the NFC quick check, i.e. the text is already NFC (the common case:
// ASCII, precomposed Latin, CJK). Expects valid UTF-8.
bool isNfcQuickCheckYes(std::string_view utf8);

// Returns the NFC form of valid UTF-8 text (canonical decomposition, canonical ordering, composition).
std::string toNfc(std::string_view utf8);

}  // namespace ll::infer
