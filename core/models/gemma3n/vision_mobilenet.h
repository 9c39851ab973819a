#pragma once
// Gemma 3n's vision tower: timm's MobileNetV5-300M encoder (`mobilenetv5_300m_enc`, specs/gemma3n.md §3, §5.3)
// re-implemented on libtorch ops. The block structure is not hard-coded: it is read from the tensor names and
// shapes, so the same code runs the released 300M tower and timm's channel_multiplier variants (tiny random
// parity models). forward() is timm's forward_features: stem, four stages, the multi-scale fusion adapter,
// giving [B, C_msfa (2048), 16, 16] for inputs whose side is a multiple of 256. Checked against the GPU
// machine's timm with tools/gpu/gemma3n_vision_check.{py,cpp}: random 300M tower, 768 input, fp32 CUDA, max
// error <= 2.6e-6 of max|x| at the stem, every stage and the MSFA output (channel_multiplier 0.0625 at 256:
// <= 1.3e-5).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace ll::models::gemma3n {

class MobileNetV5Encoder {
 public:
  static constexpr const char* kCheckpointPrefix = "model.vision_tower.timm_model.";
  static constexpr int64_t kOutputResolution = 16;  // MSFA output side: 256 soft tokens per image

  enum class BlockType { EdgeResidual, UniversalInvertedResidual, MobileAttention };

  // Conv + optional RmsNorm2d + optional GELU (timm ConvNormAct with pad_type='same').
  struct ConvUnit {
    at::Tensor weight, bias, norm;
    int64_t stride = 1;
    int64_t groups = 1;
    bool act = false;
    bool defined() const { return weight.defined(); }
    int64_t kernel() const { return weight.defined() ? weight.size(2) : 0; }
    int64_t outChannels() const { return weight.defined() ? weight.size(0) : 0; }
  };

  struct Block {
    std::string name;  // "blocks.s.i"
    BlockType type = BlockType::UniversalInvertedResidual;
    int64_t stride = 1, inChannels = 0, outChannels = 0;
    bool residual = false;
    // EdgeResidual: convExp (k x k, norm bn1, GELU) -> convPwl (1x1, norm bn2).
    // UIR: dwStart (no act) -> pwExp (GELU) -> dwMid (GELU) -> pwProj (no act) -> layer scale.
    ConvUnit convExp, convPwl, dwStart, pwExp, dwMid, pwProj;
    // MobileAttention: norm -> query/key/value (key/value optionally downsampled by kvDown) -> output.
    at::Tensor attnNorm, queryProj, keyProj, valueProj, outputProj;
    ConvUnit keyDown, valueDown;
    int64_t heads = 0;
    at::Tensor layerScale;  // undefined for EdgeResidual
  };

  // `weights` are keyed without kCheckpointPrefix (keys that still carry it are accepted and stripped; other
  // "model." keys are ignored). Tensors are moved to `device` and `dtype` (float32 or bfloat16). Throws
  // std::invalid_argument naming the missing or misshaped tensor, or listing tensors the tower does not use.
  // channelsLast stores conv weights and activations NHWC (a cuDNN speed lever; results equal up to rounding).
  static std::unique_ptr<MobileNetV5Encoder> fromWeights(std::map<std::string, at::Tensor> weights,
                                                         c10::Device device, c10::ScalarType dtype,
                                                         double eps = 1e-6, bool channelsLast = false);

  // pixels [B, 3, H, W] float in [0, 1] (any dtype/device; cast at entry). Returns [B, C_msfa, 16, 16] in
  // the tower's dtype on its device.
  at::Tensor forward(const at::Tensor& pixels) const;
  // Same, and fills `debug` (when not null) with float32 CPU copies of "stem", "stage0".."stage<n-1>"
  // (outputs of timm_model.blocks[s]) and "msfa" for the parity check against timm.
  at::Tensor forward(const at::Tensor& pixels, std::map<std::string, at::Tensor>* debug) const;

  const std::vector<std::vector<Block>>& stages() const { return stages_; }
  int64_t outChannels() const { return msfaNorm_.size(0); }
  c10::Device device() const { return device_; }
  c10::ScalarType dtype() const { return dtype_; }
  int64_t parameterCount() const { return parameterCount_; }
  // One line per stage: block kinds, kernels, strides, channels (for logs and `layoutlens-cli` describe).
  std::string describe() const;

 private:
  MobileNetV5Encoder(c10::Device device, c10::ScalarType dtype, double eps, bool channelsLast);
  // conv -> [norm] -> [gelu] -> [* gamma] -> [+ residual] (the last two: a block's layer scale and residual).
  at::Tensor runConv(const ConvUnit& c, const at::Tensor& x, const at::Tensor& gamma = {},
                     const at::Tensor& residual = {}) const;
  at::Tensor runBlock(const Block& b, const at::Tensor& x) const;
  at::Tensor runMsfa(const at::Tensor& high, const at::Tensor& low) const;

  c10::Device device_;
  c10::ScalarType dtype_;
  double eps_;
  bool channelsLast_ = false;
  int64_t parameterCount_ = 0;
  ConvUnit stem_;
  std::vector<std::vector<Block>> stages_;
  ConvUnit msfaExp_, msfaProj_;
  at::Tensor msfaNorm_;
};

const char* blockTypeName(MobileNetV5Encoder::BlockType type);

}  // namespace ll::models::gemma3n
