// BPE as the Hugging Face implementation applies it: the word starts as one symbol per character (or byte),
// then the adjacent pair with the lowest merge rank is merged, leftmost first on ties, until no ranked pair
// is left. A min-heap of candidate pairs over a linked list of symbols makes this O(n log n), which matters
// for Gemma, whose pre-tokenizer leaves whole paragraphs as a single word.
#include "core/infer/tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>

#include "core/infer/tokenizer/byte_level_alphabet.h"
#include "core/infer/tokenizer/utf8.h"

namespace ll::infer {

// Open-addressing hash map from a pair of ids to (rank, merged id): the innermost lookup of BPE.
struct BpeModel::MergeTable {
  struct Slot {
    uint64_t key;
    int32_t rank;
    int32_t merged;
  };
  static constexpr uint64_t kEmpty = ~uint64_t(0);
  std::vector<Slot> slots;
  uint64_t mask = 0;

  explicit MergeTable(size_t count) {
    size_t capacity = 16;
    while (capacity < count * 2) capacity <<= 1;
    slots.assign(capacity, Slot{kEmpty, 0, 0});
    mask = capacity - 1;
  }
  static uint64_t hash(uint64_t key) {
    key ^= key >> 31;
    key *= 0x9E3779B97F4A7C15ull;
    return key ^ (key >> 29);
  }
  static uint64_t keyOf(int32_t left, int32_t right) { return (uint64_t(uint32_t(left)) << 32) | uint32_t(right); }
  void insert(int32_t left, int32_t right, int32_t rank, int32_t merged) {
    const uint64_t key = keyOf(left, right);
    for (uint64_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots[i].key == kEmpty || slots[i].key == key) {  // a repeated pair keeps the later rank, as HF does
        slots[i] = Slot{key, rank, merged};
        return;
      }
    }
  }
  const Slot* find(int32_t left, int32_t right) const {
    const uint64_t key = keyOf(left, right);
    for (uint64_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots[i].key == key) return &slots[i];
      if (slots[i].key == kEmpty) return nullptr;
    }
  }
};

// Results for short words; bounded like HF's (which also stops inserting once full).
struct BpeModel::WordCache {
  static constexpr size_t kCapacity = 65536;
  static constexpr size_t kMaxWordLength = 256;
  mutable std::shared_mutex mutex;
  std::unordered_map<std::string, std::vector<int32_t>> entries;
};

BpeModel::BpeModel(Config config) : config_(std::move(config)), cache_(std::make_unique<WordCache>()) {
  int32_t maxId = -1;
  for (const auto& [token, id] : config_.vocab) {
    if (id < 0) throw std::runtime_error("vocabulary id " + std::to_string(id) + " of \"" + token + "\" is negative");
    maxId = std::max(maxId, id);
  }
  vocabSize_ = config_.vocab.size();
  idToToken_.resize(size_t(maxId + 1));
  idPresent_.assign(size_t(maxId + 1), 0);
  for (const auto& [token, id] : config_.vocab) {
    idToToken_[size_t(id)] = token;
    idPresent_[size_t(id)] = 1;
  }

  bmpCharIds_.assign(0x10000, -1);
  for (const auto& [token, id] : config_.vocab) {
    if (token.empty() || token.size() > 4 || utf8::validSequenceLength(token, 0) != token.size()) continue;
    size_t length;
    const char32_t cp = utf8::decodeValid(token.data(), length);
    if (cp < 0x10000) {
      bmpCharIds_[cp] = id;
    } else {
      astralCharIds_[cp] = id;
    }
  }
  for (int b = 0; b < 256; ++b) {
    if (config_.byteLevelInput) {
      const std::string& ch = ByteLevelAlphabet::instance().charFor(uint8_t(b));
      size_t length;
      byteIds_[b] = charId(utf8::decodeValid(ch.data(), length));
    } else {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      const auto it = config_.vocab.find(name);
      byteIds_[b] = it == config_.vocab.end() ? -1 : it->second;
    }
  }
  if (config_.unkToken) {
    const auto it = config_.vocab.find(*config_.unkToken);
    if (it == config_.vocab.end()) {
      throw std::runtime_error("unk_token \"" + *config_.unkToken + "\" is not in the vocabulary");
    }
    unkId_ = it->second;
  }

  merges_ = std::make_unique<MergeTable>(config_.merges.size());
  for (size_t rank = 0; rank < config_.merges.size(); ++rank) {
    const auto& [left, right] = config_.merges[rank];
    const auto l = config_.vocab.find(left), r = config_.vocab.find(right);
    const auto m = config_.vocab.find(left + right);
    if (l == config_.vocab.end() || r == config_.vocab.end() || m == config_.vocab.end()) {
      throw std::runtime_error("merge " + std::to_string(rank) + " (\"" + left + "\" \"" + right +
                               "\") uses a token missing from the vocabulary");
    }
    merges_->insert(l->second, r->second, int32_t(rank), m->second);
  }
  config_.merges.clear();
  config_.merges.shrink_to_fit();
}

BpeModel::~BpeModel() = default;

int32_t BpeModel::charId(char32_t cp) const {
  if (cp < 0x10000) return bmpCharIds_[cp];
  const auto it = astralCharIds_.find(cp);
  return it == astralCharIds_.end() ? -1 : it->second;
}

std::optional<int32_t> BpeModel::tokenToId(const std::string& token) const {
  const auto it = config_.vocab.find(token);
  if (it == config_.vocab.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::idToToken(int32_t id) const {
  if (id < 0 || size_t(id) >= idToToken_.size() || !idPresent_[size_t(id)]) return nullptr;
  return &idToToken_[size_t(id)];
}

void BpeModel::appendInitialSymbols(std::string_view word, std::vector<int32_t>& symbols) const {
  if (config_.byteLevelInput) {
    // A vocabulary lacking a byte's character gives unk, or nothing when there is no unk (as HF does).
    for (unsigned char b : word) {
      if (byteIds_[b] >= 0) {
        symbols.push_back(byteIds_[b]);
      } else if (unkId_) {
        symbols.push_back(*unkId_);
      }
    }
    return;
  }
  // Unknown characters: byte fallback when every byte token exists, else the unk token (fused or not).
  // HF appends a pending unk only when the next known character arrives; byte-fallback characters do not
  // flush it. We keep that order.
  std::optional<int32_t> pendingUnk;
  for (size_t i = 0; i < word.size();) {
    size_t length;
    const char32_t cp = utf8::decodeValid(word.data() + i, length);
    const int32_t id = charId(cp);
    if (id >= 0) {
      if (pendingUnk) symbols.push_back(*pendingUnk), pendingUnk.reset();
      symbols.push_back(id);
    } else {
      bool fellBack = false;
      if (config_.byteFallback) {
        fellBack = true;
        for (size_t k = 0; k < length; ++k) fellBack = fellBack && byteIds_[static_cast<unsigned char>(word[i + k])] >= 0;
        if (fellBack) {
          for (size_t k = 0; k < length; ++k) symbols.push_back(byteIds_[static_cast<unsigned char>(word[i + k])]);
        }
      }
      if (!fellBack && unkId_) {
        if (pendingUnk && !config_.fuseUnk) symbols.push_back(*pendingUnk);
        pendingUnk = *unkId_;
      }
    }
    i += length;
  }
  if (pendingUnk) symbols.push_back(*pendingUnk);
}

void BpeModel::applyMerges(std::vector<int32_t>& ids) const {
  const size_t n = ids.size();
  if (n < 2) return;
  struct Candidate {
    int32_t rank;
    int32_t pos;
    int32_t left;
    int32_t right;
    int32_t merged;
  };
  const auto later = [](const Candidate& a, const Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  thread_local std::vector<int32_t> next, prev;
  thread_local std::vector<Candidate> heap;
  next.resize(n);
  prev.resize(n);
  heap.clear();
  for (size_t i = 0; i < n; ++i) {
    prev[i] = int32_t(i) - 1;
    next[i] = i + 1 < n ? int32_t(i + 1) : -1;
  }
  for (size_t i = 0; i + 1 < n; ++i) {
    if (const auto* m = merges_->find(ids[i], ids[i + 1])) {
      heap.push_back({m->rank, int32_t(i), ids[i], ids[i + 1], m->merged});
    }
  }
  std::make_heap(heap.begin(), heap.end(), later);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const Candidate c = heap.back();
    heap.pop_back();
    const int32_t pos = c.pos;
    if (ids[size_t(pos)] != c.left) continue;  // the left symbol was merged away or changed
    const int32_t right = next[size_t(pos)];
    if (right < 0 || ids[size_t(right)] != c.right) continue;
    ids[size_t(pos)] = c.merged;
    ids[size_t(right)] = -1;
    next[size_t(pos)] = next[size_t(right)];
    if (next[size_t(pos)] >= 0) prev[size_t(next[size_t(pos)])] = pos;
    if (prev[size_t(pos)] >= 0) {
      const int32_t p = prev[size_t(pos)];
      if (const auto* m = merges_->find(ids[size_t(p)], c.merged)) {
        heap.push_back({m->rank, p, ids[size_t(p)], c.merged, m->merged});
        std::push_heap(heap.begin(), heap.end(), later);
      }
    }
    if (next[size_t(pos)] >= 0) {
      const int32_t q = next[size_t(pos)];
      if (const auto* m = merges_->find(c.merged, ids[size_t(q)])) {
        heap.push_back({m->rank, pos, c.merged, ids[size_t(q)], m->merged});
        std::push_heap(heap.begin(), heap.end(), later);
      }
    }
  }
  ids.erase(std::remove(ids.begin(), ids.end(), -1), ids.end());
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (config_.ignoreMerges) {
    std::string key;
    if (config_.byteLevelInput) {
      for (unsigned char b : word) key += ByteLevelAlphabet::instance().charFor(b);
    } else {
      key.assign(word);
    }
    if (const auto id = tokenToId(key)) {
      out.push_back(*id);
      return;
    }
  }
  const bool cacheable = word.size() < WordCache::kMaxWordLength;
  if (cacheable) {
    std::shared_lock lock(cache_->mutex);
    const auto it = cache_->entries.find(std::string(word));
    if (it != cache_->entries.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  thread_local std::vector<int32_t> symbols;
  symbols.clear();
  appendInitialSymbols(word, symbols);
  applyMerges(symbols);
  out.insert(out.end(), symbols.begin(), symbols.end());
  if (cacheable) {
    std::unique_lock lock(cache_->mutex);
    if (cache_->entries.size() < WordCache::kCapacity) cache_->entries.emplace(std::string(word), symbols);
  }
}

}  // namespace ll::infer
