#pragma once
// DotsOCRForCausalLM: the vision tower's merged features replace the <|imgpad|> token embeddings of the
// prompt (specs/dots-ocr.md §3.3), then a plain Qwen2 decoder with 1-D positions runs. This class owns both
// halves, loads the 643-tensor checkpoint, and is a CausalLM, so the generation scheduler drives it like
// any decoder: a request's image features travel as the prefill's embedding override rows. Unlike the
// reference it hard-fails when the number of image tokens and feature rows differ (the reference truncates
// with a printed warning). Checked against the reference modeling_dots_ocr.py (tools/gpu/dots_ocr_parity.sh,
// fixture tests/fixtures/dots_ocr_tiny).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/infer/causal_lm.h"
#include "core/models/dots_ocr/config.h"
#include "core/models/dots_ocr/vision_tower.h"
#include "core/models/qwen2/qwen2_causal_lm.h"

namespace ll::models::dots_ocr {

class DotsOcrModel : public infer::CausalLM {
 public:
  // Every tensor of the checkpoint with its shape: the vision tower's and the Qwen2 decoder's
  // (model.*, lm_head.weight unless the embeddings are tied). 643 for the released config.
  static TensorShapes expectedTensors(const DotsOcrConfig& config);

  // Weights by checkpoint name, in any dtype/device; they are converted to options.dtype on options.device
  // (a float32 conv bias in a bfloat16 file included). Throws std::invalid_argument listing missing or
  // misshaped tensors.
  static std::unique_ptr<DotsOcrModel> fromWeights(const DotsOcrConfig& config, std::map<std::string, at::Tensor> weights,
                                                   const qwen2::DecoderOptions& options);
  // A checkpoint folder: config.json + model.safetensors or a sharded index.
  static std::unique_ptr<DotsOcrModel> load(const std::string& modelDir, const qwen2::DecoderOptions& options);

  const DotsOcrConfig& config() const { return config_; }
  const VisionTower& visionTower() const { return *vision_; }
  qwen2::Qwen2CausalLM& decoder() { return *decoder_; }
  const qwen2::Qwen2CausalLM& decoder() const { return *decoder_; }
  void setAttentionImpl(infer::AttentionImpl impl);

  // Vision features [sum(t*h*w) / 4, hidden] for the images of one or several prompts, in the model dtype.
  at::Tensor visionFeatures(const at::Tensor& pixelValues, const std::vector<ImageGrid>& grids) const;
  // Indices of the image_token_id (<|imgpad|>) tokens in `ids`.
  std::vector<int64_t> imageTokenPositions(const std::vector<int64_t>& ids) const;
  // The prefill request for a prompt: `features` rows fill the image token positions in order. Throws
  // std::invalid_argument when their counts differ (prompt built for another image size?).
  infer::PrefillInput prefillInput(const std::vector<int64_t>& ids, const at::Tensor& features) const;
  // Token embeddings with the image features spliced in, [ids.size(), hidden] (the reference's
  // prepare_inputs_embeds).
  at::Tensor mergedEmbeddings(const std::vector<int64_t>& ids, const at::Tensor& features) const;
  // Float32 logits [ids.size(), vocab] of every prompt position, without a cache: vision tower, splice,
  // decoder. For tests and parity checks; generation uses prefill()/decode().
  at::Tensor promptLogits(const std::vector<int64_t>& ids, const at::Tensor& pixelValues,
                          const std::vector<ImageGrid>& grids) const;

  // CausalLM, delegated to the decoder (prefill takes the image rows as its embedding override).
  std::string name() const override { return "dots_ocr"; }
  int64_t vocabSize() const override { return decoder_->vocabSize(); }
  int64_t hiddenSize() const override { return decoder_->hiddenSize(); }
  c10::Device device() const override { return decoder_->device(); }
  c10::ScalarType dtype() const override { return decoder_->dtype(); }
  void reserveSlots(int slots, int64_t maxLength) override { decoder_->reserveSlots(slots, maxLength); }
  int slotCount() const override { return decoder_->slotCount(); }
  int64_t maxSequenceLength() const override { return decoder_->maxSequenceLength(); }
  std::optional<int> acquireSlot() override { return decoder_->acquireSlot(); }
  void releaseSlot(int slot) override { decoder_->releaseSlot(slot); }
  int64_t cachedLength(int slot) const override { return decoder_->cachedLength(slot); }
  at::Tensor prefill(int slot, const infer::PrefillInput& input) override;
  at::Tensor decode(const std::vector<int>& slots, const std::vector<int64_t>& tokens) override {
    return decoder_->decode(slots, tokens);
  }
  bool decodesAhead() const override { return decoder_->decodesAhead(); }
  std::unique_ptr<infer::PendingTokens> decodeAhead(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                                                    const std::vector<bool>& fedBack) override {
    return decoder_->decodeAhead(slots, tokens, fedBack);
  }

 private:
  DotsOcrModel(const DotsOcrConfig& config, std::unique_ptr<VisionTower> vision,
               std::unique_ptr<qwen2::Qwen2CausalLM> decoder);

  DotsOcrConfig config_;
  std::unique_ptr<VisionTower> vision_;
  std::unique_ptr<qwen2::Qwen2CausalLM> decoder_;
};

}  // namespace ll::models::dots_ocr
