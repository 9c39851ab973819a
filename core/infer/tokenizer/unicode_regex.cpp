// PCRE2 wrapper. Oniguruma (what HF compiles its patterns with) treats U+0085 (NEL) as \s; PCRE2 10.42's
// UCP \s covers only the Z categories and ASCII space characters, so the pattern is rewritten to add NEL
// wherever \s or \S occurs. Input is repaired to valid UTF-8 before it gets here, so the per-call UTF check
// is skipped.
#include "core/infer/tokenizer/unicode_regex.h"

#include <pcre2.h>

#include <stdexcept>

namespace ll::infer {

namespace {

// Rewrites \s / \S so they also cover U+0085, inside and outside character classes.
std::string withOnigurumaWhitespace(const std::string& pattern) {
  std::string out;
  out.reserve(pattern.size() + 16);
  bool inClass = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[i + 1];
      ++i;
      if (e == 's') {
        out += inClass ? "\\s\\x{85}" : "[\\s\\x{85}]";
      } else if (e == 'S') {
        if (inClass) {
          out += "\\S";  // a negated set inside a class cannot be expressed exactly; keep PCRE2's meaning
        } else {
          out += "[^\\s\\x{85}]";
        }
      } else {
        out += c;
        out += e;
      }
      continue;
    }
    if (!inClass && c == '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (inClass && c == ']') inClass = false;
    out += c;
  }
  return out;
}

}  // namespace

struct UnicodeRegex::Impl {
  pcre2_code* code = nullptr;
  pcre2_code* anchored = nullptr;
  ~Impl() {
    pcre2_code_free(code);
    pcre2_code_free(anchored);
  }
};

static pcre2_code* compilePattern(const std::string& original, const std::string& pattern, uint32_t extra) {
  int error = 0;
  PCRE2_SIZE errorOffset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP | extra, &error, &errorOffset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw std::runtime_error("regular expression \"" + original + "\" does not compile: " +
                             reinterpret_cast<const char*>(message) + " (at offset " +
                             std::to_string(errorOffset) + ")");
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter when JIT is unavailable
  return code;
}

UnicodeRegex::UnicodeRegex(const std::string& pattern) : impl_(std::make_unique<Impl>()) {
  const std::string rewritten = withOnigurumaWhitespace(pattern);
  impl_->code = compilePattern(pattern, rewritten, 0);
  impl_->anchored = compilePattern(pattern, rewritten, PCRE2_ANCHORED);
}

UnicodeRegex::~UnicodeRegex() = default;

namespace {

struct MatchData {
  pcre2_match_data* data = pcre2_match_data_create(4, nullptr);
  ~MatchData() { pcre2_match_data_free(data); }
};

pcre2_match_data* threadMatchData() {
  thread_local MatchData matchData;
  return matchData.data;
}

}  // namespace

void UnicodeRegex::findAll(std::string_view text, std::vector<std::pair<size_t, size_t>>& matches) const {
  pcre2_match_data* md = threadMatchData();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t offset = 0;
  while (offset < text.size()) {
    const int rc = pcre2_match(impl_->code, subject, text.size(), offset, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(rc, message, sizeof message);
      throw std::runtime_error(std::string("regular expression match failed: ") +
                               reinterpret_cast<const char*>(message));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    size_t begin = ov[0], end = ov[1];
    if (end == begin) {  // skip empty matches, stepping over one whole character
      offset = begin + 1;
      while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) ++offset;
      continue;
    }
    matches.emplace_back(begin, end);
    offset = end;
  }
}

bool UnicodeRegex::matchesAt(std::string_view text, size_t offset) const {
  if (offset > text.size()) return false;
  const int rc = pcre2_match(impl_->anchored, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), offset,
                             PCRE2_NO_UTF_CHECK, threadMatchData(), nullptr);
  return rc > 0;
}

}  // namespace ll::infer
