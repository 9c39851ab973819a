#pragma once
// Gemma3nForConditionalGeneration for image + text: the MobileNetV5 vision tower and the multimodal embedder
// turn an image into 256 soft tokens, which replace the <image_soft_token> rows of the prompt, then the
// Gemma 3n text decoder runs (it is the CausalLM the generation scheduler drives). This class owns the three
// parts and loads them from one checkpoint folder; the audio tower is never read. Checked against
// transformers 5.17 + timm 1.0.29 (tools/gpu/gemma3n_parity.sh, fixture tests/fixtures/gemma3n_tiny).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/models/gemma3n/chat_format.h"
#include "core/models/gemma3n/gemma3n_config.h"
#include "core/models/gemma3n/text_decoder.h"

namespace ll::models::gemma3n {

class MobileNetV5Encoder;
class MultimodalEmbedder;

class Gemma3nModel {
 public:
  // config.json + safetensors (single file or sharded index). Throws std::runtime_error naming what is
  // missing or wrong.
  static std::unique_ptr<Gemma3nModel> load(const std::string& modelDir, const Gemma3nOptions& options);
  ~Gemma3nModel();

  const Gemma3nConfig& config() const { return config_; }
  Gemma3nTextDecoder& decoder() { return *decoder_; }
  const Gemma3nTextDecoder& decoder() const { return *decoder_; }
  const MobileNetV5Encoder& visionTower() const { return *vision_; }
  const MultimodalEmbedder& embedder() const { return *embedder_; }
  ChatTokenIds chatTokenIds() const;
  // The square input size of the vision tower (768 for the released models).
  int64_t imageSize() const { return 768; }

  // pixels [B, 3, S, S] in [0, 1] (any float dtype/device) -> soft tokens [B, 256, D] in the model dtype on
  // the model device.
  at::Tensor imageSoftTokens(const at::Tensor& pixels) const;
  // The prefill request for prompt ids whose image-token positions get the rows of `softTokens`
  // ([images, 256, D]), in order. Throws std::invalid_argument when the counts differ.
  infer::PrefillInput prefillInput(const std::vector<int64_t>& ids, const at::Tensor& softTokens) const;
  // Float32 logits [T, vocab] for every prompt position, no cache (tests and parity).
  at::Tensor promptLogits(const std::vector<int64_t>& ids, const at::Tensor& pixels) const;

 private:
  Gemma3nModel() = default;
  Gemma3nConfig config_;
  std::unique_ptr<Gemma3nTextDecoder> decoder_;
  std::unique_ptr<MobileNetV5Encoder> vision_;
  std::unique_ptr<MultimodalEmbedder> embedder_;
};

}  // namespace ll::models::gemma3n
