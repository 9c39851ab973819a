// Encoding runs HF's pipeline in its order: cut out raw-matched added tokens, normalise each remaining
// piece, cut out normalised-matched added tokens, pre-tokenise, run BPE per word, then the post-processor.
#include "core/infer/tokenizer/tokenizer.h"

#include <algorithm>
#include <deque>
#include <stdexcept>

#include "core/infer/tokenizer/tokenizer_impl.h"
#include "core/infer/tokenizer/utf8.h"

namespace ll::infer {

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

void Tokenizer::Impl::appendIds(std::string_view text, std::vector<int32_t>& ids) const {
  std::vector<AddedVocabulary::Segment> rawSegments, normalizedSegments;
  std::vector<std::string_view> words;
  std::deque<std::string> arena;
  added.split(text, false, rawSegments);
  for (const auto& raw : rawSegments) {
    if (raw.id >= 0) {
      ids.push_back(raw.id);
      continue;
    }
    const std::string_view piece = text.substr(raw.begin, raw.end - raw.begin);
    std::string normalizedStorage;
    std::string_view normalized = piece;
    if (!normalizer.empty()) {
      normalizedStorage = normalizer.apply(piece);
      normalized = normalizedStorage;
    }
    normalizedSegments.clear();
    added.split(normalized, true, normalizedSegments);
    for (const auto& seg : normalizedSegments) {
      if (seg.id >= 0) {
        ids.push_back(seg.id);
        continue;
      }
      const std::string_view sub = normalized.substr(seg.begin, seg.end - seg.begin);
      words.clear();
      preTokenizer.split(sub, words, arena);
      for (std::string_view word : words) model->tokenize(word, ids);
    }
  }
}

std::optional<int32_t> Tokenizer::Impl::idOf(const std::string& token) const {
  if (const auto id = added.idOf(token)) return id;
  return model->tokenToId(token);
}

const std::string* Tokenizer::Impl::tokenForDecode(int32_t id, bool skipSpecial) const {
  if (const AddedToken* t = added.byId(id)) return skipSpecial && t->special ? nullptr : &t->content;
  const std::string* token = model->idToToken(id);
  // A model token whose text is also a special added token counts as special (HF compares strings).
  if (token && skipSpecial) {
    if (const auto addedId = added.idOf(*token)) {
      if (const AddedToken* t = added.byId(*addedId); t && t->special) return nullptr;
    }
  }
  return token;
}

std::vector<int32_t> Tokenizer::encode(const std::string& text, bool addSpecialTokens) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  if (addSpecialTokens) ids.insert(ids.end(), impl_->post.prefix.begin(), impl_->post.prefix.end());
  if (utf8::isValid(text)) {
    impl_->appendIds(text, ids);
  } else {
    impl_->appendIds(utf8::repairLossy(text), ids);
  }
  if (addSpecialTokens) ids.insert(ids.end(), impl_->post.suffix.begin(), impl_->post.suffix.end());
  return ids;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skipSpecialTokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    if (const std::string* token = impl_->tokenForDecode(id, skipSpecialTokens)) tokens.push_back(*token);
  }
  return impl_->decoder.decode(std::move(tokens));
}

std::optional<int32_t> Tokenizer::tokenToId(const std::string& token) const { return impl_->idOf(token); }

std::string Tokenizer::idToToken(int32_t id) const {
  const std::string* token = impl_->tokenForDecode(id, false);
  return token ? *token : std::string();
}

size_t Tokenizer::vocabSize() const {
  int32_t maxId = impl_->model->maxId();
  for (const AddedToken& t : impl_->added.tokens()) maxId = std::max(maxId, t.id);
  return size_t(maxId + 1);
}

bool Tokenizer::isSpecial(int32_t id) const {
  const AddedToken* t = impl_->added.byId(id);
  return t && t->special;
}

void Tokenizer::addSpecialTokens(const std::vector<std::pair<std::string, int32_t>>& tokens) {
  for (const auto& [content, id] : tokens) {
    if (id < 0 || content.empty()) {
      throw std::invalid_argument("special token \"" + content + "\" with id " + std::to_string(id) +
                                  ": the text must be non-empty and the id non-negative");
    }
  }
  for (const auto& [content, id] : tokens) {
    AddedToken t;
    t.content = content;
    t.id = id;
    t.special = true;
    impl_->added.add(t);
  }
  impl_->added.rebuild(&impl_->normalizer);
}

std::optional<int32_t> Tokenizer::bosTokenId() const {
  return impl_->bosToken ? impl_->idOf(*impl_->bosToken) : std::nullopt;
}
std::optional<int32_t> Tokenizer::eosTokenId() const {
  return impl_->eosToken ? impl_->idOf(*impl_->eosToken) : std::nullopt;
}
std::optional<int32_t> Tokenizer::padTokenId() const {
  return impl_->padToken ? impl_->idOf(*impl_->padToken) : std::nullopt;
}

}  // namespace ll::infer
