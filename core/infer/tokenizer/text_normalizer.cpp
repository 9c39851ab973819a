// Applies the normaliser steps in order. HF's Prepend only acts on non-empty text; Replace with a String
// pattern replaces every occurrence left to right.
#include "core/infer/tokenizer/text_normalizer.h"

#include "core/infer/tokenizer/unicode_nfc.h"

namespace ll::infer {

std::string TextNormalizer::apply(std::string_view text) const {
  std::string current(text);
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Kind::Nfc:
        if (!isNfcQuickCheckYes(current)) current = toNfc(current);
        break;
      case Kind::ReplaceLiteral: {
        if (step.pattern.empty() || current.find(step.pattern) == std::string::npos) break;
        std::string out;
        out.reserve(current.size() + current.size() / 4);
        size_t from = 0;
        for (size_t at; (at = current.find(step.pattern, from)) != std::string::npos; from = at + step.pattern.size()) {
          out.append(current, from, at - from);
          out += step.content;
        }
        out.append(current, from, std::string::npos);
        current = std::move(out);
        break;
      }
      case Kind::Prepend:
        if (!current.empty()) current.insert(0, step.content);
        break;
    }
  }
  return current;
}

}  // namespace ll::infer
