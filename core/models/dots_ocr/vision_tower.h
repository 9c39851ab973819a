#pragma once
// dots.ocr's 1.2B vision tower (`DotsVisionTransformer`, specs/dots-ocr.md §3.2): Conv2d patch embedding +
// RMSNorm, 2-D rotary, pre-norm blocks with bias-free qkv and SwiGLU (fc1 gate, fc3 up, fc2 down), a final
// post_trunk_norm and a 2x2 patch merger (LayerNorm eps 1e-6, Linear, exact GELU, Linear). Unlike Qwen2-VL's
// tower it uses RMSNorm everywhere inside the trunk and SwiGLU instead of QuickGELU MLPs. Attention is
// block-diagonal per image and never builds an [N, N] score matrix. Checked against the reference
// `modeling_dots_vision.py` (tools/gpu/dots_ocr_parity.sh).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/infer/runtime_options.h"
#include "core/models/dots_ocr/config.h"
#include "core/models/dots_ocr/vision_rotary.h"

namespace ll::models::dots_ocr {

using TensorShapes = std::vector<std::pair<std::string, std::vector<int64_t>>>;

class VisionTower {
 public:
  static constexpr const char* kPrefix = "vision_tower.";

  // Every tensor the tower needs, with checkpoint names (prefix "vision_tower.") and shapes; the attention
  // and MLP biases only when config.useBias, post_trunk_norm only when config.postNorm.
  static TensorShapes expectedTensors(const VisionConfig& config);

  // `weights` uses checkpoint names; the alternate export names `.attn.qkv_proj.` / `.attn.out_proj.` are
  // accepted too. All tensors must share one device and dtype (the model dtype). Throws
  // std::invalid_argument listing every missing or misshaped tensor.
  VisionTower(const VisionConfig& config, const std::map<std::string, at::Tensor>& weights);

  // pixelValues [N, C*T*P*P] (any float dtype/device; cast to the weights' dtype at entry, as the reference
  // does), grids with sum(t*h*w) == N, in the order the image processor emitted them. Returns the merged
  // features [N / merge^2, hidden_size] in the weights' dtype, on the weights' device.
  at::Tensor forward(const at::Tensor& pixelValues, const std::vector<ImageGrid>& grids) const;

  // Stages, exposed for parity checks: patch embedding + its RMSNorm [N, embed_dim]; the trunk (blocks and
  // post_trunk_norm) [N, embed_dim]; the merger [N/merge^2, hidden_size].
  at::Tensor embedPatches(const at::Tensor& pixelValues) const;
  at::Tensor trunk(at::Tensor hidden, const std::vector<ImageGrid>& grids) const;
  at::Tensor merge(const at::Tensor& hidden) const;

  const VisionConfig& config() const { return config_; }
  c10::ScalarType dtype() const { return patchWeight_.scalar_type(); }
  c10::Device device() const { return patchWeight_.device(); }
  // sdpa and flash_attention_2 both use libtorch's fused kernels; eager is the chunked plain-math path.
  void setAttentionImpl(infer::AttentionImpl impl) { attention_ = impl; }

 private:
  struct Block {
    at::Tensor norm1, qkvWeight, qkvBias, projWeight, projBias;
    at::Tensor norm2, fc1Weight, fc1Bias, fc2Weight, fc2Bias, fc3Weight, fc3Bias;
  };
  at::Tensor runBlock(const Block& b, const at::Tensor& x, const VisionRotary& rotary,
                      const std::vector<int64_t>& cuSeqlens) const;
  at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight) const;

  VisionConfig config_;
  infer::AttentionImpl attention_ = infer::AttentionImpl::Sdpa;
  at::Tensor patchWeight_, patchBias_, patchNorm_;
  std::vector<Block> blocks_;
  at::Tensor postNorm_;
  at::Tensor lnWeight_, lnBias_, mlp0Weight_, mlp0Bias_, mlp2Weight_, mlp2Bias_;
};

// Throws std::invalid_argument naming every tensor of `expected` that `weights` lacks or holds with another
// shape (one line per problem, at most a screenful, then a count), prefixed by `origin`.
void requireTensorShapes(const std::map<std::string, at::Tensor>& weights, const TensorShapes& expected,
                         const std::string& origin);

}  // namespace ll::models::dots_ocr
