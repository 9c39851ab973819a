// Gemma 3n config.json parsing: both RoPE formats (transformers 4.5x and 5.x), int or per-layer
// intermediate_size, the default sparsity and layer-type rules, token ids and vocab ranges taken from
// the file, KV-sharing producers, and errors that name the bad field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "core/models/gemma3n/gemma3n_config.h"

using ll::models::gemma3n::Gemma3nConfig;
using nlohmann::json;

namespace {

// transformers 5.x layout: text_config with rope_parameters, lists everywhere.
json modernConfig() {
  return json::parse(R"({
    "model_type": "gemma3n", "boi_token_id": 255, "eoi_token_id": 256, "image_token_id": 257,
    "vision_soft_tokens_per_image": 9,
    "text_config": {
      "model_type": "gemma3n_text", "hidden_size": 32, "num_hidden_layers": 6, "num_attention_heads": 4,
      "num_key_value_heads": 2, "head_dim": 8, "intermediate_size": [64, 96, 64, 96, 64, 96],
      "vocab_size": 300, "vocab_size_per_layer_input": 256, "hidden_size_per_layer_input": 4,
      "altup_num_inputs": 4, "altup_active_idx": 0, "altup_coef_clip": 120.0, "altup_correct_scale": true,
      "laurel_rank": 4, "num_kv_shared_layers": 2, "sliding_window": 4, "final_logit_softcapping": 30.0,
      "rms_norm_eps": 1e-6, "max_position_embeddings": 128,
      "activation_sparsity_pattern": [0.95, 0.95, 0.0, 0.0, 0.0, 0.0],
      "layer_types": ["sliding_attention", "sliding_attention", "full_attention", "sliding_attention",
                      "sliding_attention", "full_attention"],
      "rope_parameters": {"full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
                          "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}},
      "pad_token_id": 0, "eos_token_id": [1, 106], "bos_token_id": 2},
    "vision_config": {"architecture": "mobilenetv5_300m_enc", "hidden_size": 24, "vocab_size": 16, "vocab_offset": 256,
                      "rms_norm_eps": 1e-6, "model_args": {"channel_multiplier": 0.25}},
    "audio_config": {"vocab_size": 16, "vocab_offset": 272}
  })");
}

// transformers 4.53-4.5x layout: rope_theta + rope_local_base_freq, scalar intermediate_size, defaults.
json legacyTextConfig(int layers) {
  json j = json::parse(R"({
    "model_type": "gemma3n_text", "hidden_size": 16, "num_attention_heads": 2,
    "num_key_value_heads": 1, "head_dim": 8, "intermediate_size": 48, "vocab_size": 400,
    "vocab_size_per_layer_input": 256, "hidden_size_per_layer_input": 4, "laurel_rank": 2,
    "num_kv_shared_layers": 4, "sliding_window": 8, "rope_theta": 500000.0, "rope_local_base_freq": 5000.0,
    "eos_token_id": 1})");
  j["num_hidden_layers"] = layers;
  return j;
}

std::string errorOf(const json& j) {
  try {
    Gemma3nConfig::fromJson(j, "cfg.json");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Gemma3nConfig, ParsesTransformers5Layout) {
  const Gemma3nConfig c = Gemma3nConfig::fromJson(modernConfig());
  EXPECT_EQ(c.text.hiddenSize, 32);
  EXPECT_EQ(c.text.numLayers, 6);
  EXPECT_EQ(c.text.numKvHeads, 2);
  EXPECT_EQ(c.text.intermediateSize, (std::vector<int64_t>{64, 96, 64, 96, 64, 96}));
  EXPECT_EQ(c.text.activationSparsity, (std::vector<double>{0.95, 0.95, 0, 0, 0, 0}));
  EXPECT_EQ(c.text.slidingLayer, (std::vector<bool>{true, true, false, true, true, false}));
  EXPECT_DOUBLE_EQ(c.text.ropeThetaFull, 1e6);
  EXPECT_DOUBLE_EQ(c.text.ropeThetaSliding, 1e4);
  EXPECT_DOUBLE_EQ(c.text.finalLogitSoftcap, 30.0);
  EXPECT_DOUBLE_EQ(c.text.altupCoefClip, 120.0);
  EXPECT_EQ(c.text.eosTokenIds, (std::vector<int64_t>{1, 106}));
  EXPECT_EQ(c.text.vocabSizePerLayerInput, 256);
  EXPECT_EQ(c.vision.vocabOffset, 256);
  EXPECT_EQ(c.vision.vocabSize, 16);
  EXPECT_EQ(c.vision.hiddenSize, 24);
  EXPECT_DOUBLE_EQ(c.vision.channelMultiplier, 0.25);
  EXPECT_EQ(c.audioVocabOffset, 272);
  EXPECT_EQ(c.imageTokenId, 257);
  EXPECT_EQ(c.eoiTokenId, 256);
  EXPECT_EQ(c.boiTokenId, 255);
  EXPECT_EQ(c.visionSoftTokensPerImage, 9);
  EXPECT_TRUE(c.isVisionToken(256));
  EXPECT_TRUE(c.isVisionToken(271));
  EXPECT_FALSE(c.isVisionToken(255));
  EXPECT_FALSE(c.isVisionToken(272));
  // F = 4; shared sliding layer 4 uses the last sliding layer below F (3), shared full layer 5 the last full (2).
  EXPECT_EQ(c.text.firstSharedLayer(), 4);
  EXPECT_EQ(c.text.kvProducerFor(1), 1);
  EXPECT_EQ(c.text.kvProducerFor(4), 3);
  EXPECT_EQ(c.text.kvProducerFor(5), 2);
}

TEST(Gemma3nConfig, ParsesLegacyLayoutAndDefaults) {
  const Gemma3nConfig c = Gemma3nConfig::fromJson(legacyTextConfig(12));
  EXPECT_DOUBLE_EQ(c.text.ropeThetaFull, 500000.0);
  EXPECT_DOUBLE_EQ(c.text.ropeThetaSliding, 5000.0);
  EXPECT_EQ(c.text.intermediateSize, std::vector<int64_t>(12, 48));
  // transformers' defaults: first 10 layers sparse (when there are more than 10), every 5th layer full.
  for (int l = 0; l < 12; ++l) {
    EXPECT_DOUBLE_EQ(c.text.activationSparsity[l], l < 10 ? 0.95 : 0.0) << l;
    EXPECT_EQ(c.text.slidingLayer[l], (l + 1) % 5 != 0) << l;
  }
  EXPECT_EQ(c.text.eosTokenIds, std::vector<int64_t>{1});
  EXPECT_DOUBLE_EQ(c.text.altupCoefClip, 0.0);  // absent: no clipping
  // Bare text config: vision ranges keep their defaults.
  EXPECT_EQ(c.vision.vocabOffset, 262144);

  const Gemma3nConfig small = Gemma3nConfig::fromJson(legacyTextConfig(10));
  for (double s : small.text.activationSparsity) EXPECT_DOUBLE_EQ(s, 0.0);  // 10 layers or fewer: none sparse
}

TEST(Gemma3nConfig, ReleaseGeometryProducers) {
  // E4B: 35 layers, 15 shared -> F = 20, producers 18 (sliding) and 19 (full).
  json j = legacyTextConfig(35);
  j["num_kv_shared_layers"] = 15;
  j["vocab_size"] = 262400;
  const Gemma3nConfig c = Gemma3nConfig::fromJson(j);
  EXPECT_EQ(c.text.firstSharedLayer(), 20);
  for (int l = 20; l < 35; ++l) EXPECT_EQ(c.text.kvProducerFor(l), (l + 1) % 5 == 0 ? 19 : 18) << l;
}

TEST(Gemma3nConfig, ErrorsNameTheField) {
  json j = modernConfig();
  j["text_config"].erase("hidden_size");
  EXPECT_NE(errorOf(j).find("text_config.hidden_size"), std::string::npos) << errorOf(j);

  j = modernConfig();
  j["text_config"]["intermediate_size"] = json::array({64, 96});
  EXPECT_NE(errorOf(j).find("intermediate_size"), std::string::npos) << errorOf(j);

  j = modernConfig();
  j["text_config"]["rope_parameters"]["full_attention"]["rope_type"] = "yarn";
  EXPECT_NE(errorOf(j).find("yarn"), std::string::npos) << errorOf(j);

  j = modernConfig();
  j["text_config"]["layer_types"][3] = "local";
  EXPECT_NE(errorOf(j).find("layer_types"), std::string::npos) << errorOf(j);

  j = modernConfig();
  j["text_config"]["activation_sparsity_pattern"] = json::array({0.95});
  EXPECT_NE(errorOf(j).find("activation_sparsity_pattern"), std::string::npos) << errorOf(j);

  // A shared full layer without any full layer below F to borrow K/V from.
  j = modernConfig();
  j["text_config"]["layer_types"] = json::array({"sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention",
                                     "sliding_attention", "full_attention"});
  EXPECT_NE(errorOf(j).find("no earlier full layer"), std::string::npos) << errorOf(j);

  j = modernConfig();
  j["vision_config"]["vocab_offset"] = 290;
  EXPECT_NE(errorOf(j).find("vocab_offset"), std::string::npos) << errorOf(j);

  EXPECT_THROW(Gemma3nConfig::fromFile("/nonexistent/config.json"), std::runtime_error);
}
