// Builds a Tokenizer from tokenizer.json (+ tokenizer_config.json). Every component type we do not implement
// is rejected with a message naming it, rather than silently tokenising differently from the reference.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/infer/tokenizer/tokenizer.h"
#include "core/infer/tokenizer/tokenizer_impl.h"
#include "core/infer/tokenizer/tokenizer_json_reader.h"

namespace ll::infer {

namespace {

using json = nlohmann::json;

struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& what) { throw LoadError(what); }

const json& member(const json& object, const char* key) {
  static const json null;
  const auto it = object.find(key);
  return it == object.end() ? null : *it;
}

std::string typeOf(const json& j, const char* stage) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    fail(std::string(stage) + " has no \"type\" string");
  }
  return j["type"].get<std::string>();
}

bool flag(const json& j, const char* key, bool fallback = false) {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? fallback : it->get<bool>();
}

// A Split/Replace pattern: {"String": "..."} or {"Regex": "..."}.
struct Pattern {
  bool isRegex;
  std::string text;
};
Pattern patternOf(const json& j, const char* stage) {
  if (j.contains("String")) return {false, j["String"].get<std::string>()};
  if (j.contains("Regex")) return {true, j["Regex"].get<std::string>()};
  fail(std::string(stage) + " pattern is neither {\"String\": ...} nor {\"Regex\": ...}");
}

void addNormalizer(const json& j, TextNormalizer& normalizer) {
  if (j.is_null()) return;
  const std::string type = typeOf(j, "normalizer");
  if (type == "Sequence") {
    for (const json& n : j.at("normalizers")) addNormalizer(n, normalizer);
  } else if (type == "NFC") {
    normalizer.addStep({TextNormalizer::Kind::Nfc, {}, {}});
  } else if (type == "Replace") {
    const Pattern p = patternOf(j.at("pattern"), "Replace normalizer");
    if (p.isRegex) fail("Replace normalizer with a Regex pattern is not supported (only String patterns)");
    normalizer.addStep({TextNormalizer::Kind::ReplaceLiteral, p.text, j.at("content").get<std::string>()});
  } else if (type == "Prepend") {
    normalizer.addStep({TextNormalizer::Kind::Prepend, {}, j.at("prepend").get<std::string>()});
  } else {
    fail("unsupported normalizer type \"" + type + "\" (supported: NFC, Replace, Prepend, Sequence)");
  }
}

SplitBehavior behaviorOf(const std::string& name) {
  if (name == "Removed") return SplitBehavior::Removed;
  if (name == "Isolated") return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (name == "Contiguous") return SplitBehavior::Contiguous;
  fail("unknown Split behavior \"" + name + "\"");
}

void addPreTokenizer(const json& j, PreTokenizer& pre) {
  if (j.is_null()) return;
  const std::string type = typeOf(j, "pre_tokenizer");
  if (type == "Sequence") {
    for (const json& p : j.at("pretokenizers")) addPreTokenizer(p, pre);
  } else if (type == "Split") {
    const Pattern p = patternOf(j.at("pattern"), "Split pre_tokenizer");
    PreTokenizer::Step step;
    step.kind = p.isRegex ? PreTokenizer::Step::Kind::SplitRegex : PreTokenizer::Step::Kind::SplitLiteral;
    if (p.isRegex) step.regex = std::make_shared<UnicodeRegex>(p.text);
    step.literal = p.text;
    step.behavior = behaviorOf(j.at("behavior").get<std::string>());
    step.invert = flag(j, "invert");
    pre.addStep(std::move(step));
  } else if (type == "ByteLevel") {
    PreTokenizer::Step step;
    step.kind = PreTokenizer::Step::Kind::ByteLevel;
    step.addPrefixSpace = flag(j, "add_prefix_space", true);
    if (flag(j, "use_regex", true)) step.regex = std::make_shared<UnicodeRegex>(gpt2PreTokenizerPattern());
    pre.addStep(std::move(step));
  } else {
    fail("unsupported pre_tokenizer type \"" + type + "\" (supported: Split, ByteLevel, Sequence)");
  }
}

void addDecoder(const json& j, TokenDecoder& decoder) {
  if (j.is_null()) return;
  const std::string type = typeOf(j, "decoder");
  using Kind = TokenDecoder::Step::Kind;
  if (type == "Sequence") {
    for (const json& d : j.at("decoders")) addDecoder(d, decoder);
  } else if (type == "ByteLevel") {
    decoder.addStep({Kind::ByteLevel});
  } else if (type == "Replace") {
    const Pattern p = patternOf(j.at("pattern"), "Replace decoder");
    if (p.isRegex) fail("Replace decoder with a Regex pattern is not supported (only String patterns)");
    TokenDecoder::Step step{Kind::ReplaceLiteral};
    step.pattern = p.text;
    step.content = j.at("content").get<std::string>();
    decoder.addStep(step);
  } else if (type == "ByteFallback") {
    decoder.addStep({Kind::ByteFallback});
  } else if (type == "Fuse") {
    decoder.addStep({Kind::Fuse});
  } else if (type == "Strip") {
    TokenDecoder::Step step{Kind::Strip};
    step.content = j.at("content").get<std::string>();
    step.start = j.value("start", size_t(0));
    step.stop = j.value("stop", size_t(0));
    decoder.addStep(step);
  } else if (type == "Metaspace") {
    TokenDecoder::Step step{Kind::Metaspace};
    step.content = j.value("replacement", std::string("\xE2\x96\x81"));
    const std::string scheme = j.value("prepend_scheme", std::string(flag(j, "add_prefix_space", true) ? "always" : "never"));
    step.stripFirstSpace = scheme != "never";
    decoder.addStep(step);
  } else {
    fail("unsupported decoder type \"" + type +
         "\" (supported: ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence)");
  }
}

void addPostProcessor(const json& j, PostProcessorTemplate& post) {
  if (j.is_null()) return;
  const std::string type = typeOf(j, "post_processor");
  if (type == "Sequence") {
    for (const json& p : j.at("processors")) addPostProcessor(p, post);
  } else if (type == "ByteLevel") {
    // Only adjusts offsets; ids are unchanged.
  } else if (type == "TemplateProcessing") {
    const json& specials = j.at("special_tokens");
    bool seenSequence = false;
    for (const json& item : j.at("single")) {
      if (item.contains("Sequence")) {
        seenSequence = true;
        continue;
      }
      const std::string name = item.at("SpecialToken").at("id").get<std::string>();
      if (!specials.contains(name)) fail("TemplateProcessing names special token \"" + name + "\" it does not define");
      for (const json& id : specials[name].at("ids")) {
        (seenSequence ? post.suffix : post.prefix).push_back(id.get<int32_t>());
      }
    }
  } else if (type == "RobertaProcessing" || type == "BertProcessing") {
    post.prefix.push_back(j.at("cls").at(1).get<int32_t>());
    post.suffix.push_back(j.at("sep").at(1).get<int32_t>());
  } else {
    fail("unsupported post_processor type \"" + type +
         "\" (supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence)");
  }
}

std::unique_ptr<BpeModel> makeModel(const json& j, StreamedModelTables& tables, bool byteLevelInput) {
  if (!j.is_object()) fail("has no \"model\" object");
  const std::string type = j.value("type", std::string("BPE"));
  if (type != "BPE") fail("model type \"" + type + "\" is not supported (only BPE)");
  if (j.contains("dropout") && !j["dropout"].is_null() && j["dropout"].get<double>() > 0.0) {
    fail("BPE dropout is not supported (it makes tokenisation random)");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (j.contains(key) && !j[key].is_null() && !j[key].get<std::string>().empty()) {
      fail(std::string("BPE ") + key + " is not supported");
    }
  }
  BpeModel::Config config;
  config.byteLevelInput = byteLevelInput;
  config.byteFallback = flag(j, "byte_fallback");
  config.fuseUnk = flag(j, "fuse_unk");
  config.ignoreMerges = flag(j, "ignore_merges");
  if (j.contains("unk_token") && j["unk_token"].is_string()) config.unkToken = j["unk_token"].get<std::string>();
  if (!tables.haveVocab) fail("model has no \"vocab\" object");
  if (!tables.haveMerges) fail("model has no \"merges\" array");
  config.vocab = std::move(tables.vocab);
  config.merges = std::move(tables.merges);
  return std::make_unique<BpeModel>(std::move(config));
}

AddedToken addedTokenOf(const json& j, int32_t id) {
  AddedToken t;
  t.content = j.at("content").get<std::string>();
  t.id = id;
  t.special = flag(j, "special");
  t.lstrip = flag(j, "lstrip");
  t.rstrip = flag(j, "rstrip");
  t.normalized = flag(j, "normalized", !t.special);
  t.singleWord = flag(j, "single_word");
  return t;
}

// tokenizer_config.json writes a token either as a string or as {"content": ...}.
std::optional<std::string> tokenName(const json& config, const char* key) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content")) return (*it)["content"].get<std::string>();
  return std::nullopt;
}

json parse(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    fail("is not valid JSON: " + std::string(e.what()));
  }
}

std::string readFile(const std::string& path) {
  std::ifstream in(std::filesystem::u8path(path), std::ios::binary);  // UTF-8 paths on Windows too
  if (!in) throw std::runtime_error("cannot open tokenizer file '" + path + "': check the path and permissions");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Tokenizer Tokenizer::fromJson(const std::string& tokenizerJsonText, const std::string& configJsonText,
                              const std::string& sourceName) {
  auto impl = std::make_unique<Impl>();
  std::string stage = sourceName;
  try {
    StreamedModelTables tables;
    const json root = readTokenizerJson(tokenizerJsonText, tables);
    if (!root.is_object()) fail("is not a JSON object");
    // member() returns references: json::value() would deep-copy the 10-30 MB model object.
    addNormalizer(member(root, "normalizer"), impl->normalizer);
    addPreTokenizer(member(root, "pre_tokenizer"), impl->preTokenizer);
    impl->model = makeModel(member(root, "model"), tables, impl->preTokenizer.hasByteLevel());
    const json& addedTokens = member(root, "added_tokens");
    if (!addedTokens.is_null() && !addedTokens.is_array()) fail("\"added_tokens\" is not an array");
    if (addedTokens.is_array()) {
      for (const json& t : addedTokens) impl->added.add(addedTokenOf(t, t.at("id").get<int32_t>()));
    }
    addDecoder(member(root, "decoder"), impl->decoder);
    const json& post = member(root, "post_processor");
    addPostProcessor(post, impl->post);

    if (!configJsonText.empty()) {
      stage = "tokenizer_config.json";
      const json config = parse(configJsonText);
      if (!config.is_object()) fail("is not a JSON object");
      impl->bosToken = tokenName(config, "bos_token");
      impl->eosToken = tokenName(config, "eos_token");
      impl->padToken = tokenName(config, "pad_token");
      if (const auto it = config.find("added_tokens_decoder"); it != config.end() && it->is_object()) {
        for (auto t = it->begin(); t != it->end(); ++t) {
          const AddedToken token = addedTokenOf(t.value(), std::stoi(t.key()));
          if (!impl->added.idOf(token.content)) impl->added.add(token);
        }
      }
      // transformers' Llama/Gemma tokenizers build the post-processor from these flags; tokenizer.json's own
      // post_processor wins when there is one.
      if (post.is_null()) {
        if (flag(config, "add_bos_token") && impl->bosToken) {
          if (const auto id = impl->idOf(*impl->bosToken)) impl->post.prefix.push_back(*id);
        }
        if (flag(config, "add_eos_token") && impl->eosToken) {
          if (const auto id = impl->idOf(*impl->eosToken)) impl->post.suffix.push_back(*id);
        }
      }
    }
    impl->added.rebuild(&impl->normalizer);
  } catch (const LoadError& e) {
    throw std::runtime_error(stage + ": " + e.what());
  } catch (const json::exception& e) {
    throw std::runtime_error(stage + ": unexpected structure (" + std::string(e.what()) +
                             "); is this a Hugging Face tokenizer.json?");
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(stage + ": " + e.what());
  }
  return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::fromModelDirectory(const std::string& modelDir, const std::string& modelName,
                                        const std::string& folderContents) {
  const std::filesystem::path dir = std::filesystem::u8path(modelDir);
  const std::filesystem::path json = dir / "tokenizer.json";
  if (!std::filesystem::exists(json))
    throw std::runtime_error("the " + modelName + " model in " + modelDir + " has no tokenizer.json; copy the whole model folder (" +
                             folderContents + ")");
  const std::filesystem::path config = dir / "tokenizer_config.json";
  return fromFile(json.u8string(), std::filesystem::exists(config) ? config.u8string() : std::string());
}

Tokenizer Tokenizer::fromFile(const std::string& tokenizerJson, const std::string& tokenizerConfigJson) {
  const std::string text = readFile(tokenizerJson);
  const std::string config = tokenizerConfigJson.empty() ? std::string() : readFile(tokenizerConfigJson);
  try {
    return fromJson(text, config, "'" + tokenizerJson + "'");
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    // Name the config file by its path rather than by its role.
    const std::string role = "tokenizer_config.json";
    if (message.compare(0, role.size(), role) == 0) {
      throw std::runtime_error("'" + tokenizerConfigJson + "'" + message.substr(role.size()));
    }
    throw;
  }
}

}  // namespace ll::infer
