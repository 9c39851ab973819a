#pragma once
// Added tokens (special tokens such as <|imgpad|>, <start_of_image>, and Gemma's whitespace runs): they are
// cut out of the text before normalisation and pre-tokenisation, and keep their own ids. Matching follows
// HF: leftmost-longest over all tokens; tokens flagged `normalized` are matched in the normalised text, the
// others in the raw text; single_word, lstrip and rstrip behave as in HF's AddedVocabulary.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ll::infer {

class TextNormalizer;

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool singleWord = false;
};

class AddedVocabulary {
 public:
  // A token with the same content replaces the old one; a token taking an id held by another added token
  // evicts it (dots.ocr re-purposes Qwen ids this way).
  void add(const AddedToken& token);
  // Rebuilds the matchers; call after the last add() and whenever the normaliser changes.
  void rebuild(const TextNormalizer* normalizer);

  const AddedToken* byId(int32_t id) const;
  std::optional<int32_t> idOf(const std::string& content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }
  bool empty() const { return tokens_.empty(); }

  struct Segment {
    size_t begin;
    size_t end;
    int32_t id;  // -1: ordinary text
  };
  // Splits text into ordinary segments and added-token segments, covering it in order. `normalizedSet`
  // selects the tokens matched in normalised text.
  void split(std::string_view text, bool normalizedSet, std::vector<Segment>& segments) const;

 private:
  struct Trie {
    struct Node {
      std::vector<std::pair<unsigned char, int32_t>> children;  // sorted by byte
      int32_t token = -1;                                     // index into tokens_
    };
    std::vector<Node> nodes;
    bool firstByte[256] = {};
    void clear();
    void insert(std::string_view pattern, int32_t tokenIndex);
    // Longest pattern starting at pos: returns its end and token index, or token -1.
    std::pair<size_t, int32_t> longestAt(std::string_view text, size_t pos) const;
  };

  std::vector<AddedToken> tokens_;
  std::unordered_map<std::string, size_t> byContent_;
  std::unordered_map<int32_t, size_t> byId_;
  Trie raw_, normalized_;
};

}  // namespace ll::infer
