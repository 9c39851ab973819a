#pragma once
// Hugging Face tokenizer.json tokenizers in plain C++ (no torch, no Qt): the byte-level BPE of Qwen2 /
// dots.ocr and the SentencePiece-style BPE with byte fallback of Gemma 3 / 3n. Encodes to and decodes from
// the exact ids the reference `tokenizers` library gives (checked by the golden tests).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ll::infer {

class Tokenizer {
 public:
  // Loads tokenizer.json and, when given, tokenizer_config.json (special token names, extra added tokens,
  // add_bos_token/add_eos_token where tokenizer.json has no post_processor). Throws std::runtime_error whose
  // message names the file and what is wrong with it.
  static Tokenizer fromFile(const std::string& tokenizerJson, const std::string& tokenizerConfigJson = "");
  // A Hugging Face model folder's tokenizer.json (+ tokenizer_config.json when present). Throws naming the
  // model (`modelName`, e.g. "dots.ocr") and the files a complete folder has (`folderContents`) when it is missing.
  static Tokenizer fromModelDirectory(const std::string& modelDir, const std::string& modelName,
                                      const std::string& folderContents);
  // Same from JSON text already in memory; `sourceName` is used in error messages.
  static Tokenizer fromJson(const std::string& tokenizerJsonText, const std::string& tokenizerConfigJsonText = "",
                            const std::string& sourceName = "tokenizer.json");

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Text is UTF-8; invalid byte sequences are replaced by U+FFFD first (what HF's bindings do when they turn
  // bytes into a string). Added/special tokens in the text are always recognised; addSpecialTokens only
  // controls what the post-processor adds (Gemma's <bos>; nothing for Qwen). Thread-safe.
  std::vector<int32_t> encode(const std::string& text, bool addSpecialTokens = true) const;
  // Unknown ids are skipped, as in HF. Invalid UTF-8 produced by byte tokens becomes U+FFFD.
  std::string decode(const std::vector<int32_t>& ids, bool skipSpecialTokens = false) const;

  std::optional<int32_t> tokenToId(const std::string& token) const;
  std::string idToToken(int32_t id) const;  // empty when the id is unknown
  // One more than the largest id of the vocabulary and the added tokens: the embedding rows ids index.
  size_t vocabSize() const;
  bool isSpecial(int32_t id) const;

  // Adds special tokens with fixed ids (dots.ocr's <|imgpad|> 151665, <|img|>, ... on top of Qwen's file).
  // An existing added token with the same text is re-numbered; one that held the id is removed. Not
  // thread-safe with concurrent encode/decode.
  void addSpecialTokens(const std::vector<std::pair<std::string, int32_t>>& tokens);

  // Special tokens named in tokenizer_config.json (bos_token, eos_token, pad_token, unk_token), when present.
  std::optional<int32_t> bosTokenId() const;
  std::optional<int32_t> eosTokenId() const;
  std::optional<int32_t> padTokenId() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class StreamingDecoder;
};

}  // namespace ll::infer
