#pragma once
// Gemma 3n settings read from a Hugging Face config.json (Gemma3nForConditionalGeneration): the text
// decoder, the parts of the vision config the embedder needs, and the special token ids. Every vocab
// range and token id comes from the file, never from constants, because test fixtures use tiny vocabs.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ll::models::gemma3n {

struct Gemma3nTextConfig {
  int64_t hiddenSize = 2048;
  int64_t numLayers = 35;
  int64_t numHeads = 8;
  int64_t numKvHeads = 2;
  int64_t headDim = 256;
  std::vector<int64_t> intermediateSize;  // one per layer
  int64_t vocabSize = 262400;
  int64_t vocabSizePerLayerInput = 262144;
  int64_t hiddenSizePerLayerInput = 256;
  int64_t altupNumInputs = 4;
  int64_t altupActiveIdx = 0;
  double altupCoefClip = 120.0;  // <= 0: no clipping
  bool altupCorrectScale = true;
  int64_t laurelRank = 64;
  int64_t numKvSharedLayers = 15;
  std::vector<double> activationSparsity;  // one per layer; 0 = dense
  std::vector<bool> slidingLayer;          // one per layer, from layer_types
  int64_t slidingWindow = 512;
  double ropeThetaFull = 1000000.0;
  double ropeThetaSliding = 10000.0;
  double finalLogitSoftcap = 30.0;  // <= 0: no soft-cap
  double rmsNormEps = 1e-6;
  int64_t maxPositionEmbeddings = 32768;
  int64_t padTokenId = 0;
  std::vector<int64_t> eosTokenIds{1, 106};
  int64_t bosTokenId = 2;

  // F: layers >= F reuse the K/V of an earlier layer instead of computing their own.
  int64_t firstSharedLayer() const { return numLayers - numKvSharedLayers; }
  // The layer whose K/V `layer` attends over: itself below F, else the last layer < F of the same
  // type (sliding or full). Throws std::logic_error when no such layer exists.
  int64_t kvProducerFor(int64_t layer) const;
};

struct Gemma3nVisionConfig {
  std::string architecture = "mobilenetv5_300m_enc";
  double channelMultiplier = 1.0;  // vision_config.model_args.channel_multiplier (null -> 1.0)
  int64_t hiddenSize = 2048;
  int64_t vocabSize = 128;
  int64_t vocabOffset = 262144;
  double rmsNormEps = 1e-6;
};

struct Gemma3nConfig {
  Gemma3nTextConfig text;
  Gemma3nVisionConfig vision;
  int64_t visionSoftTokensPerImage = 256;
  int64_t boiTokenId = 255999;
  int64_t eoiTokenId = 262144;
  int64_t imageTokenId = 262145;
  int64_t audioVocabOffset = 262272;
  int64_t audioVocabSize = 128;

  bool isVisionToken(int64_t id) const { return id >= vision.vocabOffset && id < vision.vocabOffset + vision.vocabSize; }

  // A full Gemma3nForConditionalGeneration config (text_config inside) or a bare text config.
  // Throws std::runtime_error naming `source` and the missing or invalid field.
  static Gemma3nConfig fromJson(const nlohmann::json& config, const std::string& source = "config.json");
  static Gemma3nConfig fromFile(const std::string& configPath);
};

}  // namespace ll::models::gemma3n
