#pragma once
// Qwen2ForCausalLM as a CausalLM for the generation scheduler: RMSNorm, RoPE (rotate-half), GQA
// attention with q/k/v biases, SwiGLU MLP. Differs from transformers' code only in layout: q/k/v
// and gate/up weights are fused at load time (one matmul each) and K/V live in a slot-pool cache.
// Checked against transformers 5.17 Qwen2ForCausalLM on random weights (tools/gpu/check_infer.sh,
// fixture tests/fixtures/qwen2_tiny). dots.ocr reuses it as its text decoder.
#include <map>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/infer/attention.h"
#include "core/infer/causal_lm.h"
#include "core/infer/weight_product.h"
#include "core/infer/kv_cache.h"
#include "core/models/qwen2/qwen2_config.h"
#include "core/models/qwen2/qwen2_decode_graphs.h"

namespace ll::models::qwen2 {

// How decode() runs a step (qwen2_decode_graphs.h). Auto: the static whole-pool step replayed as CUDA
// graphs where infer::cudaGraphsWanted(device), the eager step elsewhere and after a failed capture.
// Always: the static step everywhere, through graphs where wanted, computed directly otherwise (how the
// CPU tests check it against the eager step). Never: the eager step.
enum class StaticDecode { Auto, Always, Never };

struct DecoderOptions {
  c10::Device device = c10::Device(c10::kCPU);
  c10::ScalarType dtype = c10::ScalarType::Float;
  infer::AttentionImpl attention = infer::AttentionImpl::Sdpa;
  StaticDecode staticDecode = StaticDecode::Auto;
  // Smallest key-length bucket of the static step (buckets double from here up to the slot length).
  int64_t staticDecodeMinBucket = 256;
};

class Qwen2CausalLM : public infer::CausalLM {
 public:
  // Weights by their Hugging Face names (model.embed_tokens.weight, model.layers.N.self_attn.q_proj.weight,
  // ..., lm_head.weight); other names are ignored. Throws std::runtime_error naming a missing tensor or
  // a tensor whose shape disagrees with the config.
  static std::unique_ptr<Qwen2CausalLM> fromWeights(const Qwen2Config& config, std::map<std::string, at::Tensor> weights,
                                                    const DecoderOptions& options);
  // A checkpoint folder (config.json + *.safetensors); `skipPrefixes` leaves other towers unread
  // (dots.ocr: "vision_tower.").
  static std::unique_ptr<Qwen2CausalLM> load(const std::string& modelDir, const DecoderOptions& options,
                                             const std::vector<std::string>& skipPrefixes = {});

  const Qwen2Config& config() const { return config_; }
  const DecoderOptions& options() const { return options_; }
  void setAttentionImpl(infer::AttentionImpl impl) { options_.attention = impl; }
  void setStaticDecode(StaticDecode mode) { options_.staticDecode = mode; }
  // Whether a graph capture failed (decode() then runs without graphs for the model's life) and why.
  bool decodeGraphsFailed() const { return static_ && static_->graphsFailed(); }
  std::string decodeGraphsFailure() const { return static_ ? static_->failure() : std::string(); }

  // Token embeddings [ids.size(), hidden] (dots.ocr splices image features into these).
  at::Tensor embedTokens(const std::vector<int64_t>& ids) const;
  // Full forward without any cache: float32 logits [ids.size(), vocab] for every position. The
  // reference that cached decoding is tested against.
  at::Tensor forwardAll(const infer::PrefillInput& input) const;

  // CausalLM
  std::string name() const override { return "qwen2"; }
  int64_t vocabSize() const override { return config_.vocabSize; }
  int64_t hiddenSize() const override { return config_.hiddenSize; }
  c10::Device device() const override { return options_.device; }
  c10::ScalarType dtype() const override { return options_.dtype; }
  void reserveSlots(int slots, int64_t maxLength) override;
  int slotCount() const override;
  int64_t maxSequenceLength() const override;
  std::optional<int> acquireSlot() override;
  void releaseSlot(int slot) override;
  int64_t cachedLength(int slot) const override;
  at::Tensor prefill(int slot, const infer::PrefillInput& input) override;
  at::Tensor decode(const std::vector<int>& slots, const std::vector<int64_t>& tokens) override;
  // Wherever decode() takes the static step (its body keeps every slot's greedy token on the device).
  bool decodesAhead() const override { return cache_ && staticDecodeWanted(); }
  std::unique_ptr<infer::PendingTokens> decodeAhead(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                                                    const std::vector<bool>& fedBack) override;

 private:
  struct Layer {
    at::Tensor inputNorm, postNorm;
    at::Tensor qkvWeight, qkvBias;  // fused [q; k; v]
    at::Tensor oWeight;
    infer::WeightProduct gateUp;  // fused [gate; up]
    infer::WeightProduct down;
  };

  Qwen2CausalLM(const Qwen2Config& config, const DecoderOptions& options);
  // Hidden states [L, hidden] after the final norm; writes K/V into `cache` at `slot` when given.
  at::Tensor promptHidden(const infer::PrefillInput& input, infer::KvCache* cache, int slot) const;
  // Per layer: this layer's index and its fused projection qkv [N, (Hq + 2 Hkv) * D] (bias added, no rotary
  // yet) -> attention output [N, Hq, D]; the callback rotates and stores K/V as its path needs.
  using Attend = std::function<at::Tensor(int layer, const at::Tensor& qkv)>;
  // The decoder stack over embeddings h [N, hidden] (the prompt's, or one row per slot): the hidden states
  // after the final norm. Each residual add runs fused with the norm after it (infer::addRmsNorm).
  at::Tensor decoderStack(at::Tensor h, const Attend& attend) const;
  at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight) const;
  std::pair<at::Tensor, at::Tensor> rope(const at::Tensor& positions) const;  // cos, infer::signedSine(sin) [N, headDim]
  // q, k, v [N, heads, D] of a fused projection, rotary applied to q and k (tables [N, 1, D]).
  std::tuple<at::Tensor, at::Tensor, at::Tensor> rotatedQkv(const at::Tensor& qkv, const at::Tensor& cos,
                                                            const at::Tensor& sin) const;
  // A decode step's q [N, Hq, D], rotated (tables [N, D]); k and v rotated / stored at flat cache rows `rows`.
  at::Tensor rotateIntoCache(int layer, const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& sin,
                             const at::Tensor& rows) const;
  at::Tensor mlp(const Layer& layer, const at::Tensor& x) const;
  at::Tensor logits(const at::Tensor& normedHidden) const;  // float32 logits of final-normed hidden states
  bool staticDecodeWanted() const;
  at::Tensor eagerDecode(const std::vector<int>& slots, const std::vector<int64_t>& tokens);
  at::Tensor staticDecode(const std::vector<int>& slots, const std::vector<int64_t>& tokens);
  // Queues the static step for the batch (fedBack as in decodeAhead; empty = none) and advances its slots.
  // Returns the step's float32 logits [S, vocab], overwritten by the next step, and the batch's rows in it.
  std::pair<at::Tensor, at::Tensor> queueStaticStep(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                                                    const std::vector<bool>& fedBack);
  // The static step's body: float32 logits [S, vocab] from static_'s inputs, keys [0, bucket) of every slot.
  at::Tensor staticStepLogits(int64_t bucket);

  Qwen2Config config_;
  DecoderOptions options_;
  at::Tensor embed_, finalNorm_, invFreq_;
  infer::WeightProduct lmHead_;  // a tied head: the embedding as it is
  std::vector<Layer> layers_;
  std::unique_ptr<infer::KvCache> cache_;  // maxLength_ + 1 rows per slot: the last is the static step's scratch row
  int64_t maxLength_ = 0;
  std::unique_ptr<StaticDecodeStep> static_;  // built on the first static step, dropped with the cache
};

}  // namespace ll::models::qwen2
