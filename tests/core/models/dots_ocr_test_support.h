#pragma once
// A tiny random dots.ocr (real tensor names, few layers, small widths) shared by the dots.ocr unit tests.
// Weights are scaled like a trained model's (std 1/sqrt(fan_in), norms near 1, non-zero biases), so attention
// is far from uniform and a wrong rotary or a dropped bias moves the outputs visibly.
#include <cmath>
#include <map>
#include <string>

#include <ATen/ATen.h>

#include "core/models/dots_ocr/config.h"
#include "core/models/dots_ocr/dots_ocr_model.h"
#include "core/models/dots_ocr/vision_tower.h"

namespace ll::models::dots_ocr::testing {

inline DotsOcrConfig tinyConfig() {
  DotsOcrConfig c;
  c.vision.embedDim = 32;
  c.vision.hiddenSize = 48;
  c.vision.intermediateSize = 64;
  c.vision.numHiddenLayers = 2;
  c.vision.numAttentionHeads = 2;  // head_dim 16: four rotary frequencies per axis
  c.text.hiddenSize = 48;
  c.text.numLayers = 2;
  c.text.numHeads = 4;
  c.text.numKvHeads = 2;
  c.text.headDim = 12;
  c.text.intermediateSize = 96;
  c.text.vocabSize = 300;
  c.text.ropeTheta = 1e6;
  c.text.rmsNormEps = 1e-6;
  c.text.attentionBias = true;
  c.text.tieWordEmbeddings = false;
  c.imageTokenId = 290;
  return c;
}

// The released checkpoint's config.json values (specs/dots-ocr.md §1).
inline DotsOcrConfig releasedConfig() {
  DotsOcrConfig c;  // the vision defaults are the release's
  c.text.hiddenSize = 1536;
  c.text.numLayers = 28;
  c.text.numHeads = 12;
  c.text.numKvHeads = 2;
  c.text.headDim = 128;
  c.text.intermediateSize = 8960;
  c.text.vocabSize = 151936;
  c.text.maxPositionEmbeddings = 131072;
  c.text.ropeTheta = 1e6;
  c.text.rmsNormEps = 1e-6;
  return c;
}

inline std::map<std::string, at::Tensor> randomWeights(const DotsOcrConfig& c, uint64_t seed) {
  at::manual_seed(seed);
  std::map<std::string, at::Tensor> w;
  for (const auto& [name, shape] : DotsOcrModel::expectedTensors(c)) {
    const bool isNorm = name.find("norm") != std::string::npos || name.find("ln_q") != std::string::npos;
    at::Tensor t;
    if (shape.size() == 1 && isNorm && name.find(".bias") == std::string::npos) {
      t = 1.0 + 0.1 * at::randn(shape);
    } else if (shape.size() == 1) {
      t = 0.05 * at::randn(shape);
    } else {
      int64_t fanIn = 1;
      for (size_t i = 1; i < shape.size(); ++i) fanIn *= shape[i];
      t = at::randn(shape) / std::sqrt(static_cast<double>(fanIn));
    }
    w.emplace(name, t.to(at::kFloat));
  }
  return w;
}

inline std::map<std::string, at::Tensor> visionOnly(const std::map<std::string, at::Tensor>& all) {
  std::map<std::string, at::Tensor> w;
  for (const auto& [n, t] : all)
    if (n.rfind(VisionTower::kPrefix, 0) == 0) w.emplace(n, t);
  return w;
}

// Normalised-looking random pixels for `patches` rows.
inline at::Tensor randomPixels(int64_t patches, const VisionConfig& v, uint64_t seed) {
  at::manual_seed(seed);
  return at::randn({patches, v.patchInputSize()});
}

}  // namespace ll::models::dots_ocr::testing
