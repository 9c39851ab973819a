// config.json parsing for Gemma 3n. transformers 4.53-4.5x writes rope_theta / rope_local_base_freq,
// 5.x writes rope_parameters.{full_attention,sliding_attention}; both are read. intermediate_size may be
// one int or a per-layer list, and activation_sparsity_pattern / layer_types fall back to the
// defaults transformers derives (first 10 layers sparse when there are more than 10; every 5th layer full).
#include "core/models/gemma3n/gemma3n_config.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "core/infer/json_file.h"

namespace ll::models::gemma3n {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw std::runtime_error(source + ": " + what + "; is this a Gemma 3n config.json?");
}

int64_t intField(const json& j, const char* key, const std::string& where, const std::string& source, bool required,
                 int64_t fallback, bool positive = true) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) fail(source, "field '" + where + key + "' is missing");
    return fallback;
  }
  if (!j[key].is_number_integer()) fail(source, "field '" + where + key + "' is not an integer");
  const auto v = j[key].get<int64_t>();
  if (positive && v <= 0) fail(source, "field '" + where + key + "' must be positive, got " + std::to_string(v));
  if (!positive && v < 0) fail(source, "field '" + where + key + "' must not be negative, got " + std::to_string(v));
  return v;
}

double numberField(const json& j, const char* key, const std::string& where, const std::string& source, double fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number()) fail(source, "field '" + where + key + "' is not a number");
  return j[key].get<double>();
}

double ropeTheta(const json& params, const char* kind, const std::string& source) {
  if (!params.contains(kind) || !params[kind].is_object())
    fail(source, std::string("field 'rope_parameters.") + kind + "' is missing");
  const json& p = params[kind];
  const std::string type = p.value("rope_type", std::string("default"));
  if (type != "default")
    throw std::runtime_error(source + ": RoPE type '" + type + "' for " + kind + " is not supported (only default RoPE)");
  if (!p.contains("rope_theta") || !p["rope_theta"].is_number())
    fail(source, std::string("field 'rope_parameters.") + kind + ".rope_theta' is missing");
  return p["rope_theta"].get<double>();
}

Gemma3nTextConfig parseText(const json& j, const json& top, const std::string& source) {
  const std::string w = top.contains("text_config") ? "text_config." : "";
  Gemma3nTextConfig c;
  c.hiddenSize = intField(j, "hidden_size", w, source, true, 0);
  c.numLayers = intField(j, "num_hidden_layers", w, source, true, 0);
  c.numHeads = intField(j, "num_attention_heads", w, source, true, 0);
  c.numKvHeads = intField(j, "num_key_value_heads", w, source, false, c.numHeads);
  c.headDim = intField(j, "head_dim", w, source, false, c.hiddenSize / c.numHeads);
  c.vocabSize = intField(j, "vocab_size", w, source, true, 0);
  c.vocabSizePerLayerInput = intField(j, "vocab_size_per_layer_input", w, source, true, 0);
  c.hiddenSizePerLayerInput = intField(j, "hidden_size_per_layer_input", w, source, true, 0);
  c.altupNumInputs = intField(j, "altup_num_inputs", w, source, false, 4);
  c.altupActiveIdx = intField(j, "altup_active_idx", w, source, false, 0, false);
  c.altupCoefClip = numberField(j, "altup_coef_clip", w, source, 0.0);
  c.altupCorrectScale = j.contains("altup_correct_scale") && j["altup_correct_scale"].is_boolean()
                            ? j["altup_correct_scale"].get<bool>()
                            : true;
  c.laurelRank = intField(j, "laurel_rank", w, source, true, 0);
  c.numKvSharedLayers = intField(j, "num_kv_shared_layers", w, source, false, 0, false);
  c.slidingWindow = intField(j, "sliding_window", w, source, true, 0);
  c.finalLogitSoftcap = numberField(j, "final_logit_softcapping", w, source, 0.0);
  c.rmsNormEps = numberField(j, "rms_norm_eps", w, source, 1e-6);
  c.maxPositionEmbeddings = intField(j, "max_position_embeddings", w, source, false, 32768);

  const int64_t L = c.numLayers;
  if (c.numHeads % c.numKvHeads != 0)
    fail(source, "num_attention_heads (" + std::to_string(c.numHeads) + ") is not a multiple of num_key_value_heads (" +
                     std::to_string(c.numKvHeads) + ")");
  if (c.headDim % 2 != 0) fail(source, "the head dimension must be even for RoPE");
  if (c.altupActiveIdx >= c.altupNumInputs) fail(source, "altup_active_idx must be below altup_num_inputs");
  if (c.numKvSharedLayers >= L) fail(source, "num_kv_shared_layers must be below num_hidden_layers");
  if (c.vocabSizePerLayerInput > c.vocabSize) fail(source, "vocab_size_per_layer_input exceeds vocab_size");

  if (!j.contains("intermediate_size")) fail(source, "field '" + w + "intermediate_size' is missing");
  const json& inter = j["intermediate_size"];
  if (inter.is_number_integer()) {
    c.intermediateSize.assign(static_cast<size_t>(L), inter.get<int64_t>());
  } else if (inter.is_array() && static_cast<int64_t>(inter.size()) == L) {
    for (const auto& v : inter) {
      if (!v.is_number_integer()) fail(source, "field '" + w + "intermediate_size' holds a non-integer");
      c.intermediateSize.push_back(v.get<int64_t>());
    }
  } else {
    fail(source, "field '" + w + "intermediate_size' must be an integer or a list of " + std::to_string(L) + " integers");
  }
  for (auto v : c.intermediateSize)
    if (v <= 0) fail(source, "field '" + w + "intermediate_size' must be positive");

  if (j.contains("activation_sparsity_pattern") && !j["activation_sparsity_pattern"].is_null()) {
    const json& s = j["activation_sparsity_pattern"];
    if (!s.is_array() || static_cast<int64_t>(s.size()) != L)
      fail(source, "field '" + w + "activation_sparsity_pattern' must be a list of " + std::to_string(L) + " numbers");
    for (const auto& v : s) {
      if (!v.is_number() || v.get<double>() < 0.0 || v.get<double>() >= 1.0)
        fail(source, "field '" + w + "activation_sparsity_pattern' values must lie in [0, 1)");
      c.activationSparsity.push_back(v.get<double>());
    }
  } else {
    const int64_t sparse = L > 10 ? 10 : 0;
    for (int64_t i = 0; i < L; ++i) c.activationSparsity.push_back(i < sparse ? 0.95 : 0.0);
  }

  if (j.contains("layer_types") && !j["layer_types"].is_null()) {
    const json& t = j["layer_types"];
    if (!t.is_array() || static_cast<int64_t>(t.size()) != L)
      fail(source, "field '" + w + "layer_types' must be a list of " + std::to_string(L) + " names");
    for (const auto& v : t) {
      const std::string name = v.is_string() ? v.get<std::string>() : "";
      if (name != "sliding_attention" && name != "full_attention")
        fail(source, "field '" + w + "layer_types' holds '" + v.dump() + "' (expected sliding_attention or full_attention)");
      c.slidingLayer.push_back(name == "sliding_attention");
    }
  } else {
    for (int64_t i = 0; i < L; ++i) c.slidingLayer.push_back((i + 1) % 5 != 0);
  }

  if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) {
    c.ropeThetaFull = ropeTheta(j["rope_parameters"], "full_attention", source);
    c.ropeThetaSliding = ropeTheta(j["rope_parameters"], "sliding_attention", source);
  } else {
    if (j.contains("rope_scaling") && j["rope_scaling"].is_object())
      throw std::runtime_error(source + ": rope_scaling is not supported for Gemma 3n (only default RoPE)");
    c.ropeThetaFull = numberField(j, "rope_theta", w, source, 1000000.0);
    c.ropeThetaSliding = numberField(j, "rope_local_base_freq", w, source, 10000.0);
  }

  // Token ids sit in text_config in transformers 5.x and at the top level in some older files.
  auto tokenId = [&](const char* key, int64_t fallback) {
    if (j.contains(key) && j[key].is_number_integer()) return j[key].get<int64_t>();
    if (top.contains(key) && top[key].is_number_integer()) return top[key].get<int64_t>();
    return fallback;
  };
  c.padTokenId = tokenId("pad_token_id", 0);
  c.bosTokenId = tokenId("bos_token_id", 2);
  const json* eos = j.contains("eos_token_id") ? &j["eos_token_id"] : top.contains("eos_token_id") ? &top["eos_token_id"] : nullptr;
  if (eos && eos->is_number_integer()) {
    c.eosTokenIds = {eos->get<int64_t>()};
  } else if (eos && eos->is_array()) {
    c.eosTokenIds.clear();
    for (const auto& v : *eos)
      if (v.is_number_integer()) c.eosTokenIds.push_back(v.get<int64_t>());
  }
  if (c.numKvSharedLayers > 0)
    for (int64_t l = c.firstSharedLayer(); l < L; ++l) {
      try {
        (void)c.kvProducerFor(l);
      } catch (const std::logic_error& e) {
        fail(source, e.what());
      }
    }
  return c;
}

}  // namespace

int64_t Gemma3nTextConfig::kvProducerFor(int64_t layer) const {
  if (layer < 0 || layer >= numLayers) throw std::logic_error("Gemma 3n: layer " + std::to_string(layer) + " does not exist");
  const int64_t first = firstSharedLayer();
  if (layer < first) return layer;
  for (int64_t p = first - 1; p >= 0; --p)
    if (slidingLayer[static_cast<size_t>(p)] == slidingLayer[static_cast<size_t>(layer)]) return p;
  throw std::logic_error("KV-shared layer " + std::to_string(layer) + " has no earlier " +
                         (slidingLayer[static_cast<size_t>(layer)] ? "sliding" : "full") + " layer to share K/V with");
}

Gemma3nConfig Gemma3nConfig::fromJson(const json& j, const std::string& source) {
  if (!j.is_object()) throw std::runtime_error(source + ": expected a JSON object");
  Gemma3nConfig c;
  const bool nested = j.contains("text_config");
  if (nested && !j["text_config"].is_object()) fail(source, "field 'text_config' is not an object");
  c.text = parseText(nested ? j["text_config"] : j, j, source);

  if (j.contains("vision_config") && j["vision_config"].is_object()) {
    const json& v = j["vision_config"];
    if (v.contains("architecture") && v["architecture"].is_string()) c.vision.architecture = v["architecture"].get<std::string>();
    if (v.contains("model_args") && v["model_args"].is_object())
      c.vision.channelMultiplier = numberField(v["model_args"], "channel_multiplier", "vision_config.model_args.", source, 1.0);
    c.vision.hiddenSize = intField(v, "hidden_size", "vision_config.", source, false, c.vision.hiddenSize);
    c.vision.vocabSize = intField(v, "vocab_size", "vision_config.", source, false, c.vision.vocabSize);
    c.vision.vocabOffset = intField(v, "vocab_offset", "vision_config.", source, false, c.vision.vocabOffset);
    c.vision.rmsNormEps = numberField(v, "rms_norm_eps", "vision_config.", source, c.vision.rmsNormEps);
  }
  if (j.contains("audio_config") && j["audio_config"].is_object()) {
    const json& a = j["audio_config"];
    c.audioVocabSize = intField(a, "vocab_size", "audio_config.", source, false, c.audioVocabSize);
    c.audioVocabOffset = intField(a, "vocab_offset", "audio_config.", source, false, c.audioVocabOffset);
  }
  c.visionSoftTokensPerImage = intField(j, "vision_soft_tokens_per_image", "", source, false, c.visionSoftTokensPerImage);
  c.boiTokenId = intField(j, "boi_token_id", "", source, false, c.boiTokenId, false);
  c.eoiTokenId = intField(j, "eoi_token_id", "", source, false, c.eoiTokenId, false);
  c.imageTokenId = intField(j, "image_token_id", "", source, false, c.imageTokenId, false);
  if (!nested) return c;  // a bare text config: the multimodal ids keep their release defaults, unchecked
  if (c.vision.vocabOffset + c.vision.vocabSize > c.text.vocabSize)
    fail(source, "vision_config.vocab_offset + vocab_size (" + std::to_string(c.vision.vocabOffset + c.vision.vocabSize) +
                     ") exceeds text_config.vocab_size (" + std::to_string(c.text.vocabSize) + ")");
  if (c.imageTokenId < 0 || c.imageTokenId >= c.text.vocabSize)
    fail(source, "image_token_id " + std::to_string(c.imageTokenId) + " lies outside the vocabulary");
  return c;
}

Gemma3nConfig Gemma3nConfig::fromFile(const std::string& configPath) {
  return fromJson(infer::readJsonFile(configPath), configPath);
}

}  // namespace ll::models::gemma3n
