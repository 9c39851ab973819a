#pragma once
// The Gemma 3n text decoder (Gemma3nTextModel + tied LM head) as a CausalLM for the generation
// scheduler, following /work/shared/specs/gemma3n.md §2 literally: AltUp streams, LAuReL, per-layer
// embeddings (PLE), q/k/v norms, KV sharing for the last layers, sliding/full attention with their
// own RoPE bases, Gaussian top-k activation sparsity and the final logit soft-cap. HF's rounding of
// scale constants to the activation dtype is reproduced so bf16 runs stay bit-close to transformers.
// Layout differences from transformers only: q/k/v and gate/up weights are fused at load time, K/V
// live in a slot-pool cache that holds the first F (non-shared) layers only, and the PLE table may
// stay in host memory (it is only gathered, T rows per step, and is 4-5 GB in bf16). On CUDA a decode
// step replays a captured graph of a fixed-shape step over the whole slot pool (text_decoder_graphs.cpp).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/infer/attention.h"
#include "core/infer/weight_product.h"
#include "core/infer/causal_lm.h"
#include "core/infer/kv_cache.h"
#include "core/models/gemma3n/gemma3n_config.h"

namespace ll::models::gemma3n {

// How decode() runs a step. Auto: a CUDA graph per key-length bucket when cudaGraphsWanted(device)
// (text_decoder_graphs.cpp), else Eager. Static: the graph's fixed-shape step over the whole slot pool,
// run directly without capture (any device; the tests check it against Eager on the CPU).
enum class DecodeMode { Auto, Eager, Static };

// Where the per-layer embedding (PLE) table of a CUDA model lives. Host: pinned host memory; a decode step's rows
// are gathered by the GPU in place over the bus, a prompt's on the host and copied over (saves ~4.7 GB of GPU
// memory; costs the prefill ~80 ms of idle GPU per 20k prompt tokens on an H100 host). Auto: on the GPU when at
// least kPleOnDeviceMinFreeGiB are free at load time, unless LAYOUTLENS_PLE_TABLE=host or =device says where.
enum class PleTablePlacement { Auto, Host, Device };
inline constexpr double kPleOnDeviceMinFreeGiB = 40.0;

struct Gemma3nOptions {
  c10::Device device = c10::Device(c10::kCPU);
  c10::ScalarType dtype = c10::ScalarType::Float;
  infer::AttentionImpl attention = infer::AttentionImpl::Sdpa;
  PleTablePlacement perLayerTable = PleTablePlacement::Auto;  // CUDA devices only; elsewhere it is on the device
  DecodeMode decodeMode = DecodeMode::Auto;
};

class Gemma3nTextDecoder : public infer::CausalLM {
 public:
  // Weights by their Hugging Face names ("model.language_model.*" and "model.embed_vision.*"); other
  // names, and the unused K/V tensors of KV-shared layers, are ignored. Throws std::runtime_error
  // naming a missing tensor or a tensor whose shape disagrees with the config.
  static std::unique_ptr<Gemma3nTextDecoder> fromWeights(const Gemma3nConfig& config, std::map<std::string, at::Tensor> weights,
                                                         const Gemma3nOptions& options);
  // A model folder (config.json + safetensors). Vision/audio towers, audio embedder and the K/V
  // tensors of shared layers are never read from the files.
  static std::unique_ptr<Gemma3nTextDecoder> load(const std::string& modelDir, const Gemma3nOptions& options);
  // (name, shape) of every tensor fromWeights needs, in checkpoint naming.
  static std::vector<std::pair<std::string, std::vector<int64_t>>> requiredTensors(const Gemma3nConfig& config);
  ~Gemma3nTextDecoder() override;

  const Gemma3nConfig& config() const { return config_; }
  const Gemma3nOptions& options() const { return options_; }
  void setAttentionImpl(infer::AttentionImpl impl) { options_.attention = impl; }
  // Switching mode keeps the captured graphs (they stay valid); reserveSlots() drops them.
  void setDecodeMode(DecodeMode mode) { options_.decodeMode = mode; }
  // CUDA graphs captured so far (one per key-length bucket), and whether a capture failed, after
  // which decode() stays eager for the rest of the model's life. For benchmarks and logs.
  int capturedGraphCount() const;
  bool graphCaptureFailed() const { return graphsFailed_; }
  // Forgets the last tokens of a slot: its cached length becomes `length` (<= the current one). The
  // positions behind it are simply overwritten by later steps. Benchmarks replay steps with it.
  void truncateSlot(int slot, int64_t length);
  // The key-length bucket (keys read per slot) of a static step whose longest row has maxKeyLength
  // keys: powers of two from 256, capped at the slot capacity.
  static int64_t keyBucket(int64_t maxKeyLength, int64_t maxLength);

  // Merged input embeddings [T, D] (spec §2.1): text ids scaled by sqrt(D), vision hard ids through
  // the embed_vision hard path, then the override rows (final soft image tokens) at their positions.
  at::Tensor embed(const infer::PrefillInput& input) const;
  // Full forward without any cache: float32 logits [T, vocab] (soft-capped) for every position.
  at::Tensor forwardAll(const infer::PrefillInput& input) const;
  // Same; `debug` (when given) receives float32 CPU copies for parity checks: "inputs_embeds" [T,D],
  // "per_layer_inputs" [T,L,P], "altup_init" [N,T,D], "layer.{l}" [N,T,D], "final_norm" [T,D].
  at::Tensor forwardAll(const infer::PrefillInput& input, std::map<std::string, at::Tensor>* debug) const;

  // CausalLM
  std::string name() const override { return "gemma3n"; }
  int64_t vocabSize() const override { return config_.text.vocabSize; }
  int64_t hiddenSize() const override { return config_.text.hiddenSize; }
  c10::Device device() const override { return options_.device; }
  c10::ScalarType dtype() const override { return options_.dtype; }
  void reserveSlots(int slots, int64_t maxLength) override;
  int slotCount() const override;
  int64_t maxSequenceLength() const override;
  std::optional<int> acquireSlot() override;
  void releaseSlot(int slot) override;
  int64_t cachedLength(int slot) const override;
  at::Tensor prefill(int slot, const infer::PrefillInput& input) override;
  at::Tensor prefillMany(const std::vector<int>& slots, const std::vector<infer::PrefillInput>& inputs) override;
  at::Tensor decode(const std::vector<int>& slots, const std::vector<int64_t>& tokens) override;
  // Wherever decode() takes the static step and the device can read the per-layer table (on the device, or
  // page-locked on the host where the GPU reads it in place): a fed-back token's table row is gathered there.
  bool decodesAhead() const override;
  std::unique_ptr<infer::PendingTokens> decodeAhead(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                                                    const std::vector<bool>& fedBack) override;

  // Attention of one layer for n query rows: q [n, Hq, d] (normed, rotated); k, v [n, Hkv, d] for
  // layers that compute their own K/V, undefined for KV-shared layers. Returns [n, Hq * d].
  class AttentionStep {
   public:
    virtual ~AttentionStep() = default;
    // A decode step's flat K/V caches [R, hkv, d] of `layer` and the int64 rows [n] its new keys go to, so
    // that the fused attention-input kernel stores them itself (run() then gets no k, v for the layer).
    // nullopt: run() stores k and v.
    struct CacheRows {
      at::Tensor keys, values, rows;
    };
    virtual std::optional<CacheRows> cacheRows(int64_t layer) const {
      (void)layer;
      return std::nullopt;
    }
    virtual at::Tensor run(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) = 0;
  };

 private:
  struct Layer {
    at::Tensor inputNorm, postAttentionNorm, preFeedforwardNorm, postFeedforwardNorm;
    // Every projection of the normed input h in one GEMM: [q; k; v; laurel_left], or [q; laurel_left] for
    // KV-shared layers; LAuReL's rows start at laurelOffset.
    at::Tensor inputProjWeight;
    int64_t laurelOffset = 0;
    bool ownsKv = true;
    at::Tensor qNorm, kNorm, oWeight;
    infer::WeightProduct gateUp, down;  // gate/up fused
    int64_t intermediate = 0;
    std::optional<double> sparsityMultiplier;  // Phi^-1(sparsity) rounded to the activation dtype
    at::Tensor predictionCoefs, correctionCoefs, modalityRouter, routerNorm, correctOutputScale;
    at::Tensor laurelRight, laurelNorm;
    at::Tensor perLayerInputGate, perLayerProjection, postPerLayerInputNorm;
  };
  struct Rope {
    // [n, 1, d] in the activation dtype; the sines as infer::signedSine (for infer::applyRotary)
    at::Tensor cosFull, sinFull, cosSliding, sinSliding;
  };

  Gemma3nTextDecoder(const Gemma3nConfig& config, const Gemma3nOptions& options);

  // text_decoder_embed.cpp
  at::Tensor embedIds(const std::vector<int64_t>& ids) const;                                   // [n, D]
  at::Tensor perLayerInputs(const std::vector<int64_t>& ids, const at::Tensor& embeds) const;   // [n, L, P]
  // The PLE formula on gathered table rows tok [n, L*P] (unscaled): shared by both decode paths.
  at::Tensor combinePerLayerInputs(const at::Tensor& tok, const at::Tensor& embeds) const;      // [n, L, P]
  at::Tensor altupInit(const at::Tensor& embeds) const;                                         // [N, n, D]
  at::Tensor finalHidden(const at::Tensor& streams) const;                                      // [n, D], after the norm
  at::Tensor logits(const at::Tensor& hidden) const;                                            // float32 [n, vocab]
  void checkIds(const std::vector<int64_t>& ids) const;
  // text_decoder_layer.cpp
  at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) const;
  at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight) const { return rmsNorm(x, weight, config_.text.rmsNormEps); }
  Rope rope(const at::Tensor& positions) const;
  at::Tensor router(const Layer& layer, const at::Tensor& x) const;
  at::Tensor mlp(const Layer& layer, const at::Tensor& x) const;
  at::Tensor laurelOut(const Layer& layer, const at::Tensor& proj) const;
  struct AttentionInputs {
    at::Tensor q, k, v;  // k, v undefined for layers that read another layer's cache, or stored already
  };
  // q, k, v from the input projection (linear(h, inputProjWeight)): per-head norms and rotary (the fused
  // kernel when asked and the heads fit; it stores k and v at `into` when given).
  AttentionInputs attentionInputs(int64_t l, const at::Tensor& proj, const Rope& rope, bool fusedKernels,
                                  const std::optional<AttentionStep::CacheRows>& into) const;
  // Whether this layer runs as fused kernels (fused_ops.h): CUDA bfloat16, the released geometry.
  bool fusedLayer(const at::Tensor& streams) const;
  // streams [N, n, D] -> [N, n, D]; ple [n, P] for this layer. The op chain (the reference's), or the fused
  // kernels where fusedLayer().
  at::Tensor layerForward(int64_t l, const at::Tensor& streams, const at::Tensor& ple, const Rope& rope,
                          AttentionStep& attention) const;
  // A layer's per-layer input (its exit: streams[1..N-1] += rms(g; norm)) held back for the next fused layer's
  // entry kernel to add (fused::predictAndNorm's pendingG); undefined g: nothing pending.
  struct PendingPerLayerInput {
    at::Tensor g, norm;
  };
  // The fused layer. With `pending` given, it adds the previous layer's held-back input on entry and holds its
  // own back in `pending` instead of adding it (one kernel a layer less); without, it adds its own.
  at::Tensor fusedLayerForward(int64_t l, const at::Tensor& streams, const at::Tensor& ple, const Rope& rope,
                               AttentionStep& attention, PendingPerLayerInput* pending = nullptr) const;
  static bool deferPerLayerInput();
  // Runs every layer over n rows; fills debug "layer.{l}" when given.
  at::Tensor runLayers(at::Tensor streams, const at::Tensor& ple, const Rope& rope, AttentionStep& attention,
                       std::map<std::string, at::Tensor>* debug) const;
  infer::AttentionOptions attentionOptions(int64_t layer) const;
  // text_decoder.cpp
  at::Tensor promptLogits(const infer::PrefillInput& input, infer::KvCache* cache, int slot, bool lastOnly,
                          std::map<std::string, at::Tensor>* debug) const;
  at::Tensor eagerDecode(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                         const std::vector<int64_t>& lengths);
  // The cached lengths of a step's slots; throws for a bad batch (repeated, empty or full slot, a host token
  // outside the vocabulary) before any device work. fedBack: empty, or the rows whose token is on the device.
  std::vector<int64_t> stepLengths(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                                   const std::vector<bool>& fedBack) const;
  bool staticStepNow() const;  // whether decode() takes the static step (mode, graphs wanted and not failed)
  // text_decoder_graphs.cpp: the static step over all slots (inputs in static buffers, see there).
  struct StaticDecode;
  at::Tensor staticDecode(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                          const std::vector<int64_t>& lengths, bool graphs);
  // Queues the static step (fedBack as in decodeAhead; empty = none) and advances the slots. Returns the
  // batch's logits rows when a graph capture failed and the step ran eagerly instead (undefined otherwise:
  // the rows are in static_'s logits).
  at::Tensor queueStaticStep(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                             const std::vector<int64_t>& lengths, bool graphs, const std::vector<bool>& fedBack);
  // The vision hard tokens' embeddings [vision vocab, D] as embedIds makes them: the static step embeds a vision id
  // from these (infer::scaledEmbedding), so a token fed back on the device is embedded right whatever it is.
  at::Tensor visionHardRows() const;
  void staticStep(int64_t keyBucket);
  const at::Tensor& staticGreedyTokens() const;  // int64 [S]: every slot's greedy token of the last static step
  void dropStaticDecode();

  Gemma3nConfig config_;
  Gemma3nOptions options_;
  double embedScale_ = 1, pleTableScale_ = 1, pleProjectionScale_ = 1, pleInputScale_ = 1, routerScale_ = 1;
  bool routerScaleFolded_ = false;  // routerScale_ is already in every layer's routerNorm
  at::Tensor embed_, finalNorm_;
  at::Tensor pleTable_;  // [vocabPerLayer, L*P], on the host when pleOnHost_
  bool pleOnHost_ = false;
  const void* pleTableView_ = nullptr;  // where kernels read the host table in place (infer::deviceReadablePointer)
  at::Tensor pleProjection_, pleProjectionNorm_;
  std::vector<at::Tensor> altupProjections_, altupUnembedProjections_;
  at::Tensor visionEmbedding_, visionHardNorm_, visionProjection_;
  at::Tensor invFreqFull_, invFreqSliding_;
  std::vector<Layer> layers_;
  // The cache holds maxLength_ + 1 positions per slot: the last one is a scratch row that the static
  // step's idle slots write to, so a step never touches another sequence's K/V.
  std::unique_ptr<infer::KvCache> cache_;
  int64_t maxLength_ = 0;
  std::unique_ptr<StaticDecode> static_;  // static buffers and captured graphs; reset by reserveSlots()
  bool graphsFailed_ = false;
};

}  // namespace ll::models::gemma3n
