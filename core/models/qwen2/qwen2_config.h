#pragma once
// The Qwen2 text-decoder settings read from a Hugging Face config.json. dots.ocr's config is a
// Qwen2 config with vision fields added, so the same reader serves its decoder.
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace ll::models::qwen2 {

struct Qwen2Config {
  int64_t hiddenSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;  // hidden_size / num_attention_heads unless config.json says head_dim
  int64_t intermediateSize = 0;
  int64_t vocabSize = 0;
  int64_t maxPositionEmbeddings = 32768;
  double ropeTheta = 10000.0;
  double rmsNormEps = 1e-6;
  bool tieWordEmbeddings = false;
  bool attentionBias = true;  // Qwen2 always has q/k/v biases; dots.ocr states attention_bias: true

  // Throws std::runtime_error naming `source` and the missing or invalid field.
  static Qwen2Config fromJson(const nlohmann::json& config, const std::string& source);
  static Qwen2Config fromFile(const std::string& configPath);
  nlohmann::json toJson() const;
};

}  // namespace ll::models::qwen2
