#pragma once
// Reads tokenizer.json in one streaming (SAX) pass. The vocabulary and merges (hundreds of thousands of
// entries: most of the 11-33 MB) go straight into the tables BPE needs; only the small rest becomes a JSON
// document. Building and freeing a full DOM for them cost more than parsing itself.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ll::infer {

struct StreamedModelTables {
  bool haveVocab = false;
  bool haveMerges = false;
  std::unordered_map<std::string, int32_t> vocab;
  std::vector<std::pair<std::string, std::string>> merges;
};

// Returns the document without model.vocab and model.merges, which are moved into `tables`. Throws
// std::runtime_error("is not valid JSON: ...") or a message naming a malformed vocab/merges entry.
nlohmann::json readTokenizerJson(const std::string& text, StreamedModelTables& tables);

}  // namespace ll::infer
