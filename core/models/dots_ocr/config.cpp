// Parsing and validation of dots.ocr's config.json; see config.h.
#include "core/models/dots_ocr/config.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace ll::models::dots_ocr {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw std::runtime_error(origin + ": " + what);
}

// Reads an optional field, keeping the default when absent or null; a wrong JSON type is an error that
// names the field, rather than nlohmann's generic "type must be number".
template <typename T>
void read(const json& obj, const char* key, T& out, const std::string& origin, const std::string& prefix) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    fail(origin, "field '" + prefix + key + "' has the wrong type (" + it->type_name() + "); fix config.json");
  }
}

void requirePositive(int64_t v, const char* name, const std::string& origin) {
  if (v <= 0) fail(origin, std::string("field '") + name + "' must be positive, got " + std::to_string(v));
}

}  // namespace

DotsOcrConfig parseDotsOcrConfig(const std::string& jsonText, const std::string& origin) {
  json root;
  try {
    root = json::parse(jsonText);
  } catch (const json::exception& e) {
    fail(origin, std::string("is not valid JSON (") + e.what() + ")");
  }
  if (!root.is_object()) fail(origin, "must hold a JSON object");

  DotsOcrConfig c;
  read(root, "model_type", c.modelType, origin, "");
  if (c.modelType != "dots_ocr")
    fail(origin, "model_type is '" + c.modelType + "', expected 'dots_ocr'; point to a dots.ocr checkpoint folder");
  read(root, "torch_dtype", c.torchDtype, origin, "");
  read(root, "image_token_id", c.imageTokenId, origin, "");
  read(root, "video_token_id", c.videoTokenId, origin, "");

  // The decoder reader also accepts transformers 5's `rope_parameters` spelling and rejects scaled RoPE.
  c.text = qwen2::Qwen2Config::fromJson(root, origin);
  std::string hiddenAct = "silu";
  read(root, "hidden_act", hiddenAct, origin, "");
  if (hiddenAct != "silu") fail(origin, "hidden_act is '" + hiddenAct + "', dots.ocr's text model uses 'silu'");

  auto vit = root.find("vision_config");
  if (vit == root.end() || !vit->is_object())
    fail(origin, "has no 'vision_config' object; a dots.ocr config.json nests the vision tower settings there");
  VisionConfig& v = c.vision;
  const std::string vp = "vision_config.";
  read(*vit, "embed_dim", v.embedDim, origin, vp);
  read(*vit, "hidden_size", v.hiddenSize, origin, vp);
  read(*vit, "intermediate_size", v.intermediateSize, origin, vp);
  read(*vit, "num_hidden_layers", v.numHiddenLayers, origin, vp);
  read(*vit, "num_attention_heads", v.numAttentionHeads, origin, vp);
  read(*vit, "num_channels", v.numChannels, origin, vp);
  read(*vit, "patch_size", v.patchSize, origin, vp);
  read(*vit, "spatial_merge_size", v.spatialMergeSize, origin, vp);
  read(*vit, "temporal_patch_size", v.temporalPatchSize, origin, vp);
  read(*vit, "rms_norm_eps", v.rmsNormEps, origin, vp);
  read(*vit, "use_bias", v.useBias, origin, vp);
  read(*vit, "post_norm", v.postNorm, origin, vp);
  read(*vit, "is_causal", v.isCausal, origin, vp);
  read(*vit, "attn_implementation", v.attnImplementation, origin, vp);

  if (c.imageTokenId < 0 || c.imageTokenId >= c.text.vocabSize)
    fail(origin, "image_token_id " + std::to_string(c.imageTokenId) + " lies outside the vocabulary (vocab_size " +
                     std::to_string(c.text.vocabSize) + ")");

  requirePositive(v.embedDim, "vision_config.embed_dim", origin);
  requirePositive(v.numHiddenLayers, "vision_config.num_hidden_layers", origin);
  requirePositive(v.numAttentionHeads, "vision_config.num_attention_heads", origin);
  requirePositive(v.intermediateSize, "vision_config.intermediate_size", origin);
  requirePositive(v.patchSize, "vision_config.patch_size", origin);
  requirePositive(v.spatialMergeSize, "vision_config.spatial_merge_size", origin);
  requirePositive(v.numChannels, "vision_config.num_channels", origin);
  if (v.embedDim % v.numAttentionHeads != 0)
    fail(origin, "vision_config.embed_dim " + std::to_string(v.embedDim) +
                     " is not divisible by vision_config.num_attention_heads " + std::to_string(v.numAttentionHeads));
  // 2-D rotary: half the head for rows, half for columns, each as (cos, sin) pairs.
  if (v.headDim() % 4 != 0)
    fail(origin, "the vision head size (embed_dim / num_attention_heads = " + std::to_string(v.headDim()) +
                     ") must be divisible by 4 for the 2-D rotary embedding");
  if (v.temporalPatchSize != 1)
    fail(origin, "vision_config.temporal_patch_size is " + std::to_string(v.temporalPatchSize) +
                     "; only 1 (still images, as released) is supported");
  if (v.hiddenSize != c.text.hiddenSize)
    fail(origin, "vision_config.hidden_size " + std::to_string(v.hiddenSize) + " differs from the text hidden_size " +
                     std::to_string(c.text.hiddenSize) + "; the merger output must fit the text embeddings");
  if (v.isCausal) fail(origin, "vision_config.is_causal is true; dots.ocr's vision tower is bidirectional");
  return c;
}

DotsOcrConfig loadDotsOcrConfig(const std::string& modelDir) {
  const std::string path = modelDir + "/config.json";
  std::ifstream in(std::filesystem::u8path(path), std::ios::binary);  // UTF-8 paths on Windows too
  if (!in) throw std::runtime_error(path + ": cannot be opened; pass the folder that holds the dots.ocr config.json");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parseDotsOcrConfig(ss.str(), path);
}

std::string toConfigJson(const DotsOcrConfig& c) {
  json root = c.text.toJson();
  root["architectures"] = {"DotsOCRForCausalLM"};
  root["model_type"] = c.modelType;
  root["torch_dtype"] = c.torchDtype;
  root["hidden_act"] = "silu";
  root["image_token_id"] = c.imageTokenId;
  root["video_token_id"] = c.videoTokenId;
  root["vision_config"] = {{"embed_dim", c.vision.embedDim},
                           {"hidden_size", c.vision.hiddenSize},
                           {"intermediate_size", c.vision.intermediateSize},
                           {"num_hidden_layers", c.vision.numHiddenLayers},
                           {"num_attention_heads", c.vision.numAttentionHeads},
                           {"num_channels", c.vision.numChannels},
                           {"patch_size", c.vision.patchSize},
                           {"post_norm", c.vision.postNorm},
                           {"rms_norm_eps", c.vision.rmsNormEps},
                           {"spatial_merge_size", c.vision.spatialMergeSize},
                           {"temporal_patch_size", c.vision.temporalPatchSize},
                           {"use_bias", c.vision.useBias},
                           {"attn_implementation", c.vision.attnImplementation},
                           {"is_causal", c.vision.isCausal}};
  return root.dump(2);
}

}  // namespace ll::models::dots_ocr
