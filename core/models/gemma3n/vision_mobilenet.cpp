// MobileNetV5 encoder; see vision_mobilenet.h. Structure inference follows specs/gemma3n.md §5.3.
#include "core/models/gemma3n/vision_mobilenet.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "core/models/gemma3n/vision_blocks.h"
#include "core/infer/shape_text.h"

namespace ll::models::gemma3n {
namespace {

using infer::shapeText;

const char* kOrigin = "MobileNetV5 vision tower";

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument(std::string(kOrigin) + ": " + what); }

// Hands out tensors by name, converted to the model's device/dtype, and remembers which were used so that
// leftovers (a wrong prefix, an unknown block layout) are reported instead of silently ignored.
class WeightReader {
 public:
  WeightReader(std::map<std::string, at::Tensor> weights, c10::Device device, c10::ScalarType dtype, bool channelsLast)
      : device_(device), dtype_(dtype), channelsLast_(channelsLast) {
    const std::string prefix = MobileNetV5Encoder::kCheckpointPrefix;
    for (auto& [name, t] : weights) {
      if (name.rfind(prefix, 0) == 0)
        weights_[name.substr(prefix.size())] = std::move(t);
      else if (name.rfind("model.", 0) != 0)
        weights_[name] = std::move(t);
    }
  }
  bool has(const std::string& name) const { return weights_.count(name) != 0; }
  // Shape of a tensor without consuming it.
  at::IntArrayRef peekShape(const std::string& name) const {
    auto it = weights_.find(name);
    if (it == weights_.end())
      fail("missing tensor '" + name + "' (weights are keyed without the '" +
           MobileNetV5Encoder::kCheckpointPrefix + "' prefix; is this a MobileNetV5 checkpoint?)");
    return it->second.sizes();
  }
  at::Tensor take(const std::string& name, int64_t dims) {
    auto it = weights_.find(name);
    if (it == weights_.end())
      fail("missing tensor '" + name + "' (weights are keyed without the '" +
           MobileNetV5Encoder::kCheckpointPrefix + "' prefix; is this a MobileNetV5 checkpoint?)");
    if (it->second.dim() != dims)
      fail("tensor '" + name + "' has shape " + shapeText(it->second.sizes()) + ", expected " +
           std::to_string(dims) + " dimensions");
    used_.insert(name);
    count_ += it->second.numel();
    const at::Tensor t = it->second.to(device_, dtype_);
    return channelsLast_ && dims == 4 ? t.contiguous(at::MemoryFormat::ChannelsLast) : t.contiguous();
  }
  at::Tensor takeVector(const std::string& name, int64_t size) {
    at::Tensor t = take(name, 1);
    if (t.size(0) != size)
      fail("tensor '" + name + "' has " + std::to_string(t.size(0)) + " elements, expected " + std::to_string(size));
    return t;
  }
  std::set<std::pair<int64_t, int64_t>> blockIndices() const {
    std::set<std::pair<int64_t, int64_t>> out;
    for (const auto& [name, t] : weights_) {
      if (name.rfind("blocks.", 0) != 0) continue;
      int64_t s = -1, i = -1;
      char dot = 0;
      std::istringstream in(name.substr(7));
      if (in >> s >> dot >> i && dot == '.' && s >= 0 && i >= 0) out.insert({s, i});
    }
    return out;
  }
  void requireAllUsed() const {
    std::vector<std::string> left;
    for (const auto& [name, t] : weights_)
      if (!used_.count(name)) left.push_back(name);
    if (left.empty()) return;
    std::string msg = std::to_string(left.size()) + " tensor(s) do not fit the inferred block structure: ";
    for (size_t i = 0; i < std::min<size_t>(left.size(), 6); ++i) msg += (i ? ", " : "") + left[i];
    if (left.size() > 6) msg += ", ...";
    fail(msg);
  }
  int64_t count() const { return count_; }

 private:
  std::map<std::string, at::Tensor> weights_;
  std::set<std::string> used_;
  c10::Device device_;
  c10::ScalarType dtype_;
  bool channelsLast_;
  int64_t count_ = 0;
};

// Reads `<base>.weight` (or `<base>` itself when `convName` is given) plus its norm; checks input channels.
MobileNetV5Encoder::ConvUnit readConv(WeightReader& r, const std::string& convName, const std::string& normName,
                                      int64_t inChannels, bool depthwise, int64_t stride, bool act) {
  MobileNetV5Encoder::ConvUnit c;
  c.weight = r.take(convName, 4);
  c.stride = stride;
  c.act = act;
  const int64_t out = c.weight.size(0);
  if (depthwise) {
    if (c.weight.size(1) != 1 || out != inChannels)
      fail("depthwise conv '" + convName + "' has shape " + shapeText(c.weight.sizes()) + ", expected [" +
           std::to_string(inChannels) + ", 1, k, k]");
    c.groups = inChannels;
  } else if (c.weight.size(1) != inChannels) {
    fail("conv '" + convName + "' has shape " + shapeText(c.weight.sizes()) + " but its input has " +
         std::to_string(inChannels) + " channels");
  }
  if (c.weight.size(2) != c.weight.size(3) || c.weight.size(2) % 2 == 0)
    fail("conv '" + convName + "' has a non-square or even kernel " + shapeText(c.weight.sizes()));
  if (!normName.empty()) c.norm = r.takeVector(normName, out);
  return c;
}

}  // namespace

const char* blockTypeName(MobileNetV5Encoder::BlockType type) {
  switch (type) {
    case MobileNetV5Encoder::BlockType::EdgeResidual: return "ER";
    case MobileNetV5Encoder::BlockType::UniversalInvertedResidual: return "UIR";
    case MobileNetV5Encoder::BlockType::MobileAttention: return "MQA";
  }
  return "?";
}

MobileNetV5Encoder::MobileNetV5Encoder(c10::Device device, c10::ScalarType dtype, double eps, bool channelsLast)
    : device_(device), dtype_(dtype), eps_(eps), channelsLast_(channelsLast) {}

std::unique_ptr<MobileNetV5Encoder> MobileNetV5Encoder::fromWeights(std::map<std::string, at::Tensor> weights,
                                                                    c10::Device device, c10::ScalarType dtype,
                                                                    double eps, bool channelsLast) {
  if (dtype != at::kFloat && dtype != at::kBFloat16 && dtype != at::kDouble)
    fail(std::string("dtype ") + c10::toString(dtype) + " is not supported; use float32 or bfloat16 (fp16 overflows)");
  WeightReader r(std::move(weights), device, dtype, channelsLast);
  std::unique_ptr<MobileNetV5Encoder> enc(new MobileNetV5Encoder(device, dtype, eps, channelsLast));

  // Stem: 3x3 stride-2 conv with bias, RmsNorm2d + GELU.
  {
    const at::IntArrayRef shape = r.peekShape("conv_stem.conv.weight");
    const int64_t inChannels = shape.size() == 4 ? shape[1] : 3;
    enc->stem_ = readConv(r, "conv_stem.conv.weight", "conv_stem.bn.weight", inChannels, false, 2, true);
    if (r.has("conv_stem.conv.bias"))
      enc->stem_.bias = r.takeVector("conv_stem.conv.bias", enc->stem_.outChannels());
  }
  int64_t channels = enc->stem_.outChannels();

  // Stages and their block counts from the "blocks.s.i." names; both indices must be contiguous.
  const auto indices = r.blockIndices();
  std::map<int64_t, int64_t> blocksPerStage;
  for (const auto& [s, i] : indices) blocksPerStage[s] = std::max(blocksPerStage[s], i + 1);
  if (blocksPerStage.empty()) fail("no 'blocks.<stage>.<index>.*' tensors found");
  const int64_t numStages = blocksPerStage.rbegin()->first + 1;
  if (numStages < 2) fail("need at least two stages for the multi-scale fusion adapter");
  for (int64_t s = 0; s < numStages; ++s) {
    if (!blocksPerStage.count(s)) fail("stage blocks." + std::to_string(s) + " has no tensors");
    for (int64_t i = 0; i < blocksPerStage[s]; ++i)
      if (!indices.count({s, i}))
        fail("missing tensors of block blocks." + std::to_string(s) + "." + std::to_string(i));
  }

  std::vector<int64_t> stageChannels;
  for (int64_t s = 0; s < numStages; ++s) {
    std::vector<Block> stage;
    for (int64_t i = 0; i < blocksPerStage[s]; ++i) {
      Block b;
      b.name = "blocks." + std::to_string(s) + "." + std::to_string(i);
      const std::string p = b.name + ".";
      b.stride = i == 0 ? 2 : 1;
      b.inChannels = channels;
      if (r.has(p + "conv_exp.weight")) {
        b.type = BlockType::EdgeResidual;
        b.convExp = readConv(r, p + "conv_exp.weight", p + "bn1.weight", channels, false, b.stride, true);
        b.convPwl = readConv(r, p + "conv_pwl.weight", p + "bn2.weight", b.convExp.outChannels(), false, 1, false);
        b.outChannels = b.convPwl.outChannels();
      } else if (r.has(p + "attn.query.proj.weight")) {
        b.type = BlockType::MobileAttention;
        if (b.stride != 1)
          fail(b.name + " is an attention block at the start of a stage; a strided attention block is not part of "
                        "MobileNetV5");
        b.attnNorm = r.takeVector(p + "norm.weight", channels);
        b.queryProj = readConv(r, p + "attn.query.proj.weight", "", channels, false, 1, false).weight;
        const bool down = r.has(p + "attn.key.down_conv.weight") || r.has(p + "attn.value.down_conv.weight");
        if (down) {
          b.keyDown = readConv(r, p + "attn.key.down_conv.weight", p + "attn.key.norm.weight", channels, true, 2, false);
          b.valueDown =
              readConv(r, p + "attn.value.down_conv.weight", p + "attn.value.norm.weight", channels, true, 2, false);
        }
        b.keyProj = readConv(r, p + "attn.key.proj.weight", "", channels, false, 1, false).weight;
        b.valueProj = readConv(r, p + "attn.value.proj.weight", "", channels, false, 1, false).weight;
        const int64_t qOut = b.queryProj.size(0), dk = b.keyProj.size(0), dv = b.valueProj.size(0);
        if (b.queryProj.size(2) != 1 || b.keyProj.size(2) != 1 || b.valueProj.size(2) != 1)
          fail(b.name + ": attention projections must be 1x1 convs");
        if (qOut % dk != 0)
          fail(p + "attn.query.proj.weight has " + std::to_string(qOut) + " output channels, not a multiple of key_dim " +
               std::to_string(dk) + " from " + p + "attn.key.proj.weight");
        b.heads = qOut / dk;
        b.outputProj = readConv(r, p + "attn.output.proj.weight", "", b.heads * dv, false, 1, false).weight;
        b.outChannels = b.outputProj.size(0);
        b.layerScale = r.takeVector(p + "layer_scale.gamma", b.outChannels);
      } else {
        b.type = BlockType::UniversalInvertedResidual;
        const bool hasStart = r.has(p + "dw_start.conv.weight");
        const bool hasMid = r.has(p + "dw_mid.conv.weight");
        if (b.stride != 1 && !hasStart && !hasMid)
          fail(b.name + " starts a stage (stride 2) but has neither dw_start nor dw_mid, so nothing can downsample");
        if (hasStart)  // timm puts the stride on dw_start only when there is no dw_mid
          b.dwStart = readConv(r, p + "dw_start.conv.weight", p + "dw_start.bn.weight", channels, true,
                               hasMid ? 1 : b.stride, false);
        b.pwExp = readConv(r, p + "pw_exp.conv.weight", p + "pw_exp.bn.weight", channels, false, 1, true);
        const int64_t mid = b.pwExp.outChannels();
        if (hasMid) b.dwMid = readConv(r, p + "dw_mid.conv.weight", p + "dw_mid.bn.weight", mid, true, b.stride, true);
        b.pwProj = readConv(r, p + "pw_proj.conv.weight", p + "pw_proj.bn.weight", mid, false, 1, false);
        b.outChannels = b.pwProj.outChannels();
        b.layerScale = r.takeVector(p + "layer_scale.gamma", b.outChannels);
      }
      b.residual = b.stride == 1 && b.inChannels == b.outChannels;
      channels = b.outChannels;
      stage.push_back(std::move(b));
    }
    stageChannels.push_back(channels);
    enc->stages_.push_back(std::move(stage));
  }

  // MSFA: concat of the last two stages -> pw_exp (GELU) -> pw_proj -> resize -> norm.
  const int64_t msfaIn = stageChannels[numStages - 2] + stageChannels[numStages - 1];
  enc->msfaExp_ = readConv(r, "msfa.ffn.pw_exp.conv.weight", "msfa.ffn.pw_exp.bn.weight", msfaIn, false, 1, true);
  enc->msfaProj_ = readConv(r, "msfa.ffn.pw_proj.conv.weight", "msfa.ffn.pw_proj.bn.weight",
                            enc->msfaExp_.outChannels(), false, 1, false);
  enc->msfaNorm_ = r.takeVector("msfa.norm.weight", enc->msfaProj_.outChannels());
  r.requireAllUsed();
  enc->parameterCount_ = r.count();
  return enc;
}

at::Tensor MobileNetV5Encoder::runConv(const ConvUnit& c, const at::Tensor& x, const at::Tensor& gamma,
                                       const at::Tensor& residual) const {
  const at::Tensor y = conv2dSame(x, c.weight, c.bias, c.stride, c.groups);
  if (!c.norm.defined() && !c.act && !gamma.defined() && !residual.defined()) return y;
  return normActScaleAdd(y, c.norm.defined(), c.norm, eps_, c.act, gamma, residual);
}

at::Tensor MobileNetV5Encoder::runBlock(const Block& b, const at::Tensor& x) const {
  // The block's layer scale and residual join its last conv's norm (one fused kernel on CUDA bfloat16).
  const at::Tensor residual = b.residual ? x : at::Tensor();
  switch (b.type) {
    case BlockType::EdgeResidual:
      return runConv(b.convPwl, runConv(b.convExp, x), {}, residual);
    case BlockType::UniversalInvertedResidual: {
      at::Tensor y = b.dwStart.defined() ? runConv(b.dwStart, x) : x;
      y = runConv(b.pwExp, y);
      if (b.dwMid.defined()) y = runConv(b.dwMid, y);
      return runConv(b.pwProj, y, b.layerScale, residual);
    }
    case BlockType::MobileAttention: {
      const at::Tensor xn = normActScaleAdd(x, true, b.attnNorm, eps_, false);
      const at::Tensor q = at::conv2d(xn, b.queryProj);
      const at::Tensor kvIn = xn;
      const at::Tensor k = at::conv2d(b.keyDown.defined() ? runConv(b.keyDown, kvIn) : kvIn, b.keyProj);
      const at::Tensor v = at::conv2d(b.valueDown.defined() ? runConv(b.valueDown, kvIn) : kvIn, b.valueProj);
      const at::Tensor y = at::conv2d(multiQueryAttention(q, k, v, b.heads), b.outputProj);
      return normActScaleAdd(y, false, {}, eps_, false, b.layerScale, residual);
    }
  }
  fail("unknown block type");
}

at::Tensor MobileNetV5Encoder::runMsfa(const at::Tensor& high, const at::Tensor& low) const {
  // timm resizes every input smaller than the first one to its size with nearest, then concatenates.
  const int64_t h = high.size(2), w = high.size(3);
  at::Tensor lowUp = low;
  if (low.size(2) < h || low.size(3) < w) lowUp = at::upsample_nearest2d(low, {h, w});
  at::Tensor y = at::cat({high, lowUp}, 1);
  y = runConv(msfaProj_, runConv(msfaExp_, y));
  const int64_t r = kOutputResolution;
  if (h != r || w != r) {
    if (h % r != 0 || w % r != 0)
      y = at::upsample_bilinear2d(y, {r, r}, /*align_corners=*/false);
    else
      y = at::avg_pool2d(y, {h / r, w / r}, {h / r, w / r});
  }
  return normActScaleAdd(y, true, msfaNorm_, eps_, false);
}

at::Tensor MobileNetV5Encoder::forward(const at::Tensor& pixels) const { return forward(pixels, nullptr); }

at::Tensor MobileNetV5Encoder::forward(const at::Tensor& pixels, std::map<std::string, at::Tensor>* debug) const {
  if (!pixels.defined() || pixels.dim() != 4 || pixels.size(1) != stem_.weight.size(1))
    fail("pixels must be [B, " + std::to_string(stem_.weight.size(1)) + ", H, W], got " +
         (pixels.defined() ? shapeText(pixels.sizes()) : std::string("an undefined tensor")));
  if (pixels.size(0) == 0 || pixels.size(2) < 32 || pixels.size(3) < 32)
    fail("pixels " + shapeText(pixels.sizes()) + " are empty or smaller than 32x32; resize to 768x768 first");
  c10::NoGradGuard noGrad;  // plain tensors (not inference tensors): callers may update them in place
  auto keep = [debug](const char* name, const at::Tensor& t) {
    if (debug) (*debug)[name] = t.detach().to(at::kCPU, at::kFloat, /*non_blocking=*/false, /*copy=*/true);
  };
  at::Tensor input = pixels.to(device_, dtype_);
  if (channelsLast_) input = input.contiguous(at::MemoryFormat::ChannelsLast);
  at::Tensor x = runConv(stem_, input);
  keep("stem", x);
  at::Tensor previous;
  for (size_t s = 0; s < stages_.size(); ++s) {
    for (const Block& b : stages_[s]) x = runBlock(b, x);
    keep(("stage" + std::to_string(s)).c_str(), x);
    if (s + 2 == stages_.size()) previous = x;
  }
  at::Tensor out = runMsfa(previous, x);
  keep("msfa", out);
  return out;
}

std::string MobileNetV5Encoder::describe() const {
  std::ostringstream o;
  o << "MobileNetV5 encoder: stem " << stem_.outChannels() << " ch, " << parameterCount_ << " parameters, "
    << c10::toString(dtype_) << " on " << device_.str() << "\n";
  for (size_t s = 0; s < stages_.size(); ++s) {
    o << "  stage " << s << ":";
    for (const Block& b : stages_[s]) {
      o << ' ' << blockTypeName(b.type);
      if (b.type == BlockType::MobileAttention)
        o << "(h" << b.heads << (b.keyDown.defined() ? ",kv/2" : "") << ')';
      else if (b.type == BlockType::UniversalInvertedResidual)
        o << '(' << b.dwStart.kernel() << ',' << b.dwMid.kernel() << ')';
      if (b.stride != 1) o << "/s" << b.stride;
    }
    o << " -> " << (stages_[s].empty() ? 0 : stages_[s].back().outChannels) << " ch\n";
  }
  o << "  msfa -> " << outChannels() << " x " << kOutputResolution << "x" << kOutputResolution;
  return o.str();
}

}  // namespace ll::models::gemma3n
