// dots.ocr vision tower; see vision_tower.h.
#include "core/models/dots_ocr/vision_tower.h"

#include <algorithm>
#include <stdexcept>

#include <ATen/ATen.h>

#include "core/infer/attention.h"
#include "core/infer/fused_elementwise.h"
#include "core/infer/shape_text.h"

namespace ll::models::dots_ocr {
namespace {

using infer::shapeText;

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return b.defined() ? at::linear(x, w, b) : at::linear(x, w);
}

}  // namespace

void requireTensorShapes(const std::map<std::string, at::Tensor>& weights, const TensorShapes& expected,
                         const std::string& origin) {
  std::vector<std::string> problems;
  for (const auto& [name, shape] : expected) {
    auto it = weights.find(name);
    if (it == weights.end())
      problems.push_back("missing " + name + " " + shapeText(shape));
    else if (it->second.sizes() != at::IntArrayRef(shape))
      problems.push_back(name + " has shape " + shapeText(it->second.sizes()) + ", expected " + shapeText(shape));
  }
  if (problems.empty()) return;
  std::string msg = origin + ": " + std::to_string(problems.size()) +
                    " tensor(s) missing or misshaped for this config.json (is it the matching checkpoint?): ";
  const size_t shown = std::min<size_t>(problems.size(), 12);
  for (size_t i = 0; i < shown; ++i) msg += (i ? "; " : "") + problems[i];
  if (problems.size() > shown) msg += "; and " + std::to_string(problems.size() - shown) + " more";
  throw std::invalid_argument(msg);
}

TensorShapes VisionTower::expectedTensors(const VisionConfig& c) {
  const std::string p = kPrefix;
  const int64_t e = c.embedDim, f = c.intermediateSize, merged = c.embedDim * c.mergeUnit();
  TensorShapes s{
      {p + "patch_embed.patchifier.proj.weight", {e, c.numChannels, c.patchSize, c.patchSize}},
      {p + "patch_embed.patchifier.proj.bias", {e}},
      {p + "patch_embed.patchifier.norm.weight", {e}},
  };
  for (int64_t i = 0; i < c.numHiddenLayers; ++i) {
    const std::string b = p + "blocks." + std::to_string(i) + ".";
    s.push_back({b + "norm1.weight", {e}});
    s.push_back({b + "attn.qkv.weight", {3 * e, e}});
    s.push_back({b + "attn.proj.weight", {e, e}});
    s.push_back({b + "norm2.weight", {e}});
    s.push_back({b + "mlp.fc1.weight", {f, e}});
    s.push_back({b + "mlp.fc2.weight", {e, f}});
    s.push_back({b + "mlp.fc3.weight", {f, e}});
    if (c.useBias) {
      s.push_back({b + "attn.qkv.bias", {3 * e}});
      s.push_back({b + "attn.proj.bias", {e}});
      s.push_back({b + "mlp.fc1.bias", {f}});
      s.push_back({b + "mlp.fc2.bias", {e}});
      s.push_back({b + "mlp.fc3.bias", {f}});
    }
  }
  if (c.postNorm) s.push_back({p + "post_trunk_norm.weight", {e}});
  s.push_back({p + "merger.ln_q.weight", {e}});
  s.push_back({p + "merger.ln_q.bias", {e}});
  s.push_back({p + "merger.mlp.0.weight", {merged, merged}});
  s.push_back({p + "merger.mlp.0.bias", {merged}});
  s.push_back({p + "merger.mlp.2.weight", {c.hiddenSize, merged}});
  s.push_back({p + "merger.mlp.2.bias", {c.hiddenSize}});
  return s;
}

VisionTower::VisionTower(const VisionConfig& config, const std::map<std::string, at::Tensor>& weights)
    : config_(config) {
  // Some exports (vLLM-converted) spell the attention projections qkv_proj / out_proj.
  std::map<std::string, at::Tensor> w;
  for (const auto& [name, t] : weights) {
    if (name.compare(0, std::char_traits<char>::length(kPrefix), kPrefix) != 0) continue;
    std::string n = name;
    for (const auto& [from, to] : {std::pair<std::string, std::string>{".attn.qkv_proj.", ".attn.qkv."},
                                   std::pair<std::string, std::string>{".attn.out_proj.", ".attn.proj."}}) {
      const auto pos = n.find(from);
      if (pos != std::string::npos) n.replace(pos, from.size(), to);
    }
    w[n] = t;
  }
  requireTensorShapes(w, expectedTensors(config), "dots.ocr vision tower");

  const std::string p = kPrefix;
  auto get = [&](const std::string& n) { return w.at(p + n); };
  auto opt = [&](const std::string& n) {
    auto it = w.find(p + n);
    return (config.useBias && it != w.end()) ? it->second : at::Tensor();
  };
  patchWeight_ = get("patch_embed.patchifier.proj.weight");
  patchBias_ = get("patch_embed.patchifier.proj.bias");
  patchNorm_ = get("patch_embed.patchifier.norm.weight");
  for (int64_t i = 0; i < config.numHiddenLayers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".";
    blocks_.push_back({get(b + "norm1.weight"), get(b + "attn.qkv.weight"), opt(b + "attn.qkv.bias"),
                       get(b + "attn.proj.weight"), opt(b + "attn.proj.bias"), get(b + "norm2.weight"),
                       get(b + "mlp.fc1.weight"), opt(b + "mlp.fc1.bias"), get(b + "mlp.fc2.weight"),
                       opt(b + "mlp.fc2.bias"), get(b + "mlp.fc3.weight"), opt(b + "mlp.fc3.bias")});
  }
  if (config.postNorm) postNorm_ = get("post_trunk_norm.weight");
  lnWeight_ = get("merger.ln_q.weight");
  lnBias_ = get("merger.ln_q.bias");
  mlp0Weight_ = get("merger.mlp.0.weight");
  mlp0Bias_ = get("merger.mlp.0.bias");
  mlp2Weight_ = get("merger.mlp.2.weight");
  mlp2Bias_ = get("merger.mlp.2.bias");

  for (const auto& [name, t] : w) {
    if (t.scalar_type() != dtype() || t.device() != device())
      throw std::invalid_argument("dots.ocr vision tower: " + name + " is " + std::string(c10::toString(t.scalar_type())) +
                                  " on " + t.device().str() + " but the patch embedding is " +
                                  c10::toString(dtype()) + " on " + device().str() +
                                  "; load every tensor with one dtype and device");
  }
}

at::Tensor VisionTower::rmsNorm(const at::Tensor& x, const at::Tensor& weight) const {
  // Statistics in float32, normalised value rounded to the input dtype before the weight multiply
  // (RmsNormWeight::AfterRounding); one fused kernel on the GPU, the op chain elsewhere.
  return infer::addRmsNorm(x, at::Tensor(), weight, config_.rmsNormEps).second;
}

at::Tensor VisionTower::embedPatches(const at::Tensor& pixelValues) const {
  const VisionConfig& c = config_;
  if (pixelValues.dim() != 2 || pixelValues.size(1) != c.patchInputSize())
    throw std::invalid_argument("pixel_values must have shape [patches, " + std::to_string(c.patchInputSize()) +
                                "], got " + shapeText(pixelValues.sizes()));
  const at::Tensor x = pixelValues.to(device(), dtype())
                           .reshape({-1, c.numChannels, c.temporalPatchSize, c.patchSize, c.patchSize})
                           .select(2, 0);
  // The reference's Conv2d with stride = kernel: one output pixel per patch.
  const at::Tensor embedded = at::conv2d(x, patchWeight_, patchBias_, {c.patchSize, c.patchSize}).view({-1, c.embedDim});
  return rmsNorm(embedded, patchNorm_);
}

at::Tensor VisionTower::runBlock(const Block& b, const at::Tensor& x, const VisionRotary& rotary,
                                 const std::vector<int64_t>& cuSeqlens) const {
  const int64_t n = x.size(0), heads = config_.numAttentionHeads, hd = config_.headDim();
  const at::Tensor qkv = linear(rmsNorm(x, b.norm1), b.qkvWeight, b.qkvBias).view({n, 3, heads, hd});
  const at::Tensor q = applyVisionRotary(qkv.select(1, 0), rotary);
  const at::Tensor k = applyVisionRotary(qkv.select(1, 1), rotary);
  const at::Tensor v = qkv.select(1, 2);

  // Block-diagonal attention: each image (frame) attends only to its own patches, one fused SDPA call
  // per image, so no [N, N] mask or score matrix exists (a large sheet has ~57k patches).
  infer::AttentionOptions options;
  options.impl = attention_;
  const at::Tensor attn = infer::varlenAttention(q, k, v, cuSeqlens, options).reshape({n, heads * hd});
  // The residual add and norm2 in one pass over the patches.
  const auto [h, m] = infer::addRmsNorm(x, linear(attn, b.projWeight, b.projBias), b.norm2, config_.rmsNormEps);
  const at::Tensor gated = infer::siluMul(linear(m, b.fc1Weight, b.fc1Bias), linear(m, b.fc3Weight, b.fc3Bias));
  return h + linear(gated, b.fc2Weight, b.fc2Bias);
}

at::Tensor VisionTower::trunk(at::Tensor hidden, const std::vector<ImageGrid>& grids) const {
  const VisionRotary rotary = visionRotary(grids, config_.headDim(), config_.spatialMergeSize, device());
  std::vector<int64_t> cuSeqlens{0};
  for (const ImageGrid& g : grids)
    for (int64_t f = 0; f < g.t; ++f) cuSeqlens.push_back(cuSeqlens.back() + g.h * g.w);
  for (const Block& b : blocks_) hidden = runBlock(b, hidden, rotary, cuSeqlens);
  return config_.postNorm ? rmsNorm(hidden, postNorm_) : hidden;
}

at::Tensor VisionTower::merge(const at::Tensor& hidden) const {
  const int64_t e = config_.embedDim, merged = e * config_.mergeUnit();
  const at::Tensor normed = at::layer_norm(hidden, {e}, lnWeight_, lnBias_, 1e-6);
  const at::Tensor x = at::linear(normed.reshape({-1, merged}), mlp0Weight_, mlp0Bias_);
  return at::linear(at::gelu(x), mlp2Weight_, mlp2Bias_);
}

at::Tensor VisionTower::forward(const at::Tensor& pixelValues, const std::vector<ImageGrid>& grids) const {
  checkGrids(grids, config_.spatialMergeSize);
  int64_t total = 0;
  for (const ImageGrid& g : grids) total += g.patches();
  if (pixelValues.dim() != 2 || pixelValues.size(0) != total)
    throw std::invalid_argument("pixel_values has " + std::to_string(pixelValues.dim() == 2 ? pixelValues.size(0) : -1) +
                                " patch rows but grid_thw describes " + std::to_string(total) +
                                "; pass the pixel_values and grid_thw the image processor produced together");
  return merge(trunk(embedPatches(pixelValues), grids));
}

}  // namespace ll::models::dots_ocr
