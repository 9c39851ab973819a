#pragma once
// The BPE model of a Hugging Face tokenizer.json: vocabulary, ranked merges, unknown/byte-fallback handling
// and a per-word result cache. It turns one pre-tokenised word into ids; everything around it (added tokens,
// normalisation, splitting) lives in Tokenizer.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ll::infer {

class BpeModel {
 public:
  struct Config {
    std::unordered_map<std::string, int32_t> vocab;
    std::vector<std::pair<std::string, std::string>> merges;  // in rank order
    // Words arrive as raw bytes and each byte stands for its GPT-2 byte-level character (ByteLevel
    // pre-tokenizer); otherwise words are UTF-8 text looked up character by character.
    bool byteLevelInput = false;
    bool byteFallback = false;           // unknown characters become <0xXX> byte tokens
    std::optional<std::string> unkToken;
    bool fuseUnk = false;                // consecutive unknown characters give one unk id
    bool ignoreMerges = false;           // a word that is itself a vocabulary entry skips the merges
  };

  // Throws std::runtime_error when a merge names a token missing from the vocabulary.
  explicit BpeModel(Config config);
  ~BpeModel();
  BpeModel(const BpeModel&) = delete;
  BpeModel& operator=(const BpeModel&) = delete;

  // Appends the ids of one word. Thread-safe.
  void tokenize(std::string_view word, std::vector<int32_t>& out) const;

  std::optional<int32_t> tokenToId(const std::string& token) const;
  // The vocabulary string of id, or nullptr when the model has no such id.
  const std::string* idToToken(int32_t id) const;
  size_t vocabularySize() const { return vocabSize_; }
  int32_t maxId() const { return static_cast<int32_t>(idToToken_.size()) - 1; }
  bool byteLevelInput() const { return config_.byteLevelInput; }

 private:
  struct MergeTable;
  struct WordCache;

  void appendInitialSymbols(std::string_view word, std::vector<int32_t>& symbols) const;
  void applyMerges(std::vector<int32_t>& symbols) const;
  int32_t charId(char32_t cp) const;

  Config config_;
  size_t vocabSize_ = 0;
  std::vector<std::string> idToToken_;
  std::vector<uint8_t> idPresent_;
  std::unique_ptr<MergeTable> merges_;
  std::unique_ptr<WordCache> cache_;
  int32_t byteIds_[256];              // byte-level: id of each byte's character; byte fallback: <0xXX>
  std::vector<int32_t> bmpCharIds_;   // id of single-character tokens below U+10000 (-1 when absent)
  std::unordered_map<char32_t, int32_t> astralCharIds_;
  std::optional<int32_t> unkId_;
};

}  // namespace ll::infer
