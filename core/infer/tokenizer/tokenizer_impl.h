#pragma once
// The parts a Tokenizer is made of; shared by tokenizer.cpp (running them) and tokenizer_json.cpp (building
// them from tokenizer.json). Internal to the tokenizer folder.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/infer/tokenizer/added_vocabulary.h"
#include "core/infer/tokenizer/bpe_model.h"
#include "core/infer/tokenizer/pre_tokenizer.h"
#include "core/infer/tokenizer/text_normalizer.h"
#include "core/infer/tokenizer/token_decoder.h"
#include "core/infer/tokenizer/tokenizer.h"

namespace ll::infer {

// The post_processor reduced to what single-sequence encoding needs: the ids placed before and after it.
struct PostProcessorTemplate {
  std::vector<int32_t> prefix;
  std::vector<int32_t> suffix;
};

struct Tokenizer::Impl {
  TextNormalizer normalizer;
  PreTokenizer preTokenizer;
  std::unique_ptr<BpeModel> model;
  AddedVocabulary added;
  TokenDecoder decoder;
  PostProcessorTemplate post;
  std::optional<std::string> bosToken, eosToken, padToken;

  void appendIds(std::string_view validText, std::vector<int32_t>& ids) const;
  std::optional<int32_t> idOf(const std::string& token) const;
  // The string of id for decoding, or nullptr when it is skipped (unknown, or special and skipped).
  const std::string* tokenForDecode(int32_t id, bool skipSpecial) const;
};

}  // namespace ll::infer
