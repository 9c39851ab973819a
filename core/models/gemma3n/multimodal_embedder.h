#pragma once
// Gemma3nMultimodalEmbedder for vision (specs/gemma3n.md §2.1, §3.5, §5.2): turns MobileNetV5 features into
// the 256 soft tokens that replace the <image_soft_token> embeddings, and maps vision "hard" token ids
// (<end_of_image> etc., ids >= vocab offset) to their embeddings. Both paths end in a weightless RMS norm; the
// RMS norms run in float32 and are cast back, as transformers' Gemma3nRMSNorm does.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <ATen/core/Tensor.h>

namespace ll::models::gemma3n {

class MultimodalEmbedder {
 public:
  static constexpr const char* kCheckpointPrefix = "model.embed_vision.";

  // `weights` keyed "embedding.weight" [V, C], "hard_embedding_norm.weight" [C], "soft_embedding_norm.weight"
  // [C], "embedding_projection.weight" [D, C] (the checkpoint prefix may be present; it is stripped).
  // Throws std::invalid_argument naming a missing or misshaped tensor.
  static std::unique_ptr<MultimodalEmbedder> fromWeights(std::map<std::string, at::Tensor> weights, double eps,
                                                         c10::Device device, c10::ScalarType dtype);

  // features [B, C, h, w] (MobileNetV5 output, C = vision hidden size) -> [B, h*w, D] in the model dtype:
  // tokens in row-major pixel order, x sqrt(C), RMS(soft_embedding_norm), projection, RMS without weight.
  at::Tensor softTokens(const at::Tensor& features) const;
  // visionIds (any shape, integer, already minus the vision vocab offset, each in [0, V)) -> [..., D].
  at::Tensor hardTokens(const at::Tensor& visionIds) const;

  int64_t visionHiddenSize() const { return projection_.size(1); }
  int64_t textHiddenSize() const { return projection_.size(0); }
  int64_t vocabSize() const { return embedding_.size(0); }
  c10::ScalarType dtype() const { return projection_.scalar_type(); }
  c10::Device device() const { return projection_.device(); }

 private:
  MultimodalEmbedder() = default;
  at::Tensor project(const at::Tensor& normed) const;

  at::Tensor embedding_, hardNorm_, softNorm_, projection_;
  double eps_ = 1e-6;
};

// transformers' Gemma3nRMSNorm: x * (mean(x^2, -1) + eps)^-0.5 [* w] in float32, cast back to x's dtype.
// `weight` may be undefined (with_scale=False).
at::Tensor gemmaRmsNormFloat(const at::Tensor& x, const at::Tensor& weight, double eps);

}  // namespace ll::models::gemma3n
