// Hand-written recursive reader (depth-limited) rather than a patched string fed back to a strict parser:
// reading element by element is what lets a single damaged cell be skipped without losing the others.
#include "core/layout/tolerant_json_reader.h"

#include "core/infer/tokenizer/utf8.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace ll::layout {
namespace {

using nlohmann::json;

enum class Outcome { Complete, Truncated, Error };

bool isWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool isAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// LaTeX commands that start with n, r or t: "\nabla" written unescaped by the model reads as a newline
// followed by "abla" in strict JSON. Only these are treated as LaTeX; "\nThe" stays a newline.
bool startsLatexCommand(std::string_view rest) {
  static const char* const kCommands[] = {
      "nabla", "neq", "nearrow", "neg", "newline", "ni", "nleq", "ngeq", "nolimits", "notin", "not", "nu",
      "nwarrow", "ne", "rangle", "rceil", "rfloor", "rho", "rightarrow", "Rightarrow", "right", "rm", "rbrace",
      "theta", "tau", "times", "text", "textbf", "textit", "textrm", "tfrac", "tilde", "top", "triangle",
      "tan", "tanh", "to", "tt"};
  for (const char* cmd : kCommands) {
    std::string_view c(cmd);
    // rest starts with the letter after the backslash (n/r/t); the command must end at a non-letter.
    if (rest.size() >= c.size() && rest.substr(0, c.size()) == c &&
        (rest.size() == c.size() || !isAsciiLetter(rest[c.size()])))
      return true;
  }
  return false;
}

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  TolerantArray readAll() {
    TolerantArray result;
    skipWs();
    if (eof()) return result;
    bool inArray = false;
    if (s_[pos_] == '[') {
      inArray = true;
      ++pos_;
    } else if (s_[pos_] == '{') {
      note("the opening '[' was missing");
    } else {
      const size_t start = findJsonStart(pos_);
      if (start == std::string_view::npos) return result;
      note("skipped text before the JSON");
      pos_ = start;
      if (s_[pos_] == '[') {
        inArray = true;
        ++pos_;
      }
    }
    result.foundJson = true;
    bool previousWasElement = false;
    while (true) {
      skipWs();
      if (eof()) {
        if (inArray) {
          result.truncated = true;
          note("the closing ']' was missing");
        }
        break;
      }
      const char c = s_[pos_];
      if (c == ']') {
        ++pos_;
        skipWs();
        if (!eof()) note("ignored text after the JSON array");
        break;
      }
      if (c == ',') {
        ++pos_;
        previousWasElement = false;
        continue;
      }
      if (c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' ||
          c == 'n') {
        if (previousWasElement) note("inserted missing commas between cells");
        const size_t elementStart = pos_;
        json value;
        const Outcome outcome = readValue(value, 1);
        if (outcome == Outcome::Complete) {
          result.elements.push_back(std::move(value));
          previousWasElement = true;
          continue;
        }
        if (outcome == Outcome::Truncated) {
          result.truncated = true;
          if (!value.is_null()) result.incompleteTail = std::move(value);
          break;
        }
        note("skipped an unreadable cell");
        if (!resync(elementStart + 1)) break;
        previousWasElement = false;
        continue;
      }
      note("skipped stray characters between cells");
      if (!resync(pos_ + 1)) break;
      previousWasElement = false;
    }
    result.repairs = std::move(repairs_);
    return result;
  }

 private:
  bool eof() const { return pos_ >= s_.size(); }
  void skipWs() {
    while (!eof() && isWs(s_[pos_])) ++pos_;
  }
  void note(const std::string& what) {
    if (std::find(repairs_.begin(), repairs_.end(), what) == repairs_.end()) repairs_.push_back(what);
  }

  // The first '[' that opens an array of objects, or the first '{"'.
  size_t findJsonStart(size_t from) const {
    for (size_t i = from; i < s_.size(); ++i) {
      if (s_[i] != '[' && s_[i] != '{') continue;
      size_t j = i + 1;
      while (j < s_.size() && isWs(s_[j])) ++j;
      if (j >= s_.size()) continue;
      if (s_[i] == '[' && s_[j] == '{') return i;
      if (s_[i] == '{' && s_[j] == '"') return i;
    }
    return std::string_view::npos;
  }

  // Continues at the next object start after a damaged element; false when there is none.
  bool resync(size_t from) {
    for (size_t i = from; i < s_.size(); ++i) {
      if (s_[i] != '{') continue;
      size_t j = i + 1;
      while (j < s_.size() && isWs(s_[j])) ++j;
      if (j < s_.size() && s_[j] == '"') {
        pos_ = i;
        return true;
      }
    }
    pos_ = s_.size();
    return false;
  }

  Outcome readValue(json& out, int depth) {
    skipWs();
    if (eof()) return Outcome::Truncated;
    if (depth > kMaxJsonDepth) {
      note("nesting too deep");
      return Outcome::Error;
    }
    const char c = s_[pos_];
    if (c == '{') return readObject(out, depth);
    if (c == '[') return readArray(out, depth);
    if (c == '"') {
      std::string str;
      const Outcome o = readString(str, false);
      out = std::move(str);
      return o;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return readNumber(out);
    return readLiteral(out);
  }

  Outcome readObject(json& out, int depth) {
    out = json::object();
    ++pos_;  // '{'
    while (true) {
      skipWs();
      if (eof()) return Outcome::Truncated;
      const char c = s_[pos_];
      if (c == '}') {
        ++pos_;
        return Outcome::Complete;
      }
      if (c == ',') {
        ++pos_;
        continue;
      }
      if (c != '"') return Outcome::Error;
      std::string key;
      const Outcome keyOutcome = readString(key, true);
      if (keyOutcome != Outcome::Complete) return keyOutcome;
      skipWs();
      if (eof()) return Outcome::Truncated;
      if (s_[pos_] != ':') return Outcome::Error;
      ++pos_;
      json value;
      const Outcome valueOutcome = readValue(value, depth + 1);
      if (valueOutcome == Outcome::Error) return Outcome::Error;
      out[key] = std::move(value);
      if (valueOutcome == Outcome::Truncated) return Outcome::Truncated;
      skipWs();
      if (eof()) return Outcome::Truncated;
      const char next = s_[pos_];
      if (next == '"') {
        note("inserted missing commas between fields");
      } else if (next != ',' && next != '}') {
        return Outcome::Error;
      }
    }
  }

  Outcome readArray(json& out, int depth) {
    out = json::array();
    ++pos_;  // '['
    while (true) {
      skipWs();
      if (eof()) return Outcome::Truncated;
      const char c = s_[pos_];
      if (c == ']') {
        ++pos_;
        return Outcome::Complete;
      }
      if (c == ',') {
        ++pos_;
        continue;
      }
      json value;
      const Outcome o = readValue(value, depth + 1);
      if (o == Outcome::Error) return o;
      // A number cut off at the end of the text may be missing digits: keep only whole values.
      if (o == Outcome::Complete) out.push_back(std::move(value));
      if (o == Outcome::Truncated) {
        if (value.is_object() || value.is_array() || value.is_string()) out.push_back(std::move(value));
        return o;
      }
    }
  }

  // Whether the quote just read ends the string: only if what follows can follow a string in a cell.
  bool quoteEndsString(size_t after, bool isKey) const {
    size_t q = after;
    while (q < s_.size() && isWs(s_[q])) ++q;
    if (q >= s_.size()) return true;
    const char c = s_[q];
    if (isKey) return c == ':';
    if (c == '}' || c == ']') return true;
    if (c != ',') return false;
    ++q;
    while (q < s_.size() && isWs(s_[q])) ++q;
    return q >= s_.size() || s_[q] == '"' || s_[q] == '{' || s_[q] == '[';
  }

  // A string cut off inside a multi-byte character: drop the partial character so the text read so far
  // is an exact prefix of what the model meant.
  static void dropPartialUtf8Tail(std::string& s) {
    size_t i = s.size();
    size_t continuation = 0;
    while (i > 0 && continuation < 4 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) {
      --i;
      ++continuation;
    }
    if (i == 0) return;
    const auto lead = static_cast<unsigned char>(s[i - 1]);
    const size_t need = (lead & 0xE0) == 0xC0 ? 1 : (lead & 0xF0) == 0xE0 ? 2 : (lead & 0xF8) == 0xF0 ? 3 : 0;
    if (need > continuation) s.resize(i - 1);
  }

  Outcome readString(std::string& out, bool isKey) {
    ++pos_;  // opening quote
    while (true) {
      if (eof()) {
        dropPartialUtf8Tail(out);
        return Outcome::Truncated;
      }
      const char c = s_[pos_];
      if (c == '"') {
        if (quoteEndsString(pos_ + 1, isKey)) {
          ++pos_;
          return Outcome::Complete;
        }
        note("kept unescaped quotes inside text");
        out.push_back('"');
        ++pos_;
        continue;
      }
      if (c != '\\') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= s_.size()) {
        dropPartialUtf8Tail(out);
        return Outcome::Truncated;
      }
      const char e = s_[pos_ + 1];
      const std::string_view rest = s_.substr(pos_ + 1);
      switch (e) {
        case '"': out.push_back('"'); pos_ += 2; continue;
        case '\\': out.push_back('\\'); pos_ += 2; continue;
        case '/': out.push_back('/'); pos_ += 2; continue;
        case 'b':
        case 'f':
          // Backspace and form feed never occur in page text; a letter after them is LaTeX (\frac, \beta).
          if (pos_ + 2 < s_.size() && isAsciiLetter(s_[pos_ + 2])) break;
          out.push_back(e == 'b' ? '\b' : '\f');
          pos_ += 2;
          continue;
        case 'n':
        case 'r':
        case 't':
          if (startsLatexCommand(rest)) break;
          out.push_back(e == 'n' ? '\n' : e == 'r' ? '\r' : '\t');
          pos_ += 2;
          continue;
        case 'u': {
          if (pos_ + 6 > s_.size()) return Outcome::Truncated;
          uint32_t cp = 0;
          bool ok = true;
          for (size_t k = 2; k < 6; ++k) {
            const int h = hexValue(s_[pos_ + k]);
            if (h < 0) ok = false;
            cp = cp * 16 + static_cast<uint32_t>(h < 0 ? 0 : h);
          }
          if (!ok) break;  // "\underline": a LaTeX command, not an escape
          pos_ += 6;
          if (cp >= 0xD800 && cp < 0xDC00) {
            // High surrogate: pair it with the following low surrogate when there is one.
            if (pos_ + 6 <= s_.size() && s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
              uint32_t lo = 0;
              bool loOk = true;
              for (size_t k = 2; k < 6; ++k) {
                const int h = hexValue(s_[pos_ + k]);
                if (h < 0) loOk = false;
                lo = lo * 16 + static_cast<uint32_t>(h < 0 ? 0 : h);
              }
              if (loOk && lo >= 0xDC00 && lo < 0xE000) {
                pos_ += 6;
                infer::utf8::append(out, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
                continue;
              }
            }
            infer::utf8::append(out, 0xFFFD);
            continue;
          }
          infer::utf8::append(out, (cp >= 0xDC00 && cp < 0xE000) ? 0xFFFD : cp);
          continue;
        }
        default:
          break;
      }
      // Not a JSON escape: the model wrote a LaTeX command (\alpha, \sum, \[) without doubling the backslash.
      note("kept LaTeX backslashes that were not escaped");
      out.push_back('\\');
      ++pos_;
    }
  }

  Outcome readNumber(json& out) {
    const size_t start = pos_;
    while (!eof()) {
      const char c = s_[pos_];
      if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
        ++pos_;
      } else {
        break;
      }
    }
    if (eof()) return Outcome::Truncated;  // digits may be missing
    const std::string_view text = s_.substr(start, pos_ - start);
    const bool integral = text.find_first_of(".eE") == std::string_view::npos;
    if (integral) {
      int64_t v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) {
        out = v;
        return Outcome::Complete;
      }
    }
    double d = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
    if (r.ptr != text.data() + text.size() || text.empty()) return Outcome::Error;
    if (r.ec == std::errc::result_out_of_range) {
      // Overflow saturates to infinity so that the bbox check rejects it with a clear reason.
      const bool negative = text[0] == '-';
      const bool tiny = text.find_first_of("eE") != std::string_view::npos &&
                        text.find("e-") != std::string_view::npos;
      d = tiny ? 0.0 : (negative ? -HUGE_VAL : HUGE_VAL);
    } else if (r.ec != std::errc()) {
      return Outcome::Error;
    }
    out = d;
    return Outcome::Complete;
  }

  Outcome readLiteral(json& out) {
    static const std::pair<std::string_view, json> kLiterals[] = {
        {"true", json(true)}, {"false", json(false)}, {"null", json(nullptr)}};
    const std::string_view rest = s_.substr(pos_);
    for (const auto& [word, value] : kLiterals) {
      if (rest.size() >= word.size() && rest.substr(0, word.size()) == word) {
        pos_ += word.size();
        out = value;
        return Outcome::Complete;
      }
      if (rest.size() < word.size() && word.substr(0, rest.size()) == rest) return Outcome::Truncated;
    }
    return Outcome::Error;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::vector<std::string> repairs_;
};

}  // namespace

TolerantArray readTolerantArray(std::string_view text) { return Reader(text).readAll(); }

}  // namespace ll::layout
