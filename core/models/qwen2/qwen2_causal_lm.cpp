// Qwen2 decoder forward passes: a prompt pass (prefill, also the cache-free reference) and a batched
// one-token decode step over cache slots of different lengths, eager or static (the whole slot pool with
// fixed shapes, replayed as CUDA graphs: qwen2_decode_graphs.h). Numerics follow transformers:
// RMSNorm in float32 then cast, RoPE tables in float32 then cast, softmax in float32.
#include "core/models/qwen2/qwen2_causal_lm.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "core/infer/checkpoint.h"
#include "core/infer/cuda_graph.h"
#include "core/infer/fused_elementwise.h"
#include "core/infer/pending_tokens.h"
#include "core/infer/rms_norm.h"
#include "core/infer/rotary.h"
#include "core/infer/shape_text.h"
#include "core/infer/split_kv_decode.h"

namespace ll::models::qwen2 {
namespace {

using infer::shapeText;

class WeightTaker {
 public:
  WeightTaker(std::map<std::string, at::Tensor>& w, const DecoderOptions& o) : weights_(w), options_(o) {}
  at::Tensor take(const std::string& name, std::vector<int64_t> shape) {
    auto it = weights_.find(name);
    if (it == weights_.end())
      throw std::runtime_error("Qwen2 weights: tensor '" + name + "' is missing; is this a Qwen2 checkpoint?");
    if (it->second.sizes() != at::IntArrayRef(shape))
      throw std::runtime_error("Qwen2 weights: tensor '" + name + "' has shape " + shapeText(it->second.sizes()) +
                               " but config.json implies " + shapeText(shape));
    at::Tensor t = it->second.to(options_.device, options_.dtype).contiguous();
    weights_.erase(it);
    return t;
  }
  bool has(const std::string& name) const { return weights_.count(name) != 0; }

 private:
  std::map<std::string, at::Tensor>& weights_;
  const DecoderOptions& options_;
};

}  // namespace

Qwen2CausalLM::Qwen2CausalLM(const Qwen2Config& config, const DecoderOptions& options)
    : config_(config), options_(options) {}

std::unique_ptr<Qwen2CausalLM> Qwen2CausalLM::fromWeights(const Qwen2Config& c, std::map<std::string, at::Tensor> weights,
                                                          const DecoderOptions& options) {
  std::unique_ptr<Qwen2CausalLM> m(new Qwen2CausalLM(c, options));
  WeightTaker w(weights, options);
  const int64_t h = c.hiddenSize, d = c.headDim, qDim = c.numHeads * d, kvDim = c.numKvHeads * d;
  m->embed_ = w.take("model.embed_tokens.weight", {c.vocabSize, h});
  m->finalNorm_ = w.take("model.norm.weight", {h});
  // The head and the MLP weights as infer::WeightProduct (transposed: faster decode GEMMs). A tied head stays
  // the embedding.
  if (c.tieWordEmbeddings && !w.has("lm_head.weight")) {
    m->lmHead_ = {m->embed_, false};
  } else {
    m->lmHead_ = infer::WeightProduct::fromCheckpointLayout(w.take("lm_head.weight", {c.vocabSize, h}));
  }
  m->layers_.reserve(c.numLayers);
  for (int64_t i = 0; i < c.numLayers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    Layer L;
    L.inputNorm = w.take(p + "input_layernorm.weight", {h});
    L.postNorm = w.take(p + "post_attention_layernorm.weight", {h});
    const at::Tensor q = w.take(p + "self_attn.q_proj.weight", {qDim, h});
    const at::Tensor k = w.take(p + "self_attn.k_proj.weight", {kvDim, h});
    const at::Tensor v = w.take(p + "self_attn.v_proj.weight", {kvDim, h});
    L.qkvWeight = at::cat({q, k, v}, 0);
    if (c.attentionBias) {
      const at::Tensor qb = w.take(p + "self_attn.q_proj.bias", {qDim});
      const at::Tensor kb = w.take(p + "self_attn.k_proj.bias", {kvDim});
      const at::Tensor vb = w.take(p + "self_attn.v_proj.bias", {kvDim});
      L.qkvBias = at::cat({qb, kb, vb}, 0);
    }
    L.oWeight = w.take(p + "self_attn.o_proj.weight", {h, qDim});
    const at::Tensor gate = w.take(p + "mlp.gate_proj.weight", {c.intermediateSize, h});
    const at::Tensor up = w.take(p + "mlp.up_proj.weight", {c.intermediateSize, h});
    L.gateUp = infer::WeightProduct::fromCheckpointLayout(at::cat({gate, up}, 0));
    L.down = infer::WeightProduct::fromCheckpointLayout(w.take(p + "mlp.down_proj.weight", {h, c.intermediateSize}));
    m->layers_.push_back(std::move(L));
  }
  // transformers: inv_freq = 1 / base^(arange(0, d, 2) / d), in float32.
  const auto f32 = at::TensorOptions().dtype(at::kFloat).device(options.device);
  m->invFreq_ = 1.0 / at::pow(c.ropeTheta, at::arange(0, d, 2, f32.dtype(at::kLong)).to(at::kFloat) / static_cast<double>(d));
  return m;
}

std::unique_ptr<Qwen2CausalLM> Qwen2CausalLM::load(const std::string& modelDir, const DecoderOptions& options,
                                                   const std::vector<std::string>& skipPrefixes) {
  const Qwen2Config config = Qwen2Config::fromFile(modelDir + "/config.json");
  const auto checkpoint = infer::Checkpoint::open(modelDir);
  return fromWeights(config, checkpoint.loadAll(options.device, options.dtype, skipPrefixes), options);
}

at::Tensor Qwen2CausalLM::rmsNorm(const at::Tensor& x, const at::Tensor& weight) const {
  return infer::rmsNorm(x, weight, config_.rmsNormEps, infer::RmsNormWeight::AfterRounding);
}

std::pair<at::Tensor, at::Tensor> Qwen2CausalLM::rope(const at::Tensor& positions) const {
  const at::Tensor freqs = positions.to(at::kFloat).unsqueeze(1) * invFreq_.unsqueeze(0);
  const at::Tensor emb = at::cat({freqs, freqs}, -1);
  return {emb.cos().to(options_.dtype), infer::signedSine(emb.sin().to(options_.dtype))};
}

// q, k, v of a prompt's N positions ([N, heads, headDim]) with rotary applied to q and k. (A decode step
// rotates and stores into the cache in one pass: infer::rotateQkvIntoCache.)
std::tuple<at::Tensor, at::Tensor, at::Tensor> Qwen2CausalLM::rotatedQkv(const at::Tensor& qkv, const at::Tensor& cos,
                                                                         const at::Tensor& sin) const {
  const int64_t n = qkv.size(0), d = config_.headDim, hq = config_.numHeads, hkv = config_.numKvHeads;
  const at::Tensor q = qkv.narrow(1, 0, hq * d).view({n, hq, d});
  const at::Tensor k = qkv.narrow(1, hq * d, hkv * d).view({n, hkv, d});
  const at::Tensor v = qkv.narrow(1, (hq + hkv) * d, hkv * d).view({n, hkv, d});
  return {infer::applyRotary(q, cos, sin), infer::applyRotary(k, cos, sin), v};
}

at::Tensor Qwen2CausalLM::rotateIntoCache(int layer, const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& sin,
                                          const at::Tensor& rows) const {
  return infer::rotateQkvIntoCache(qkv, config_.numHeads, config_.numKvHeads, cos, sin, rows, cache_->keyRows(layer),
                                   cache_->valueRows(layer));
}

at::Tensor Qwen2CausalLM::mlp(const Layer& layer, const at::Tensor& x) const {
  const at::Tensor gu = layer.gateUp(x);
  const int64_t n = config_.intermediateSize;
  return layer.down(infer::siluMul(gu.narrow(-1, 0, n), gu.narrow(-1, n, n)));
}

at::Tensor Qwen2CausalLM::logits(const at::Tensor& normedHidden) const { return lmHead_(normedHidden).to(at::kFloat); }

at::Tensor Qwen2CausalLM::decoderStack(at::Tensor h, const Attend& attend) const {
  const double eps = config_.rmsNormEps;
  if (layers_.empty()) return rmsNorm(h, finalNorm_);
  const int64_t n = h.size(0);
  at::Tensor x = infer::addRmsNorm(h, at::Tensor(), layers_.front().inputNorm, eps).second;
  for (size_t li = 0; li < layers_.size(); ++li) {
    const Layer& layer = layers_[li];
    const at::Tensor qkv = at::linear(x, layer.qkvWeight, layer.qkvBias);
    const at::Tensor attn = attend(static_cast<int>(li), qkv).reshape({n, -1});
    std::tie(h, x) = infer::addRmsNorm(h, at::linear(attn, layer.oWeight), layer.postNorm, eps);
    const at::Tensor& next = li + 1 < layers_.size() ? layers_[li + 1].inputNorm : finalNorm_;
    std::tie(h, x) = infer::addRmsNorm(h, mlp(layer, x), next, eps);
  }
  return x;
}

at::Tensor Qwen2CausalLM::embedTokens(const std::vector<int64_t>& ids) const {
  const at::Tensor idx = at::tensor(ids, at::TensorOptions().dtype(at::kLong)).to(options_.device);
  return at::embedding(embed_, idx);
}

at::Tensor Qwen2CausalLM::promptHidden(const infer::PrefillInput& input, infer::KvCache* cache, int slot) const {
  const auto L = static_cast<int64_t>(input.tokenIds.size());
  if (L == 0) throw std::invalid_argument("Qwen2: the prompt is empty");
  for (auto t : input.tokenIds)
    if (t < 0 || t >= config_.vocabSize)
      throw std::invalid_argument("Qwen2: token id " + std::to_string(t) + " is outside the vocabulary");
  at::Tensor h = embedTokens(input.tokenIds);
  const auto& ov = input.embeddings;
  if (!ov.empty()) {
    if (!ov.rows.defined() || ov.rows.dim() != 2 || ov.rows.size(0) != static_cast<int64_t>(ov.positions.size()) ||
        ov.rows.size(1) != config_.hiddenSize)
      throw std::invalid_argument("Qwen2: embedding override needs rows [" + std::to_string(ov.positions.size()) + ", " +
                                  std::to_string(config_.hiddenSize) + "], one per position");
    for (auto p : ov.positions)
      if (p < 0 || p >= L) throw std::invalid_argument("Qwen2: embedding override position outside the prompt");
    const at::Tensor pos = at::tensor(ov.positions, at::TensorOptions().dtype(at::kLong)).to(options_.device);
    h.index_copy_(0, pos, ov.rows.to(options_.device, options_.dtype));
  }
  const auto [cos, sin] = rope(at::arange(L, at::TensorOptions().dtype(at::kLong).device(options_.device)));
  infer::AttentionOptions ao;
  ao.impl = options_.attention;
  ao.causal = true;
  const at::Tensor c = cos.unsqueeze(1), s = sin.unsqueeze(1);  // [L, 1, D] over heads
  return decoderStack(h, [&](int layer, const at::Tensor& qkv) {
    const auto [q, k, v] = rotatedQkv(qkv, c, s);
    if (cache) cache->write(layer, slot, 0, k, v);
    const at::Tensor attn = infer::attention(q.transpose(0, 1).unsqueeze(0), k.transpose(0, 1).unsqueeze(0),
                                             v.transpose(0, 1).unsqueeze(0), ao);
    return attn.squeeze(0).transpose(0, 1);
  });
}

at::Tensor Qwen2CausalLM::forwardAll(const infer::PrefillInput& input) const {
  return logits(promptHidden(input, nullptr, -1));
}

void Qwen2CausalLM::reserveSlots(int slots, int64_t maxLength) {
  static_.reset();  // its graphs hold the old cache's addresses
  cache_.reset();   // free the old pool before allocating the new one
  maxLength_ = 0;
  infer::KvCacheGeometry g;
  g.layers = config_.numLayers;
  g.slots = slots;
  g.maxLength = maxLength + 1;  // + the scratch row that slots outside a static step write to
  g.kvHeads = config_.numKvHeads;
  g.headDim = config_.headDim;
  cache_ = std::make_unique<infer::KvCache>(g, options_.dtype, options_.device);
  maxLength_ = maxLength;
}

int Qwen2CausalLM::slotCount() const { return cache_ ? static_cast<int>(cache_->geometry().slots) : 0; }
int64_t Qwen2CausalLM::maxSequenceLength() const { return cache_ ? maxLength_ : 0; }

std::optional<int> Qwen2CausalLM::acquireSlot() {
  if (!cache_) throw std::logic_error("Qwen2: reserveSlots() must be called before acquiring a slot");
  return cache_->acquire();
}

void Qwen2CausalLM::releaseSlot(int slot) {
  if (cache_) cache_->release(slot);
}

int64_t Qwen2CausalLM::cachedLength(int slot) const { return cache_ ? cache_->length(slot) : 0; }

at::Tensor Qwen2CausalLM::prefill(int slot, const infer::PrefillInput& input) {
  if (!cache_) throw std::logic_error("Qwen2: reserveSlots() must be called before prefill");
  if (static_cast<int64_t>(input.tokenIds.size()) > maxLength_)
    throw std::invalid_argument("Qwen2: the prompt is longer than a cache slot");
  cache_->setLength(slot, 0);
  const at::Tensor h = promptHidden(input, cache_.get(), slot);
  cache_->setLength(slot, static_cast<int64_t>(input.tokenIds.size()));
  return logits(h[-1]);
}

at::Tensor Qwen2CausalLM::decode(const std::vector<int>& slots, const std::vector<int64_t>& tokens) {
  if (!cache_) throw std::logic_error("Qwen2: reserveSlots() must be called before decode");
  return staticDecodeWanted() ? staticDecode(slots, tokens) : eagerDecode(slots, tokens);
}

bool Qwen2CausalLM::staticDecodeWanted() const {
  switch (options_.staticDecode) {
    case StaticDecode::Never:
      return false;
    case StaticDecode::Always:
      return true;
    case StaticDecode::Auto:
      break;
  }
  return infer::cudaGraphsWanted(options_.device) && !(static_ && static_->graphsFailed());
}

at::Tensor Qwen2CausalLM::eagerDecode(const std::vector<int>& slots, const std::vector<int64_t>& tokens) {
  if (slots.empty() || slots.size() != tokens.size())
    throw std::invalid_argument("Qwen2: decode needs one token per slot");
  std::vector<int64_t> lengths;
  lengths.reserve(slots.size());
  for (int s : slots) {
    lengths.push_back(cache_->length(s));
    // The cache has a scratch row past maxLength_, so its own check would let a full slot through.
    if (lengths.back() >= maxLength_)
      throw std::out_of_range("KV cache: slot " + std::to_string(s) + " is full (" + std::to_string(maxLength_) + " tokens)");
  }
  const int64_t maxLen = *std::max_element(lengths.begin(), lengths.end()) + 1;
  std::vector<int64_t> keyLengths;
  const bool ragged = std::any_of(lengths.begin(), lengths.end(), [&](int64_t l) { return l + 1 != maxLen; });
  if (ragged)
    for (auto l : lengths) keyLengths.push_back(l + 1);

  const at::Tensor stepIndex = cache_->stepIndex(slots);
  const auto longOpts = at::TensorOptions().dtype(at::kLong);
  const auto tables = rope(at::tensor(lengths, longOpts).to(options_.device));  // cos, sin [B, D]
  infer::AttentionOptions ao;
  ao.impl = options_.attention;
  ao.causal = true;
  const at::Tensor normed = decoderStack(embedTokens(tokens), [&](int layer, const at::Tensor& qkv) {
    const at::Tensor q = rotateIntoCache(layer, qkv, tables.first, tables.second, stepIndex);
    const auto [keys, values] = cache_->read(layer, slots, maxLen);
    return infer::attention(q.unsqueeze(2), keys, values, ao, keyLengths);  // [B, hq, 1, d]
  });
  const at::Tensor out = logits(normed);
  for (size_t i = 0; i < slots.size(); ++i) cache_->setLength(slots[i], lengths[i] + 1);
  return out;
}

at::Tensor Qwen2CausalLM::staticDecode(const std::vector<int>& slots, const std::vector<int64_t>& tokens) {
  const auto [all, order] = queueStaticStep(slots, tokens, {});
  return all.index_select(0, order);  // a copy: the static output is overwritten by the next step
}

std::unique_ptr<infer::PendingTokens> Qwen2CausalLM::decodeAhead(const std::vector<int>& slots,
                                                                 const std::vector<int64_t>& tokens,
                                                                 const std::vector<bool>& fedBack) {
  if (!cache_) throw std::logic_error("Qwen2: reserveSlots() must be called before decode");
  if (!staticDecodeWanted()) throw std::logic_error("Qwen2: decodeAhead() needs the static decode step");
  (void)queueStaticStep(slots, tokens, fedBack);  // planStaticStep checks the flags against the slots
  return infer::readGreedyLater(static_->greedy(), slots);
}

std::pair<at::Tensor, at::Tensor> Qwen2CausalLM::queueStaticStep(const std::vector<int>& slots,
                                                                 const std::vector<int64_t>& tokens,
                                                                 const std::vector<bool>& fedBack) {
  const int64_t S = cache_->geometry().slots;
  std::vector<int64_t> lengths(static_cast<size_t>(S));
  for (int64_t i = 0; i < S; ++i) lengths[i] = cache_->length(static_cast<int>(i));
  // Everything that can be wrong with the batch is found here, before any device work.
  const StaticStepPlan plan = planStaticStep(slots, tokens, lengths, maxLength_, config_.vocabSize,
                                             options_.staticDecodeMinBucket, fedBack);
  if (!static_) {
    static_ = std::make_unique<StaticDecodeStep>(options_.device, S);
    (void)infer::fusedCacheDecodeAvailable(options_.device, options_.dtype, config_.headDim);  // not during a capture
  }
  const at::Tensor order = static_->load(plan, slots);
  const int64_t bucket = plan.bucket;
  const at::Tensor all = static_->run(bucket, infer::cudaGraphsWanted(options_.device),
                                      [this, bucket] { return staticStepLogits(bucket); });
  for (int s : slots) cache_->setLength(s, lengths[static_cast<size_t>(s)] + 1);
  return {all, order};
}

// Shapes depend only on S and the bucket, inputs come only from static_'s device buffers, and nothing is
// read back to the host: the requirements of a CUDA graph capture.
at::Tensor Qwen2CausalLM::staticStepLogits(int64_t bucket) {
  const int64_t d = config_.headDim;
  const auto tables = rope(static_->positions());  // the eager step's ops, so bf16 rounding matches
  const at::Tensor rows = static_->rows();
  const infer::CacheDecodeIndex index =
      infer::cacheDecodeIndex(static_->keyLengths(), bucket, cache_->geometry().maxLength, options_.dtype, d);
  infer::AttentionOptions ao;
  ao.impl = options_.attention;
  ao.causal = true;
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));  // cacheDecodeAttention's default
  const at::Tensor out = logits(decoderStack(at::embedding(embed_, static_->tokens()), [&](int layer, const at::Tensor& qkv) {
    const at::Tensor& keys = cache_->keyStorage(layer);
    const at::Tensor& values = cache_->valueStorage(layer);
    // Over long ranges the tensor-core attention kernel does the rotary and the cache writes itself (one
    // kernel a layer less, the same bits).
    if (infer::splitKvDecodeRotatingApplies(qkv, config_.numHeads, keys, values, bucket))
      return infer::splitKvDecodeRotatingAttention(qkv, config_.numHeads, tables.first, tables.second, rows, keys,
                                                   values, index.keyLengths, bucket, scale);
    const at::Tensor q = rotateIntoCache(layer, qkv, tables.first, tables.second, rows);
    // Every slot's first `bucket` positions, read in place (no gather).
    return infer::cacheDecodeAttention(q, keys, values, index, ao);
  }));
  static_->keepGreedy(out);  // what the next step feeds back (decodeAhead)
  return out;
}

}  // namespace ll::models::qwen2
