// Each step maps the list of token strings to a new list, exactly as HF's decode_chain does, and the result
// is concatenated. The details that decide bytes-for-bytes equality with HF: ByteLevel passes a token whose
// characters are not all in the byte alphabet through as its own UTF-8 and decodes the whole byte string
// lossily; ByteFallback turns a run of <0xXX> tokens into text, or into one U+FFFD per byte when the run is
// not valid UTF-8.
#include "core/infer/tokenizer/token_decoder.h"

#include "core/infer/tokenizer/byte_level_alphabet.h"
#include "core/infer/tokenizer/utf8.h"

namespace ll::infer {

namespace {

void byteLevel(std::vector<std::string>& tokens) {
  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::instance();
  std::string bytes;
  for (const std::string& token : tokens) {
    const size_t mark = bytes.size();
    bool allMapped = true;
    for (size_t i = 0; i < token.size();) {
      const size_t length = utf8::validSequenceLength(token, i);
      size_t ignored;
      const int b = length ? alphabet.byteFor(utf8::decodeValid(token.data() + i, ignored)) : -1;
      if (b < 0) {
        allMapped = false;
        break;
      }
      bytes.push_back(static_cast<char>(b));
      i += length;
    }
    if (!allMapped) {
      bytes.resize(mark);
      bytes += token;
    }
  }
  tokens.assign(1, utf8::isValid(bytes) ? std::move(bytes) : utf8::repairLossy(bytes));
}

int byteTokenValue(const std::string& token) {
  if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return -1;
  int value = 0;
  for (size_t i = 3; i < 5; ++i) {
    const char c = token[i];
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

void byteFallback(std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  out.reserve(tokens.size());
  std::string run;
  size_t runCount = 0;
  const auto flush = [&] {
    if (runCount == 0) return;
    if (utf8::isValid(run)) {
      out.push_back(run);
    } else {
      for (size_t i = 0; i < runCount; ++i) out.emplace_back(utf8::kReplacementCharacter);
    }
    run.clear();
    runCount = 0;
  };
  for (std::string& token : tokens) {
    const int b = byteTokenValue(token);
    if (b >= 0) {
      run.push_back(static_cast<char>(b));
      ++runCount;
    } else {
      flush();
      out.push_back(std::move(token));
    }
  }
  flush();
  tokens = std::move(out);
}

void replaceAll(std::string& s, const std::string& pattern, const std::string& content) {
  if (pattern.empty()) return;
  for (size_t at = s.find(pattern); at != std::string::npos; at = s.find(pattern, at + content.size())) {
    s.replace(at, pattern.size(), content);
  }
}

void strip(std::string& token, const std::string& ch, size_t start, size_t stop) {
  size_t begin = 0;
  for (size_t i = 0; i < start && token.compare(begin, ch.size(), ch) == 0 && !ch.empty(); ++i) begin += ch.size();
  size_t end = token.size();
  for (size_t i = 0; i < stop && !ch.empty() && end >= begin + ch.size() && token.compare(end - ch.size(), ch.size(), ch) == 0; ++i) {
    end -= ch.size();
  }
  token = token.substr(begin, end - begin);
}

}  // namespace

bool TokenDecoder::firstTokenSensitive() const {
  for (const Step& s : steps_) {
    if (s.kind == Step::Kind::Strip || s.kind == Step::Kind::Metaspace) return true;
  }
  return false;
}

std::string TokenDecoder::decode(std::vector<std::string> tokens) const {
  if (steps_.empty()) {
    std::string joined;
    for (size_t i = 0; i < tokens.size(); ++i) joined += (i ? " " : "") + tokens[i];
    return joined;
  }
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Step::Kind::ByteLevel:
        byteLevel(tokens);
        break;
      case Step::Kind::ReplaceLiteral:
        for (std::string& t : tokens) replaceAll(t, step.pattern, step.content);
        break;
      case Step::Kind::ByteFallback:
        byteFallback(tokens);
        break;
      case Step::Kind::Fuse: {
        std::string fused;
        for (const std::string& t : tokens) fused += t;
        tokens.assign(1, std::move(fused));
        break;
      }
      case Step::Kind::Strip:
        for (std::string& t : tokens) strip(t, step.content, step.start, step.stop);
        break;
      case Step::Kind::Metaspace:
        for (size_t i = 0; i < tokens.size(); ++i) {
          replaceAll(tokens[i], step.content, " ");
          if (i == 0 && step.stripFirstSpace && !tokens[i].empty() && tokens[i][0] == ' ') tokens[i].erase(0, 1);
        }
        break;
    }
  }
  std::string text;
  for (const std::string& t : tokens) text += t;
  return text;
}

}  // namespace ll::infer
