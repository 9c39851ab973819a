// dots.ocr = vision tower + splice + Qwen2 decoder; see dots_ocr_model.h.
#include "core/models/dots_ocr/dots_ocr_model.h"

#include <cstring>
#include <stdexcept>
#include <utility>

#include <ATen/ATen.h>

#include "core/infer/checkpoint.h"

namespace ll::models::dots_ocr {
namespace {

// vLLM-converted exports spell the vision attention projections qkv_proj / out_proj.
std::string canonicalName(std::string name) {
  for (const auto& [from, to] : {std::pair<const char*, const char*>{".attn.qkv_proj.", ".attn.qkv."},
                                 std::pair<const char*, const char*>{".attn.out_proj.", ".attn.proj."}}) {
    const auto pos = name.find(from);
    if (pos != std::string::npos && name.rfind(VisionTower::kPrefix, 0) == 0) name.replace(pos, std::strlen(from), to);
  }
  return name;
}

}  // namespace

TensorShapes DotsOcrModel::expectedTensors(const DotsOcrConfig& c) {
  TensorShapes s = VisionTower::expectedTensors(c.vision);
  const qwen2::Qwen2Config& t = c.text;
  const int64_t h = t.hiddenSize, q = t.numHeads * t.headDim, kv = t.numKvHeads * t.headDim, f = t.intermediateSize;
  s.push_back({"model.embed_tokens.weight", {t.vocabSize, h}});
  for (int64_t i = 0; i < t.numLayers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    s.push_back({p + "input_layernorm.weight", {h}});
    s.push_back({p + "self_attn.q_proj.weight", {q, h}});
    s.push_back({p + "self_attn.k_proj.weight", {kv, h}});
    s.push_back({p + "self_attn.v_proj.weight", {kv, h}});
    if (t.attentionBias) {
      s.push_back({p + "self_attn.q_proj.bias", {q}});
      s.push_back({p + "self_attn.k_proj.bias", {kv}});
      s.push_back({p + "self_attn.v_proj.bias", {kv}});
    }
    s.push_back({p + "self_attn.o_proj.weight", {h, q}});
    s.push_back({p + "post_attention_layernorm.weight", {h}});
    s.push_back({p + "mlp.gate_proj.weight", {f, h}});
    s.push_back({p + "mlp.up_proj.weight", {f, h}});
    s.push_back({p + "mlp.down_proj.weight", {h, f}});
  }
  s.push_back({"model.norm.weight", {h}});
  if (!t.tieWordEmbeddings) s.push_back({"lm_head.weight", {t.vocabSize, h}});
  return s;
}

DotsOcrModel::DotsOcrModel(const DotsOcrConfig& config, std::unique_ptr<VisionTower> vision,
                           std::unique_ptr<qwen2::Qwen2CausalLM> decoder)
    : config_(config), vision_(std::move(vision)), decoder_(std::move(decoder)) {}

std::unique_ptr<DotsOcrModel> DotsOcrModel::fromWeights(const DotsOcrConfig& config,
                                                        std::map<std::string, at::Tensor> weights,
                                                        const qwen2::DecoderOptions& options) {
  std::map<std::string, at::Tensor> renamed;
  for (auto& [name, t] : weights) renamed.emplace(canonicalName(name), std::move(t));
  weights = std::move(renamed);
  // Check everything first, so one message lists every problem instead of the first one found.
  requireTensorShapes(weights, expectedTensors(config), "dots.ocr checkpoint");

  // Move the vision tensors out (converted) so that each tensor exists once in the model dtype.
  std::map<std::string, at::Tensor> visionWeights;
  const std::string prefix = VisionTower::kPrefix;
  for (auto it = weights.begin(); it != weights.end();) {
    if (it->first.compare(0, prefix.size(), prefix) == 0) {
      visionWeights.emplace(it->first, it->second.to(options.device, options.dtype).contiguous());
      it = weights.erase(it);
    } else {
      ++it;
    }
  }
  auto vision = std::make_unique<VisionTower>(config.vision, visionWeights);
  visionWeights.clear();
  vision->setAttentionImpl(options.attention);
  auto decoder = qwen2::Qwen2CausalLM::fromWeights(config.text, std::move(weights), options);
  return std::unique_ptr<DotsOcrModel>(new DotsOcrModel(config, std::move(vision), std::move(decoder)));
}

std::unique_ptr<DotsOcrModel> DotsOcrModel::load(const std::string& modelDir, const qwen2::DecoderOptions& options) {
  const DotsOcrConfig config = loadDotsOcrConfig(modelDir);
  const infer::Checkpoint checkpoint = infer::Checkpoint::open(modelDir);
  // Validate names and shapes from the headers before reading 6 GB, accepting the alternate spellings.
  std::map<std::string, std::string> storedName;
  for (const std::string& n : checkpoint.names()) storedName.emplace(canonicalName(n), n);
  TensorShapes expected = expectedTensors(config);
  for (auto& [name, shape] : expected) {
    auto it = storedName.find(name);
    if (it != storedName.end()) name = it->second;
  }
  checkpoint.requireShapes(expected);
  // Per-tensor dtypes in the file (a float32 conv bias next to bfloat16 weights) are converted here.
  return fromWeights(config, checkpoint.loadAll(options.device, options.dtype), options);
}

void DotsOcrModel::setAttentionImpl(infer::AttentionImpl impl) {
  vision_->setAttentionImpl(impl);
  decoder_->setAttentionImpl(impl);
}

at::Tensor DotsOcrModel::visionFeatures(const at::Tensor& pixelValues, const std::vector<ImageGrid>& grids) const {
  return vision_->forward(pixelValues, grids);
}

std::vector<int64_t> DotsOcrModel::imageTokenPositions(const std::vector<int64_t>& ids) const {
  std::vector<int64_t> positions;
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] == config_.imageTokenId) positions.push_back(static_cast<int64_t>(i));
  return positions;
}

infer::PrefillInput DotsOcrModel::prefillInput(const std::vector<int64_t>& ids, const at::Tensor& features) const {
  infer::PrefillInput input;
  input.tokenIds = ids;
  std::vector<int64_t> positions = imageTokenPositions(ids);
  const int64_t rows = features.defined() ? features.size(0) : 0;
  if (static_cast<int64_t>(positions.size()) != rows)
    throw std::invalid_argument("dots.ocr prompt has " + std::to_string(positions.size()) + " image tokens (id " +
                                std::to_string(config_.imageTokenId) + ") but the images give " + std::to_string(rows) +
                                " feature rows; build the prompt with one <|imgpad|> per merged patch "
                                "(h*w/4 per image, from the image processor's grid)");
  if (rows > 0) {
    if (features.dim() != 2 || features.size(1) != config_.text.hiddenSize)
      throw std::invalid_argument("dots.ocr image features must be [rows, " + std::to_string(config_.text.hiddenSize) + "]");
    input.embeddings.rows = features;
    input.embeddings.positions = std::move(positions);
  }
  return input;
}

at::Tensor DotsOcrModel::mergedEmbeddings(const std::vector<int64_t>& ids, const at::Tensor& features) const {
  const infer::PrefillInput input = prefillInput(ids, features);
  at::Tensor embeds = decoder_->embedTokens(ids);
  if (!input.embeddings.empty()) {
    const at::Tensor pos = at::tensor(input.embeddings.positions, at::TensorOptions().dtype(at::kLong)).to(embeds.device());
    embeds.index_copy_(0, pos, input.embeddings.rows.to(embeds.device(), embeds.scalar_type()));
  }
  return embeds;
}

at::Tensor DotsOcrModel::promptLogits(const std::vector<int64_t>& ids, const at::Tensor& pixelValues,
                                      const std::vector<ImageGrid>& grids) const {
  const at::Tensor features = pixelValues.defined() ? visionFeatures(pixelValues, grids) : at::Tensor();
  return decoder_->forwardAll(prefillInput(ids, features));
}

at::Tensor DotsOcrModel::prefill(int slot, const infer::PrefillInput& input) {
  // Every image token must be covered, else it would keep the <|imgpad|> embedding silently.
  const std::vector<int64_t> positions = imageTokenPositions(input.tokenIds);
  if (positions != input.embeddings.positions)
    throw std::invalid_argument("dots.ocr prefill: the embedding override must cover exactly the " +
                                std::to_string(positions.size()) + " image token positions of the prompt (got " +
                                std::to_string(input.embeddings.positions.size()) +
                                "); build it with DotsOcrModel::prefillInput");
  return decoder_->prefill(slot, input);
}

}  // namespace ll::models::dots_ocr
