// Split semantics follow HF's NormalizedString::split: the pattern's matches and the gaps between them cover
// the text; the behaviour decides which pieces are kept and how matches join their neighbours; empty pieces
// are dropped.
#include "core/infer/tokenizer/pre_tokenizer.h"

#include <algorithm>
#include <utility>

namespace ll::infer {

namespace {

struct Piece {
  size_t begin;
  size_t end;
  bool isMatch;
};

std::vector<Piece> piecesOf(std::string_view text, const std::vector<std::pair<size_t, size_t>>& matches, bool invert) {
  std::vector<Piece> pieces;
  size_t last = 0;
  for (const auto& [b, e] : matches) {
    if (b > last) pieces.push_back({last, b, invert});
    pieces.push_back({b, e, !invert});
    last = e;
  }
  if (last < text.size()) pieces.push_back({last, text.size(), invert});
  return pieces;
}

std::vector<std::pair<size_t, size_t>> applyBehavior(const std::vector<Piece>& pieces, SplitBehavior behavior) {
  std::vector<std::pair<size_t, size_t>> out;
  bool previousMatch = false;
  switch (behavior) {
    case SplitBehavior::Removed:
      for (const Piece& p : pieces) if (!p.isMatch) out.emplace_back(p.begin, p.end);
      break;
    case SplitBehavior::Isolated:
      for (const Piece& p : pieces) out.emplace_back(p.begin, p.end);
      break;
    case SplitBehavior::MergedWithPrevious:
      for (const Piece& p : pieces) {
        if (p.isMatch && !previousMatch && !out.empty()) {
          out.back().second = p.end;
        } else {
          out.emplace_back(p.begin, p.end);
        }
        previousMatch = p.isMatch;
      }
      break;
    case SplitBehavior::MergedWithNext:
      for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
        if (it->isMatch && !previousMatch && !out.empty()) {
          out.back().first = it->begin;
        } else {
          out.emplace_back(it->begin, it->end);
        }
        previousMatch = it->isMatch;
      }
      std::reverse(out.begin(), out.end());
      break;
    case SplitBehavior::Contiguous:
      for (const Piece& p : pieces) {
        if (p.isMatch == previousMatch && !out.empty()) {
          out.back().second = p.end;
        } else {
          out.emplace_back(p.begin, p.end);
        }
        previousMatch = p.isMatch;
      }
      break;
  }
  return out;
}

void literalMatches(std::string_view text, const std::string& literal, std::vector<std::pair<size_t, size_t>>& out) {
  if (literal.empty()) return;
  for (size_t at = text.find(literal); at != std::string_view::npos; at = text.find(literal, at + literal.size())) {
    out.emplace_back(at, at + literal.size());
  }
}

}  // namespace

const std::string& gpt2PreTokenizerPattern() {
  static const std::string pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
  return pattern;
}

bool PreTokenizer::hasByteLevel() const {
  for (const Step& s : steps_) if (s.kind == Step::Kind::ByteLevel) return true;
  return false;
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& words,
                         std::deque<std::string>& arena) const {
  if (text.empty()) return;
  std::vector<std::string_view> current{text}, next;
  std::vector<std::pair<size_t, size_t>> matches;
  for (const Step& step : steps_) {
    next.clear();
    for (std::string_view piece : current) {
      if (step.kind == Step::Kind::ByteLevel) {
        if (step.addPrefixSpace && piece.front() != ' ') {
          arena.push_back(" " + std::string(piece));
          piece = arena.back();
        }
        if (!step.regex) {
          next.push_back(piece);
          continue;
        }
      }
      matches.clear();
      if (step.kind == Step::Kind::SplitLiteral) {
        literalMatches(piece, step.literal, matches);
      } else {
        step.regex->findAll(piece, matches);
      }
      const SplitBehavior behavior = step.kind == Step::Kind::ByteLevel ? SplitBehavior::Isolated : step.behavior;
      for (const auto& [b, e] : applyBehavior(piecesOf(piece, matches, step.invert), behavior)) {
        if (e > b) next.push_back(piece.substr(b, e - b));
      }
    }
    std::swap(current, next);
  }
  words.insert(words.end(), current.begin(), current.end());
}

}  // namespace ll::infer
