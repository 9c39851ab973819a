// A byte trie per token set, probed only at positions whose byte can start a token; the first position with
// any match wins and the longest token there is taken (aho-corasick LeftmostLongest, which HF uses).
#include "core/infer/tokenizer/added_vocabulary.h"

#include <algorithm>

#include "core/infer/tokenizer/text_normalizer.h"
#include "core/infer/tokenizer/unicode_regex.h"
#include "core/infer/tokenizer/utf8.h"

namespace ll::infer {

namespace {

// HF's single_word test: is the character next to the token a word character (regex \w)?
bool isWordCharacterAt(std::string_view text, size_t pos) {
  static const UnicodeRegex word("\\w");
  return word.matchesAt(text, pos);
}

size_t previousCharStart(std::string_view text, size_t pos) {
  size_t i = pos;
  while (i > 0) {
    --i;
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) break;
  }
  return i;
}

}  // namespace

void AddedVocabulary::Trie::clear() {
  nodes.assign(1, Node{});
  std::fill(std::begin(firstByte), std::end(firstByte), false);
}

void AddedVocabulary::Trie::insert(std::string_view pattern, int32_t tokenIndex) {
  if (pattern.empty()) return;
  if (nodes.empty()) nodes.emplace_back();
  firstByte[static_cast<unsigned char>(pattern[0])] = true;
  int32_t node = 0;
  for (unsigned char b : pattern) {
    auto& children = nodes[size_t(node)].children;
    auto it = std::lower_bound(children.begin(), children.end(), b,
                               [](const auto& child, unsigned char key) { return child.first < key; });
    if (it != children.end() && it->first == b) {
      node = it->second;
    } else {
      const auto created = int32_t(nodes.size());
      children.insert(it, {b, created});
      nodes.emplace_back();  // invalidates `children`; not used after this
      node = created;
    }
  }
  nodes[size_t(node)].token = tokenIndex;
}

std::pair<size_t, int32_t> AddedVocabulary::Trie::longestAt(std::string_view text, size_t pos) const {
  std::pair<size_t, int32_t> best{pos, -1};
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto& children = nodes[size_t(node)].children;
    const auto b = static_cast<unsigned char>(text[i]);
    auto it = std::lower_bound(children.begin(), children.end(), b,
                               [](const auto& child, unsigned char key) { return child.first < key; });
    if (it == children.end() || it->first != b) break;
    node = it->second;
    if (nodes[size_t(node)].token >= 0) best = {i + 1, nodes[size_t(node)].token};
  }
  return best;
}

void AddedVocabulary::add(const AddedToken& token) {
  const auto sameContent = byContent_.find(token.content);
  const auto sameId = byId_.find(token.id);
  const bool evicts = sameId != byId_.end() && (sameContent == byContent_.end() || sameId->second != sameContent->second);
  if (!evicts && sameContent == byContent_.end()) {  // the common case while loading: a new token
    byContent_.emplace(token.content, tokens_.size());
    byId_.emplace(token.id, tokens_.size());
    tokens_.push_back(token);
    return;
  }
  if (sameContent != byContent_.end()) {
    tokens_[sameContent->second] = token;
  } else {
    tokens_.push_back(token);
  }
  if (evicts) tokens_.erase(tokens_.begin() + std::ptrdiff_t(sameId->second));  // the token that held the id
  byContent_.clear();
  byId_.clear();
  for (size_t i = 0; i < tokens_.size(); ++i) {
    byContent_[tokens_[i].content] = i;
    byId_[tokens_[i].id] = i;
  }
}

void AddedVocabulary::rebuild(const TextNormalizer* normalizer) {
  raw_.clear();
  normalized_.clear();
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    if (t.normalized && normalizer && !normalizer->empty()) {
      normalized_.insert(normalizer->apply(t.content), int32_t(i));
    } else if (t.normalized) {
      normalized_.insert(t.content, int32_t(i));
    } else {
      raw_.insert(t.content, int32_t(i));
    }
  }
}

const AddedToken* AddedVocabulary::byId(int32_t id) const {
  const auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : &tokens_[it->second];
}

std::optional<int32_t> AddedVocabulary::idOf(const std::string& content) const {
  const auto it = byContent_.find(content);
  if (it == byContent_.end()) return std::nullopt;
  return tokens_[it->second].id;
}

void AddedVocabulary::split(std::string_view text, bool normalizedSet, std::vector<Segment>& segments) const {
  const Trie& trie = normalizedSet ? normalized_ : raw_;
  size_t emitted = 0;  // end of what is already in `segments`
  if (trie.nodes.size() > 1) {
    for (size_t pos = 0; pos < text.size();) {
      if (!trie.firstByte[static_cast<unsigned char>(text[pos])]) {
        ++pos;
        continue;
      }
      const auto [matchEnd, index] = trie.longestAt(text, pos);
      if (index < 0) {
        ++pos;
        continue;
      }
      const AddedToken& token = tokens_[size_t(index)];
      size_t start = pos, stop = matchEnd;
      if (token.singleWord) {
        const bool wordBefore = start > 0 && isWordCharacterAt(text, previousCharStart(text, start));
        const bool wordAfter = stop < text.size() && isWordCharacterAt(text, stop);
        if (wordBefore || wordAfter) {
          pos = matchEnd;  // HF's match iterator resumes after a rejected match, not inside it
          continue;
        }
      }
      if (token.lstrip) {
        size_t s = start;
        while (s > emitted) {
          const size_t p = previousCharStart(text, s);
          size_t length;
          if (!utf8::isWhitespace(utf8::decodeValid(text.data() + p, length))) break;
          s = p;
        }
        start = s;
      }
      if (token.rstrip) {
        while (stop < text.size()) {
          size_t length;
          if (!utf8::isWhitespace(utf8::decodeValid(text.data() + stop, length))) break;
          stop += length;
        }
      }
      if (start > emitted) segments.push_back({emitted, start, -1});
      segments.push_back({start, stop, token.id});
      emitted = stop;
      pos = std::max(matchEnd, stop);
    }
  }
  if (emitted < text.size()) segments.push_back({emitted, text.size(), -1});
}

}  // namespace ll::infer
