// Building the Gemma 3n decoder from named tensors: the list of tensors the config implies, shape
// checks with messages naming the tensor, fusing (q/k/v, gate/up), clamping the AltUp coefficient
// matrices once, and the folder loader that leaves vision/audio towers and the unused K/V tensors of
// KV-shared layers unread (Google's release ships them, save_pretrained output does not: spec §5.1).
#include "core/models/gemma3n/text_decoder.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/infer/checkpoint.h"
#include "core/infer/device_memory.h"
#include "core/infer/embedding_rows.h"
#include "core/infer/shape_text.h"

namespace ll::models::gemma3n {
namespace {

using infer::shapeText;

const char* const kLm = "model.language_model.";
const char* const kVision = "model.embed_vision.";

std::string layerPrefix(int64_t l) { return std::string(kLm) + "layers." + std::to_string(l) + "."; }

// Rounds a scale constant the way transformers does when it stores it as a buffer/tensor and casts
// it to the activation dtype before multiplying (sqrt(2048) becomes 45.25 in bf16).
double roundTo(double v, c10::ScalarType dtype) { return at::scalar_tensor(v, at::kDouble).to(dtype).item<double>(); }

class WeightTaker {
 public:
  WeightTaker(std::map<std::string, at::Tensor>& w, const Gemma3nOptions& o) : weights_(w), options_(o) {}
  at::Tensor take(const std::string& name, const std::vector<int64_t>& shape, bool keepOnHost = false) {
    auto it = weights_.find(name);
    if (it == weights_.end())
      throw std::runtime_error("Gemma 3n weights: tensor '" + name + "' is missing; is this a Gemma 3n checkpoint?");
    if (it->second.sizes() != at::IntArrayRef(shape))
      throw std::runtime_error("Gemma 3n weights: tensor '" + name + "' has shape " + shapeText(it->second.sizes()) +
                               " but config.json implies " + shapeText(shape));
    const c10::Device target = keepOnHost ? c10::Device(c10::kCPU) : options_.device;
    at::Tensor t = it->second.to(target, options_.dtype).contiguous();
    weights_.erase(it);
    return t;
  }

 private:
  std::map<std::string, at::Tensor>& weights_;
  const Gemma3nOptions& options_;
};

bool pleTableOnHost(const Gemma3nOptions& options) {
  if (!options.device.is_cuda()) return false;
  switch (options.perLayerTable) {
    case PleTablePlacement::Host:
      return true;
    case PleTablePlacement::Device:
      return false;
    case PleTablePlacement::Auto:
      break;
  }
  // LAYOUTLENS_PLE_TABLE=host / device decides for Auto (A/B runs of the smaller GPUs' layout on a large one).
  if (const char* forced = std::getenv("LAYOUTLENS_PLE_TABLE")) {
    if (std::string(forced) == "host") return true;
    if (std::string(forced) == "device") return false;
  }
  const double free = infer::deviceFreeGiB(options.device);  // negative when unknown: stay on the safe side
  return free < kPleOnDeviceMinFreeGiB;
}

}  // namespace

std::vector<std::pair<std::string, std::vector<int64_t>>> Gemma3nTextDecoder::requiredTensors(const Gemma3nConfig& config) {
  const Gemma3nTextConfig& c = config.text;
  const int64_t D = c.hiddenSize, L = c.numLayers, P = c.hiddenSizePerLayerInput, N = c.altupNumInputs, d = c.headDim;
  const std::string lm = kLm, vis = kVision;
  std::vector<std::pair<std::string, std::vector<int64_t>>> r{
      {lm + "embed_tokens.weight", {c.vocabSize, D}},
      {lm + "embed_tokens_per_layer.weight", {c.vocabSizePerLayerInput, L * P}},
      {lm + "per_layer_model_projection.weight", {L * P, D}},
      {lm + "per_layer_projection_norm.weight", {P}},
      {lm + "norm.weight", {D}},
      {vis + "embedding.weight", {config.vision.vocabSize, config.vision.hiddenSize}},
      {vis + "hard_embedding_norm.weight", {config.vision.hiddenSize}},
      {vis + "embedding_projection.weight", {D, config.vision.hiddenSize}},
  };
  for (int64_t i = 0; i + 1 < N; ++i) {
    r.push_back({lm + "altup_projections." + std::to_string(i) + ".weight", {D, D}});
    r.push_back({lm + "altup_unembed_projections." + std::to_string(i) + ".weight", {D, D}});
  }
  for (int64_t l = 0; l < L; ++l) {
    const std::string p = layerPrefix(l);
    const int64_t I = c.intermediateSize[static_cast<size_t>(l)];
    for (const char* n : {"input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
                          "post_feedforward_layernorm", "altup.router_norm", "laurel.post_laurel_norm",
                          "post_per_layer_input_norm"})
      r.push_back({p + n + ".weight", {D}});
    r.push_back({p + "self_attn.q_proj.weight", {c.numHeads * d, D}});
    r.push_back({p + "self_attn.q_norm.weight", {d}});
    if (l < c.firstSharedLayer()) {
      r.push_back({p + "self_attn.k_proj.weight", {c.numKvHeads * d, D}});
      r.push_back({p + "self_attn.v_proj.weight", {c.numKvHeads * d, D}});
      r.push_back({p + "self_attn.k_norm.weight", {d}});
    }
    r.push_back({p + "self_attn.o_proj.weight", {D, c.numHeads * d}});
    r.push_back({p + "mlp.gate_proj.weight", {I, D}});
    r.push_back({p + "mlp.up_proj.weight", {I, D}});
    r.push_back({p + "mlp.down_proj.weight", {D, I}});
    r.push_back({p + "altup.correct_output_scale", {D}});
    r.push_back({p + "altup.correction_coefs.weight", {N, N}});
    r.push_back({p + "altup.prediction_coefs.weight", {N * N, N}});
    r.push_back({p + "altup.modality_router.weight", {N, D}});
    r.push_back({p + "laurel.linear_left.weight", {c.laurelRank, D}});
    r.push_back({p + "laurel.linear_right.weight", {D, c.laurelRank}});
    r.push_back({p + "per_layer_input_gate.weight", {P, D}});
    r.push_back({p + "per_layer_projection.weight", {D, P}});
  }
  return r;
}

std::unique_ptr<Gemma3nTextDecoder> Gemma3nTextDecoder::fromWeights(const Gemma3nConfig& config,
                                                                    std::map<std::string, at::Tensor> weights,
                                                                    const Gemma3nOptions& options) {
  if (options.dtype == at::kHalf)
    throw std::invalid_argument("Gemma 3n: float16 overflows in this model (activations exceed 65504); use bfloat16 or float32");
  std::unique_ptr<Gemma3nTextDecoder> m(new Gemma3nTextDecoder(config, options));
  const Gemma3nTextConfig& c = config.text;
  const int64_t D = c.hiddenSize, L = c.numLayers, P = c.hiddenSizePerLayerInput, N = c.altupNumInputs, d = c.headDim;
  const std::string lm = kLm, vis = kVision;
  const auto dt = options.dtype;
  WeightTaker w(weights, options);

  m->embed_ = w.take(lm + "embed_tokens.weight", {c.vocabSize, D});
  m->pleOnHost_ = pleTableOnHost(options);
  m->pleTable_ = w.take(lm + "embed_tokens_per_layer.weight", {c.vocabSizePerLayerInput, L * P}, m->pleOnHost_);
  if (m->pleOnHost_) {
    try {
      m->pleTable_ = m->pleTable_.pin_memory();
      // Page-locked: the GPU can read it in place and gather a step's rows itself (decodeAhead needs that).
      m->pleTableView_ = infer::deviceReadablePointer(m->pleTable_, options.device);
    } catch (const std::exception&) {
      // Pageable memory still works; the per-step copy is just synchronous.
    }
  }
  m->pleProjection_ = w.take(lm + "per_layer_model_projection.weight", {L * P, D});
  m->pleProjectionNorm_ = w.take(lm + "per_layer_projection_norm.weight", {P});
  m->finalNorm_ = w.take(lm + "norm.weight", {D});
  for (int64_t i = 0; i + 1 < N; ++i) {
    m->altupProjections_.push_back(w.take(lm + "altup_projections." + std::to_string(i) + ".weight", {D, D}));
    m->altupUnembedProjections_.push_back(w.take(lm + "altup_unembed_projections." + std::to_string(i) + ".weight", {D, D}));
  }
  const int64_t Dv = config.vision.hiddenSize;
  m->visionEmbedding_ = w.take(vis + "embedding.weight", {config.vision.vocabSize, Dv});
  m->visionHardNorm_ = w.take(vis + "hard_embedding_norm.weight", {Dv});
  m->visionProjection_ = w.take(vis + "embedding_projection.weight", {D, Dv});

  const double clip = c.altupCoefClip;
  m->layers_.reserve(static_cast<size_t>(L));
  for (int64_t l = 0; l < L; ++l) {
    const std::string p = layerPrefix(l);
    const int64_t I = c.intermediateSize[static_cast<size_t>(l)];
    Layer y;
    y.inputNorm = w.take(p + "input_layernorm.weight", {D});
    y.postAttentionNorm = w.take(p + "post_attention_layernorm.weight", {D});
    y.preFeedforwardNorm = w.take(p + "pre_feedforward_layernorm.weight", {D});
    y.postFeedforwardNorm = w.take(p + "post_feedforward_layernorm.weight", {D});
    const at::Tensor q = w.take(p + "self_attn.q_proj.weight", {c.numHeads * d, D});
    y.qNorm = w.take(p + "self_attn.q_norm.weight", {d});
    y.ownsKv = l < c.firstSharedLayer();
    if (y.ownsKv) {
      const at::Tensor k = w.take(p + "self_attn.k_proj.weight", {c.numKvHeads * d, D});
      const at::Tensor v = w.take(p + "self_attn.v_proj.weight", {c.numKvHeads * d, D});
      y.kNorm = w.take(p + "self_attn.k_norm.weight", {d});
      y.inputProjWeight = at::cat({q, k, v}, 0);
    } else {
      y.inputProjWeight = q;  // K/V come from the producer layer; this layer's k/v tensors (if any) are dead
    }
    // LAuReL's left factor reads the same h: one GEMM less per layer and step.
    y.laurelOffset = y.inputProjWeight.size(0);
    y.inputProjWeight = at::cat({y.inputProjWeight, w.take(p + "laurel.linear_left.weight", {c.laurelRank, D})}, 0);
    y.oWeight = w.take(p + "self_attn.o_proj.weight", {D, c.numHeads * d});
    const at::Tensor gate = w.take(p + "mlp.gate_proj.weight", {I, D});
    const at::Tensor up = w.take(p + "mlp.up_proj.weight", {I, D});
    y.gateUp = infer::WeightProduct::fromCheckpointLayout(at::cat({gate, up}, 0));  // transposed: faster decode GEMMs
    y.down = infer::WeightProduct::fromCheckpointLayout(w.take(p + "mlp.down_proj.weight", {D, I}));
    y.intermediate = I;
    const double s = c.activationSparsity[static_cast<size_t>(l)];
    if (s > 0.0) {
      // As transformers: Normal(0,1).icdf in float32, then cast to the activation dtype (1.6484375 in bf16).
      const at::Tensor sp = at::scalar_tensor(s, at::kFloat);
      const at::Tensor mult = at::erfinv(sp * 2 - 1) * std::sqrt(2.0);
      y.sparsityMultiplier = mult.to(dt).item<double>();
    }
    y.correctOutputScale = w.take(p + "altup.correct_output_scale", {D});
    y.correctionCoefs = w.take(p + "altup.correction_coefs.weight", {N, N});
    y.predictionCoefs = w.take(p + "altup.prediction_coefs.weight", {N * N, N});
    if (clip > 0) {
      y.correctionCoefs = y.correctionCoefs.clamp(-clip, clip);
      y.predictionCoefs = y.predictionCoefs.clamp(-clip, clip);
    }
    y.modalityRouter = w.take(p + "altup.modality_router.weight", {N, D});
    y.routerNorm = w.take(p + "altup.router_norm.weight", {D});
    y.laurelRight = w.take(p + "laurel.linear_right.weight", {D, c.laurelRank});
    y.laurelNorm = w.take(p + "laurel.post_laurel_norm.weight", {D});
    y.perLayerInputGate = w.take(p + "per_layer_input_gate.weight", {P, D});
    y.perLayerProjection = w.take(p + "per_layer_projection.weight", {D, P});
    y.postPerLayerInputNorm = w.take(p + "post_per_layer_input_norm.weight", {D});
    m->layers_.push_back(std::move(y));
  }

  m->embedScale_ = roundTo(std::sqrt(static_cast<double>(D)), dt);
  m->pleTableScale_ = roundTo(std::sqrt(static_cast<double>(P)), dt);
  m->pleProjectionScale_ = roundTo(1.0 / std::sqrt(static_cast<double>(D)), dt);
  m->pleInputScale_ = roundTo(1.0 / std::sqrt(2.0), dt);
  m->routerScale_ = roundTo(1.0 / static_cast<double>(D), dt);
  // 1/D a power of two (D = 2048 in every Gemma 3n): fold it into the router norms' weights, one
  // multiply per router call less and the same bits (norm(x)·w·2^-k rounds like norm(x)·w, then scaled).
  int exponent = 0;
  if (std::frexp(m->routerScale_, &exponent) == 0.5) {
    for (auto& y : m->layers_) y.routerNorm = y.routerNorm * m->routerScale_;
    m->routerScaleFolded_ = true;
  }
  // transformers: inv_freq = 1 / base^(arange(0, d, 2) / d) in float32, per RoPE base.
  const auto f32 = at::TensorOptions().dtype(at::kFloat).device(options.device);
  const at::Tensor expo = at::arange(0, d, 2, f32.dtype(at::kLong)).to(at::kFloat) / static_cast<double>(d);
  m->invFreqFull_ = 1.0 / at::pow(c.ropeThetaFull, expo);
  m->invFreqSliding_ = 1.0 / at::pow(c.ropeThetaSliding, expo);
  return m;
}

std::unique_ptr<Gemma3nTextDecoder> Gemma3nTextDecoder::load(const std::string& modelDir, const Gemma3nOptions& options) {
  const Gemma3nConfig config = Gemma3nConfig::fromFile(modelDir + "/config.json");
  const auto checkpoint = infer::Checkpoint::open(modelDir);
  const auto required = requiredTensors(config);
  checkpoint.requireShapes(required);  // one error naming every missing / misshaped tensor, before any copy
  // Decided once: fromWeights must see the table where it was loaded.
  Gemma3nOptions resolved = options;
  const bool pleOnHost = pleTableOnHost(options);
  resolved.perLayerTable = pleOnHost ? PleTablePlacement::Host : PleTablePlacement::Device;
  const std::string pleName = std::string(kLm) + "embed_tokens_per_layer.weight";
  std::map<std::string, at::Tensor> weights;
  // Only the tensors the decoder uses are read: towers, the audio embedder, the vision soft-token
  // norm and dead shared-layer K/V stay in the (mapped) files.
  for (const auto& [name, shape] : required) {
    (void)shape;
    const c10::Device target = name == pleName && pleOnHost ? c10::Device(c10::kCPU) : options.device;
    weights[name] = checkpoint.load(name, target, options.dtype);
  }
  return fromWeights(config, std::move(weights), resolved);
}

}  // namespace ll::models::gemma3n
