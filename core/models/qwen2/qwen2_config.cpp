// config.json parsing for Qwen2. transformers 4.x writes rope_theta at the top level, 5.x inside
// rope_parameters; both are read. RoPE scaling variants are refused rather than silently ignored.
#include "core/models/qwen2/qwen2_config.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "core/infer/json_file.h"

namespace ll::models::qwen2 {
namespace {

int64_t requireInt(const nlohmann::json& j, const char* key, const std::string& source) {
  if (!j.contains(key) || !j[key].is_number_integer())
    throw std::runtime_error(source + ": field '" + key + "' is missing or not an integer; is this a Qwen2 config.json?");
  const auto v = j[key].get<int64_t>();
  if (v <= 0) throw std::runtime_error(source + ": field '" + key + "' must be positive, got " + std::to_string(v));
  return v;
}

bool optionalBool(const nlohmann::json& j, const char* key, bool fallback) {
  return j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
}

}  // namespace

Qwen2Config Qwen2Config::fromJson(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw std::runtime_error(source + ": expected a JSON object");
  Qwen2Config c;
  c.hiddenSize = requireInt(j, "hidden_size", source);
  c.numLayers = requireInt(j, "num_hidden_layers", source);
  c.numHeads = requireInt(j, "num_attention_heads", source);
  c.numKvHeads = j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null()
                     ? requireInt(j, "num_key_value_heads", source)
                     : c.numHeads;
  c.intermediateSize = requireInt(j, "intermediate_size", source);
  c.vocabSize = requireInt(j, "vocab_size", source);
  c.headDim = j.contains("head_dim") && j["head_dim"].is_number_integer() ? j["head_dim"].get<int64_t>()
                                                                          : c.hiddenSize / c.numHeads;
  if (j.contains("max_position_embeddings") && j["max_position_embeddings"].is_number_integer())
    c.maxPositionEmbeddings = j["max_position_embeddings"].get<int64_t>();
  if (c.numHeads % c.numKvHeads != 0)
    throw std::runtime_error(source + ": num_attention_heads (" + std::to_string(c.numHeads) +
                             ") is not a multiple of num_key_value_heads (" + std::to_string(c.numKvHeads) + ")");
  if (c.headDim % 2 != 0) throw std::runtime_error(source + ": the head dimension must be even for RoPE");

  const nlohmann::json* rope = nullptr;
  if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) rope = &j["rope_parameters"];
  if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) rope = &j["rope_scaling"];
  if (rope) {
    const std::string type = rope->value("rope_type", rope->value("type", std::string("default")));
    if (type != "default")
      throw std::runtime_error(source + ": RoPE type '" + type + "' is not supported (only default RoPE)");
    if (rope->contains("rope_theta") && (*rope)["rope_theta"].is_number()) c.ropeTheta = (*rope)["rope_theta"].get<double>();
  }
  if (j.contains("rope_theta") && j["rope_theta"].is_number()) c.ropeTheta = j["rope_theta"].get<double>();
  if (j.contains("rms_norm_eps") && j["rms_norm_eps"].is_number()) c.rmsNormEps = j["rms_norm_eps"].get<double>();
  c.tieWordEmbeddings = optionalBool(j, "tie_word_embeddings", false);
  c.attentionBias = optionalBool(j, "attention_bias", true);
  return c;
}

Qwen2Config Qwen2Config::fromFile(const std::string& configPath) {
  return fromJson(infer::readJsonFile(configPath), configPath);
}

nlohmann::json Qwen2Config::toJson() const {
  return nlohmann::json{{"model_type", "qwen2"},
                        {"hidden_size", hiddenSize},
                        {"num_hidden_layers", numLayers},
                        {"num_attention_heads", numHeads},
                        {"num_key_value_heads", numKvHeads},
                        {"intermediate_size", intermediateSize},
                        {"vocab_size", vocabSize},
                        {"max_position_embeddings", maxPositionEmbeddings},
                        {"rope_theta", ropeTheta},
                        {"rms_norm_eps", rmsNormEps},
                        {"tie_word_embeddings", tieWordEmbeddings},
                        {"attention_bias", attentionBias},
                        {"hidden_act", "silu"}};
}

}  // namespace ll::models::qwen2
