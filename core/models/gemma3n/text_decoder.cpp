// Gemma 3n forward passes: the cache-free prompt pass (parity reference, optional debug dump), prefill
// into a cache slot, and the batched one-token decode over slots of different lengths. Only layers
// 0..F-1 own cache entries; KV-shared layers attend over their producer's K/V in both paths, so the
// result never depends on whether a cache exists (spec §6.4 #2).
#include "core/models/gemma3n/text_decoder.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>
#include <tuple>

#include "core/infer/cuda_graph.h"
#include "core/infer/pending_tokens.h"

namespace ll::models::gemma3n {
namespace {

// The layers whose K/V some KV-shared layer reads; only theirs are kept for the rest of a pass.
std::set<int64_t> kvProducers(const Gemma3nTextConfig& c) {
  std::set<int64_t> p;
  for (int64_t l = c.firstSharedLayer(); l < c.numLayers; ++l) p.insert(c.kvProducerFor(l));
  return p;
}

// Attention over the whole prompt (positions 0..T-1). Producer K/V are kept for the shared layers.
class PromptAttention : public Gemma3nTextDecoder::AttentionStep {
 public:
  PromptAttention(const Gemma3nTextDecoder& model, infer::KvCache* cache, int slot,
                  std::function<infer::AttentionOptions(int64_t)> options)
      : model_(model), cache_(cache), slot_(slot), options_(std::move(options)), producers_(kvProducers(model.config().text)) {}

  at::Tensor run(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) override {
    const int64_t T = q.size(0);
    at::Tensor keys, values;
    if (k.defined()) {
      if (cache_) cache_->write(static_cast<int>(layer), slot_, 0, k, v);
      keys = k.transpose(0, 1).unsqueeze(0);
      values = v.transpose(0, 1).unsqueeze(0);
      if (producers_.count(layer)) produced_[layer] = {keys, values};
    } else {
      const auto it = produced_.find(model_.config().text.kvProducerFor(layer));
      if (it == produced_.end()) throw std::logic_error("Gemma 3n: KV producer layer ran after its consumer");
      keys = it->second.first;
      values = it->second.second;
    }
    const at::Tensor out = infer::attention(q.transpose(0, 1).unsqueeze(0), keys, values, options_(layer));
    return out.squeeze(0).transpose(0, 1).reshape({T, -1});
  }

 private:
  const Gemma3nTextDecoder& model_;
  infer::KvCache* cache_;
  int slot_;
  std::function<infer::AttentionOptions(int64_t)> options_;
  std::set<int64_t> producers_;
  std::map<int64_t, std::pair<at::Tensor, at::Tensor>> produced_;
};

// One new token per slot. Sliding layers read only the key range some row can still see.
class DecodeAttention : public Gemma3nTextDecoder::AttentionStep {
 public:
  DecodeAttention(const Gemma3nTextDecoder& model, infer::KvCache& cache, const std::vector<int>& slots,
                  const std::vector<int64_t>& keyLengths, std::function<infer::AttentionOptions(int64_t)> options)
      : model_(model),
        cache_(cache),
        slots_(slots),
        keyLengths_(keyLengths),
        options_(std::move(options)),
        producers_(kvProducers(model.config().text)) {
    stepIndex_ = cache_.stepIndex(slots_);
    maxLen_ = *std::max_element(keyLengths_.begin(), keyLengths_.end());
    minLen_ = *std::min_element(keyLengths_.begin(), keyLengths_.end());
  }

  std::optional<CacheRows> cacheRows(int64_t layer) const override {
    if (model_.config().text.kvProducerFor(layer) != layer) return std::nullopt;  // reads another layer's cache
    return CacheRows{cache_.keyRows(static_cast<int>(layer)), cache_.valueRows(static_cast<int>(layer)), stepIndex_};
  }

  at::Tensor run(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) override {
    const int64_t B = q.size(0);
    if (k.defined()) cache_.writeStep(static_cast<int>(layer), stepIndex_, k, v);
    const int64_t producer = model_.config().text.kvProducerFor(layer);
    // A gathered read (slots not consecutive) is a copy: keep only those a later shared layer reuses.
    at::Tensor keys, values;
    if (const auto it = read_.find(producer); it != read_.end()) {
      keys = it->second.first;
      values = it->second.second;
    } else {
      std::tie(keys, values) = cache_.read(static_cast<int>(producer), slots_, maxLen_);
      if (producers_.count(producer)) read_[producer] = {keys, values};
    }
    const infer::AttentionOptions o = options_(layer);
    int64_t start = 0;
    if (o.slidingWindow > 0) start = std::max<int64_t>(0, minLen_ - o.slidingWindow);
    if (start > 0) {
      keys = keys.narrow(2, start, maxLen_ - start);
      values = values.narrow(2, start, maxLen_ - start);
    }
    std::vector<int64_t> lengths;
    if (minLen_ != maxLen_)
      for (auto len : keyLengths_) lengths.push_back(len - start);
    return infer::attention(q.unsqueeze(2), keys, values, o, lengths).reshape({B, -1});
  }

 private:
  const Gemma3nTextDecoder& model_;
  infer::KvCache& cache_;
  const std::vector<int>& slots_;
  const std::vector<int64_t>& keyLengths_;
  std::function<infer::AttentionOptions(int64_t)> options_;
  std::set<int64_t> producers_;
  at::Tensor stepIndex_;
  int64_t maxLen_ = 0, minLen_ = 0;
  std::map<int64_t, std::pair<at::Tensor, at::Tensor>> read_;
};

// Several prompts packed along the rows (segments from cuSeqlens), each written into its own slot; attention
// stays within a segment (infer::varlenAttention). Producer K/V are kept for the shared layers.
class PackedPromptAttention : public Gemma3nTextDecoder::AttentionStep {
 public:
  PackedPromptAttention(const Gemma3nTextDecoder& model, infer::KvCache& cache, const std::vector<int>& slots,
                        const std::vector<int64_t>& cuSeqlens, std::function<infer::AttentionOptions(int64_t)> options)
      : model_(model),
        cache_(cache),
        slots_(slots),
        cuSeqlens_(cuSeqlens),
        // Once per pass, not once per layer (each is a host->device copy the stream waits for).
        cuSeqlensOnDevice_(infer::deviceOffsets(cuSeqlens, cache.keyStorage(0).device())),
        options_(std::move(options)),
        producers_(kvProducers(model.config().text)) {}

  at::Tensor run(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) override {
    at::Tensor keys = k, values = v;
    if (k.defined()) {
      for (size_t i = 0; i < slots_.size(); ++i) {
        const int64_t start = cuSeqlens_[i], len = cuSeqlens_[i + 1] - start;
        cache_.write(static_cast<int>(layer), slots_[i], 0, k.narrow(0, start, len), v.narrow(0, start, len));
      }
      if (producers_.count(layer)) produced_[layer] = {k, v};
    } else {
      const auto it = produced_.find(model_.config().text.kvProducerFor(layer));
      if (it == produced_.end()) throw std::logic_error("Gemma 3n: KV producer layer ran after its consumer");
      keys = it->second.first;
      values = it->second.second;
    }
    return infer::varlenAttention(q, keys, values, cuSeqlens_, options_(layer), cuSeqlensOnDevice_)
        .reshape({q.size(0), -1});
  }

 private:
  const Gemma3nTextDecoder& model_;
  infer::KvCache& cache_;
  const std::vector<int>& slots_;
  const std::vector<int64_t>& cuSeqlens_;
  at::Tensor cuSeqlensOnDevice_;
  std::function<infer::AttentionOptions(int64_t)> options_;
  std::set<int64_t> producers_;
  std::map<int64_t, std::pair<at::Tensor, at::Tensor>> produced_;
};

}  // namespace

at::Tensor Gemma3nTextDecoder::promptLogits(const infer::PrefillInput& input, infer::KvCache* cache, int slot, bool lastOnly,
                                            std::map<std::string, at::Tensor>* debug) const {
  const at::Tensor e = embed(input);
  const auto T = e.size(0);
  const at::Tensor ple = perLayerInputs(input.tokenIds, e);
  at::Tensor streams = altupInit(e);
  if (debug) {
    (*debug)["inputs_embeds"] = e.to(at::kFloat).cpu().clone();
    (*debug)["per_layer_inputs"] = ple.to(at::kFloat).cpu().clone();
    (*debug)["altup_init"] = streams.to(at::kFloat).cpu().clone();
  }
  const Rope rp = rope(at::arange(T, at::TensorOptions().dtype(at::kLong).device(options_.device)));
  PromptAttention attention(*this, cache, slot, [this](int64_t l) { return attentionOptions(l); });
  streams = runLayers(streams, ple, rp, attention, debug);
  if (lastOnly) streams = streams.narrow(1, T - 1, 1);
  const at::Tensor h = finalHidden(streams);
  if (debug) (*debug)["final_norm"] = h.to(at::kFloat).cpu().clone();
  return logits(h);
}

at::Tensor Gemma3nTextDecoder::forwardAll(const infer::PrefillInput& input) const {
  return promptLogits(input, nullptr, -1, false, nullptr);
}

at::Tensor Gemma3nTextDecoder::forwardAll(const infer::PrefillInput& input, std::map<std::string, at::Tensor>* debug) const {
  return promptLogits(input, nullptr, -1, false, debug);
}

void Gemma3nTextDecoder::reserveSlots(int slots, int64_t maxLength) {
  dropStaticDecode();  // graphs and static buffers point into the old cache
  cache_.reset();   // free the old pool before allocating the new one
  maxLength_ = 0;
  infer::KvCacheGeometry g;
  // Only the non-shared layers own K/V. Sliding layers keep the full length for now (simple and
  // exact); a window-sized ring buffer would cut their memory to `slidingWindow` positions.
  g.layers = config_.text.firstSharedLayer();
  g.slots = slots;
  g.maxLength = maxLength + 1;  // + the static step's scratch row (text_decoder.h)
  g.kvHeads = config_.text.numKvHeads;
  g.headDim = config_.text.headDim;
  if (maxLength <= 0) throw std::invalid_argument("Gemma 3n: the slot length must be positive");
  cache_ = std::make_unique<infer::KvCache>(g, options_.dtype, options_.device);
  maxLength_ = maxLength;
}

int Gemma3nTextDecoder::slotCount() const { return cache_ ? static_cast<int>(cache_->geometry().slots) : 0; }
int64_t Gemma3nTextDecoder::maxSequenceLength() const { return cache_ ? maxLength_ : 0; }

std::optional<int> Gemma3nTextDecoder::acquireSlot() {
  if (!cache_) throw std::logic_error("Gemma 3n: reserveSlots() must be called before acquiring a slot");
  return cache_->acquire();
}

void Gemma3nTextDecoder::releaseSlot(int slot) {
  if (cache_) cache_->release(slot);
}

int64_t Gemma3nTextDecoder::cachedLength(int slot) const { return cache_ ? cache_->length(slot) : 0; }

at::Tensor Gemma3nTextDecoder::prefill(int slot, const infer::PrefillInput& input) {
  if (!cache_) throw std::logic_error("Gemma 3n: reserveSlots() must be called before prefill");
  const auto T = static_cast<int64_t>(input.tokenIds.size());
  if (T > maxLength_)
    throw std::invalid_argument("Gemma 3n: the prompt (" + std::to_string(T) + " tokens) is longer than a cache slot (" +
                                std::to_string(maxLength_) + ")");
  cache_->setLength(slot, 0);
  const at::Tensor out = promptLogits(input, cache_.get(), slot, true, nullptr);
  cache_->setLength(slot, T);
  return out[0];
}

// The prompts as one pass: a prefill is ~3,000 kernels whatever its length (35 layers of AltUp, LAuReL,
// PLE), so short prompts (crop OCR) were launch-bound one by one. Everything but attention is per row, so
// packing only needs per-prompt positions, per-segment cache writes and segment-local attention.
at::Tensor Gemma3nTextDecoder::prefillMany(const std::vector<int>& slots, const std::vector<infer::PrefillInput>& inputs) {
  if (!cache_) throw std::logic_error("Gemma 3n: reserveSlots() must be called before prefill");
  if (slots.empty() || slots.size() != inputs.size())
    throw std::invalid_argument("Gemma 3n: prefillMany needs one slot per prompt, at least one prompt");
  if (inputs.size() == 1) return prefill(slots[0], inputs[0]).unsqueeze(0);
  std::vector<int64_t> cu{0}, ids, positions, lastRows;
  std::vector<at::Tensor> embeds;
  std::set<int> distinct(slots.begin(), slots.end());
  if (distinct.size() != slots.size()) throw std::invalid_argument("Gemma 3n: prefillMany got one slot twice");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto T = static_cast<int64_t>(inputs[i].tokenIds.size());
    if (T < 1 || T > maxLength_)
      throw std::invalid_argument("Gemma 3n: prompt " + std::to_string(i) + " has " + std::to_string(T) +
                                  " tokens; a cache slot holds 1.." + std::to_string(maxLength_));
    (void)cache_->length(slots[i]);  // throws for a slot outside the pool
    embeds.push_back(embed(inputs[i]));
    ids.insert(ids.end(), inputs[i].tokenIds.begin(), inputs[i].tokenIds.end());
    for (int64_t p = 0; p < T; ++p) positions.push_back(p);
    cu.push_back(cu.back() + T);
    lastRows.push_back(cu.back() - 1);
  }
  for (int s : slots) cache_->setLength(s, 0);
  const at::Tensor e = at::cat(embeds, 0);
  const at::Tensor ple = perLayerInputs(ids, e);
  const auto longs = at::TensorOptions().dtype(at::kLong);
  const Rope rp = rope(at::tensor(positions, longs).to(options_.device));
  PackedPromptAttention attention(*this, *cache_, slots, cu, [this](int64_t l) { return attentionOptions(l); });
  const at::Tensor streams = runLayers(altupInit(e), ple, rp, attention, nullptr);
  const at::Tensor last = streams.index_select(1, at::tensor(lastRows, longs).to(options_.device));
  const at::Tensor out = logits(finalHidden(last));
  for (size_t i = 0; i < slots.size(); ++i) cache_->setLength(slots[i], cu[i + 1] - cu[i]);
  return out;
}

void Gemma3nTextDecoder::truncateSlot(int slot, int64_t length) {
  if (!cache_) throw std::logic_error("Gemma 3n: reserveSlots() must be called before truncateSlot");
  if (length < 0 || length > cache_->length(slot))
    throw std::invalid_argument("Gemma 3n: truncateSlot can only shorten slot " + std::to_string(slot));
  cache_->setLength(slot, length);
}

at::Tensor Gemma3nTextDecoder::decode(const std::vector<int>& slots, const std::vector<int64_t>& tokens) {
  const std::vector<int64_t> lengths = stepLengths(slots, tokens, {});
  // A vision id stays on the static step too: it embeds vision ids from their own rows as the eager path does
  // (visionHardRows, text_decoder_graphs.cpp).
  if (!staticStepNow()) return eagerDecode(slots, tokens, lengths);
  return staticDecode(slots, tokens, lengths, options_.decodeMode == DecodeMode::Auto);
}

bool Gemma3nTextDecoder::staticStepNow() const {
  if (options_.decodeMode != DecodeMode::Auto) return options_.decodeMode == DecodeMode::Static;
  return !graphsFailed_ && infer::cudaGraphsWanted(options_.device);
}

bool Gemma3nTextDecoder::decodesAhead() const {
  return cache_ && staticStepNow() && (!pleOnHost_ || pleTableView_ != nullptr);
}

std::unique_ptr<infer::PendingTokens> Gemma3nTextDecoder::decodeAhead(const std::vector<int>& slots,
                                                                      const std::vector<int64_t>& tokens,
                                                                      const std::vector<bool>& fedBack) {
  if (!decodesAhead())
    throw std::logic_error("Gemma 3n: decodeAhead() needs the static decode step and a per-layer table the device can read");
  const std::vector<int64_t> lengths = stepLengths(slots, tokens, fedBack);  // checks the flags against the slots
  const at::Tensor eager = queueStaticStep(slots, tokens, lengths, options_.decodeMode == DecodeMode::Auto, fedBack);
  if (eager.defined()) {
    // The graph capture failed and the step ran eagerly; its tokens are here already.
    const at::Tensor greedy = eager.argmax(1).cpu().contiguous();
    return infer::readyTokens(std::vector<int64_t>(greedy.data_ptr<int64_t>(), greedy.data_ptr<int64_t>() + greedy.numel()));
  }
  return infer::readGreedyLater(staticGreedyTokens(), slots);
}

std::vector<int64_t> Gemma3nTextDecoder::stepLengths(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                                                     const std::vector<bool>& fedBack) const {
  if (!cache_) throw std::logic_error("Gemma 3n: reserveSlots() must be called before decode");
  if (slots.empty() || slots.size() != tokens.size())
    throw std::invalid_argument("Gemma 3n: decode needs one token per slot");
  if (!fedBack.empty() && fedBack.size() != slots.size())
    throw std::invalid_argument("Gemma 3n: decode needs one fed-back flag per slot");
  std::vector<int64_t> hostTokens;
  for (size_t i = 0; i < tokens.size(); ++i)
    if (fedBack.empty() || !fedBack[i]) hostTokens.push_back(tokens[i]);
  checkIds(hostTokens);
  std::vector<int64_t> lengths;
  std::vector<bool> seen(static_cast<size_t>(slotCount()), false);
  for (size_t i = 0; i < slots.size(); ++i) {
    const int s = slots[i];
    const int64_t len = cache_->length(s);  // throws for a slot outside the pool
    if (seen[static_cast<size_t>(s)]) throw std::invalid_argument("Gemma 3n: slot " + std::to_string(s) + " appears twice in one step");
    seen[static_cast<size_t>(s)] = true;
    if (len == 0) throw std::invalid_argument("Gemma 3n: slot " + std::to_string(s) + " has no prompt; prefill it first");
    if (len >= maxLength_)
      throw std::invalid_argument("Gemma 3n: slot " + std::to_string(s) + " is full (" + std::to_string(len) + " tokens)");
    lengths.push_back(len);
  }
  return lengths;
}

at::Tensor Gemma3nTextDecoder::eagerDecode(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                                           const std::vector<int64_t>& lengths) {
  std::vector<int64_t> keyLengths;
  for (auto len : lengths) keyLengths.push_back(len + 1);
  const at::Tensor e = embedIds(tokens);
  const at::Tensor ple = perLayerInputs(tokens, e);
  const Rope rp = rope(at::tensor(lengths, at::TensorOptions().dtype(at::kLong)).to(options_.device, true));
  DecodeAttention attention(*this, *cache_, slots, keyLengths, [this](int64_t l) { return attentionOptions(l); });
  const at::Tensor streams = runLayers(altupInit(e), ple, rp, attention, nullptr);
  const at::Tensor out = logits(finalHidden(streams));
  for (size_t i = 0; i < slots.size(); ++i) cache_->setLength(slots[i], lengths[i] + 1);
  return out;
}

}  // namespace ll::models::gemma3n
