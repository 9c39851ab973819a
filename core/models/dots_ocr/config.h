#pragma once
// dots.ocr's config.json (model_type "dots_ocr"): a Qwen2 text config at the top level plus the nested
// `vision_config` (model_type "dots_vit"). Parsed here, without torch, so the CLI and the pipeline can read a
// checkpoint's shape and validate it before any tensor is touched. The text fields go through the Qwen2
// reader (the decoder is a plain Qwen2). Vision field names and defaults follow the reference
// `configuration_dots.py` (DotsVisionConfig / DotsOCRConfig); see specs/dots-ocr.md §1.
#include <cstdint>
#include <string>

#include "core/models/qwen2/qwen2_config.h"

namespace ll::models::dots_ocr {

struct VisionConfig {
  int64_t embedDim = 1536;          // ViT width ("embed_dim")
  int64_t hiddenSize = 1536;        // merger output = text hidden size ("hidden_size")
  int64_t intermediateSize = 4224;  // SwiGLU width
  int64_t numHiddenLayers = 42;
  int64_t numAttentionHeads = 12;
  int64_t numChannels = 3;
  int64_t patchSize = 14;
  int64_t spatialMergeSize = 2;
  int64_t temporalPatchSize = 1;
  double rmsNormEps = 1e-5;
  bool useBias = false;  // biases of attn qkv/proj and mlp fc1/fc2/fc3 only
  bool postNorm = true;  // a final post_trunk_norm exists
  bool isCausal = false;
  std::string attnImplementation = "flash_attention_2";

  int64_t headDim() const { return embedDim / numAttentionHeads; }
  // Values per row of pixel_values: channels x temporal x patch x patch (588 for the release).
  int64_t patchInputSize() const { return numChannels * temporalPatchSize * patchSize * patchSize; }
  int64_t mergeUnit() const { return spatialMergeSize * spatialMergeSize; }
};

struct DotsOcrConfig {
  std::string modelType = "dots_ocr";
  std::string torchDtype = "bfloat16";  // the checkpoint's storage dtype, informational
  int64_t imageTokenId = 151665;        // <|imgpad|>
  int64_t videoTokenId = 151656;
  qwen2::Qwen2Config text;  // the top-level fields: dots.ocr's decoder is a plain Qwen2
  VisionConfig vision;
};

// Parses config.json text. `origin` names the file in messages. Throws std::runtime_error with one line
// saying which field is wrong and what is expected (e.g. a vision width not divisible by its heads).
DotsOcrConfig parseDotsOcrConfig(const std::string& jsonText, const std::string& origin);
// Reads <dir>/config.json.
DotsOcrConfig loadDotsOcrConfig(const std::string& modelDir);
// The inverse, with the reference's field names; used by tests and tools that write tiny checkpoints.
std::string toConfigJson(const DotsOcrConfig& config);

}  // namespace ll::models::dots_ocr
