// The static decode step of the Gemma 3n decoder and its CUDA graphs. A batched decode step is ~40
// small kernels per layer (AltUp, LAuReL, PLE) and was CPU launch-bound on an H200 (52-78 ms/step,
// flat from batch 1 to 32), so the whole step is captured once per key-length bucket and replayed.
//
// A graph fixes shapes and addresses, so the step always runs over the WHOLE slot pool (S rows) and
// reads its per-step inputs from static device buffers: token, RoPE position, cache write row, key
// length and PLE table row per slot, plus the order of the requested rows for the output. Slots not in
// the step still run (nearly free while launch-bound) as token 0 at position 0 with one key, writing
// their K/V to the slot's scratch row (position maxLength, never read), so they change nothing. Keys
// are every slot's first Lb cache positions read in place; the key-length buffer does the rest
// (infer::cacheDecodeAttention), sliding window included. Nothing inside the step reads the host.
//
// Decoding ahead (CausalLM::decodeAhead), a row's token may be the greedy token the step before chose for the
// slot, still on the device: every step keeps its greedy tokens (argmax of the logits, in the body), and the
// fed-back rows' token and per-layer table row are filled in from them before the step runs, outside the
// captured body (a capture's warm-up runs repeat the body: one that read and wrote the greedy tokens would feed
// itself). Such a token can be anything, a vision id included: the step embeds vision ids from their own rows
// (visionHardRows, infer::scaledEmbedding), and with the per-layer table on the host the device gathers the step's
// table rows itself, in place over the bus (infer::gatherHostRows), where the host could not.
#include "core/models/gemma3n/text_decoder.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>

#include "core/infer/cuda_graph.h"
#include "core/infer/embedding_rows.h"
#include "core/infer/fused_elementwise.h"

namespace ll::models::gemma3n {

// Rows of StaticDecode::inputs.
enum StaticInput : int64_t { kToken, kPosition, kWriteRow, kKeyLength, kPleRow, kOrder, kInputRows };

struct Gemma3nTextDecoder::StaticDecode {
  at::Tensor inputs;  // int64 [kInputRows, S] on the device
  at::Tensor ple;     // [S, L*P] gathered PLE table rows, when the table stays on the host
  at::Tensor logits;  // float32 [S, vocab]: what every step (graph or not) writes
  at::Tensor greedy;  // int64 [S]: the argmax of every slot's logits row, written by every step
  at::Tensor visionRows;  // visionHardRows(): the embeddings of vision ids, which a token fed back may be
  // Declared after the buffers: graphs go first, then their pool.
  std::unique_ptr<infer::CudaGraphPool> pool;
  std::map<int64_t, std::unique_ptr<infer::CapturedGraph>> graphs;  // by key bucket
};

namespace {

// Attention of the static step: K/V rows go to the rows from the input buffer (written by the fused
// attention-input kernel, else one index_copy_ each); keys are the first Lb positions of every slot, read
// in place (no gather).
class StaticAttention : public Gemma3nTextDecoder::AttentionStep {
 public:
  StaticAttention(const Gemma3nTextConfig& config, infer::KvCache& cache, at::Tensor writeRows,
                  infer::CacheDecodeIndex index, std::function<infer::AttentionOptions(int64_t)> options)
      : config_(config),
        cache_(cache),
        writeRows_(std::move(writeRows)),
        index_(std::move(index)),
        options_(std::move(options)) {}

  std::optional<CacheRows> cacheRows(int64_t layer) const override {
    if (config_.kvProducerFor(layer) != layer) return std::nullopt;  // reads another layer's cache; has none
    return CacheRows{cache_.keyRows(static_cast<int>(layer)), cache_.valueRows(static_cast<int>(layer)), writeRows_};
  }

  at::Tensor run(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) override {
    if (k.defined()) {
      cache_.keyRows(static_cast<int>(layer)).index_copy_(0, writeRows_, k);
      cache_.valueRows(static_cast<int>(layer)).index_copy_(0, writeRows_, v);
    }
    const int producer = static_cast<int>(config_.kvProducerFor(layer));
    return infer::cacheDecodeAttention(q, cache_.keyStorage(producer), cache_.valueStorage(producer), index_, options_(layer))
        .reshape({q.size(0), -1});
  }

 private:
  const Gemma3nTextConfig& config_;
  infer::KvCache& cache_;
  at::Tensor writeRows_;
  infer::CacheDecodeIndex index_;
  std::function<infer::AttentionOptions(int64_t)> options_;
};

}  // namespace

// Here rather than next to fromWeights: constructor and destructor need StaticDecode complete.
Gemma3nTextDecoder::Gemma3nTextDecoder(const Gemma3nConfig& config, const Gemma3nOptions& options)
    : config_(config), options_(options) {}

Gemma3nTextDecoder::~Gemma3nTextDecoder() = default;

void Gemma3nTextDecoder::dropStaticDecode() { static_.reset(); }

const at::Tensor& Gemma3nTextDecoder::staticGreedyTokens() const {
  if (!static_) throw std::logic_error("Gemma 3n: no static decode step has run");
  return static_->greedy;
}

int Gemma3nTextDecoder::capturedGraphCount() const { return static_ ? static_cast<int>(static_->graphs.size()) : 0; }

int64_t Gemma3nTextDecoder::keyBucket(int64_t maxKeyLength, int64_t maxLength) {
  int64_t b = 256;
  while (b < maxKeyLength) b *= 2;
  return std::min(b, maxLength);
}

// The captured body: device work only, shapes from S and the bucket alone.
void Gemma3nTextDecoder::staticStep(int64_t bucket) {
  StaticDecode& st = *static_;
  const at::Tensor tokens = st.inputs[kToken];
  const at::Tensor e = infer::scaledEmbedding(embed_, tokens, embedScale_, st.visionRows, config_.vision.vocabOffset);
  const at::Tensor tok = pleOnHost_ ? st.ple : at::embedding(pleTable_, st.inputs[kPleRow]);
  const at::Tensor ple = combinePerLayerInputs(tok, e);
  const Rope rp = rope(st.inputs[kPosition]);
  const auto& g = cache_->geometry();
  StaticAttention attention(config_.text, *cache_, st.inputs[kWriteRow],
                            infer::cacheDecodeIndex(st.inputs[kKeyLength], bucket, g.maxLength, options_.dtype, g.headDim),
                            [this](int64_t l) { return attentionOptions(l); });
  const at::Tensor streams = runLayers(altupInit(e), ple, rp, attention, nullptr);
  st.logits.copy_(logits(finalHidden(streams)));
  at::argmax_out(st.greedy, st.logits, 1);  // what a step decoding ahead feeds back
}

at::Tensor Gemma3nTextDecoder::staticDecode(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                                            const std::vector<int64_t>& lengths, bool graphs) {
  const at::Tensor eager = queueStaticStep(slots, tokens, lengths, graphs, {});
  if (eager.defined()) return eager;
  // A copy: the static logits are overwritten by the next step.
  return static_->logits.index_select(0, static_->inputs[kOrder].narrow(0, 0, static_cast<int64_t>(slots.size())));
}

at::Tensor Gemma3nTextDecoder::queueStaticStep(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                                               const std::vector<int64_t>& lengths, bool graphs,
                                               const std::vector<bool>& fedBack) {
  const Gemma3nTextConfig& c = config_.text;
  const int64_t S = slotCount(), stride = cache_->geometry().maxLength, n = static_cast<int64_t>(slots.size());
  const bool cuda = options_.device.is_cuda();
  if (!static_) {
    auto st = std::make_unique<StaticDecode>();
    const auto dev = at::TensorOptions().device(options_.device);
    st->inputs = at::zeros({kInputRows, S}, dev.dtype(at::kLong));
    if (pleOnHost_) st->ple = at::zeros({S, pleTable_.size(1)}, dev.dtype(options_.dtype));
    st->logits = at::zeros({S, c.vocabSize}, dev.dtype(at::kFloat));
    st->greedy = at::zeros({S}, dev.dtype(at::kLong));
    st->visionRows = visionHardRows();
    static_ = std::move(st);
    (void)infer::fusedCacheDecodeAvailable(options_.device, options_.dtype, c.headDim);  // not during a capture
  }
  StaticDecode& st = *static_;

  // All inputs in one pinned host tensor and one asynchronous copy; idle slots as described above.
  at::Tensor host = at::empty({kInputRows, S}, at::TensorOptions().dtype(at::kLong).pinned_memory(cuda));
  auto in = host.accessor<int64_t, 2>();
  for (int64_t s = 0; s < S; ++s) {
    in[kToken][s] = 0;
    in[kPosition][s] = 0;
    in[kWriteRow][s] = s * stride + maxLength_;
    in[kKeyLength][s] = 1;
    in[kPleRow][s] = 0;
    in[kOrder][s] = 0;
  }
  int64_t maxKey = 1;
  bool anyFed = false;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t s = slots[static_cast<size_t>(i)], t = tokens[static_cast<size_t>(i)], len = lengths[static_cast<size_t>(i)];
    const bool fed = !fedBack.empty() && fedBack[static_cast<size_t>(i)];
    if (fed && pleOnHost_ && pleTableView_ == nullptr)
      throw std::logic_error("Gemma 3n: a token fed back on the device needs a per-layer table the device can read");
    anyFed = anyFed || fed;
    in[kToken][s] = fed ? -1 : t;  // -1: filled in on the device below
    in[kPosition][s] = len;
    in[kWriteRow][s] = s * stride + len;
    in[kKeyLength][s] = len + 1;
    in[kPleRow][s] = !fed && t < c.vocabSizePerLayerInput ? t : 0;  // audio ids use the pad row, as perLayerInputs
    in[kOrder][i] = s;
    maxKey = std::max(maxKey, len + 1);
  }
  st.inputs.copy_(host, /*non_blocking=*/cuda);
  if (anyFed) infer::feedBackGreedyTokens(st.inputs[kToken], st.greedy, st.inputs[kPleRow], c.vocabSizePerLayerInput);
  if (pleOnHost_ && pleTableView_ != nullptr) {
    // The table is in page-locked host memory the GPU reads in place: it gathers the S rows itself (the fed-back
    // rows' ids exist on the device only).
    infer::gatherHostRows(pleTable_, pleTableView_, st.inputs[kPleRow], st.ple);
  } else if (pleOnHost_) {
    // The table is in host memory: gather the S rows there, then one copy into the static buffer.
    at::Tensor staging = at::empty({S, pleTable_.size(1)}, pleTable_.options().pinned_memory(pleTable_.is_pinned()));
    at::index_select_out(staging, pleTable_, 0, host[kPleRow]);
    st.ple.copy_(staging, /*non_blocking=*/true);
  }

  const int64_t bucket = keyBucket(maxKey, maxLength_);
  if (graphs) {
    auto it = st.graphs.find(bucket);
    if (it == st.graphs.end()) {
      try {
        if (!st.pool) st.pool = std::make_unique<infer::CudaGraphPool>();
        auto graph = infer::CapturedGraph::capture(options_.device, *st.pool, [this, bucket] { staticStep(bucket); });
        it = st.graphs.emplace(bucket, std::move(graph)).first;
      } catch (const std::exception& e) {
        // Warm-up runs may have written this step's K/V rows; the eager step rewrites the same rows.
        std::cerr << "Gemma 3n: CUDA graph capture failed, decoding without graphs from now on: " << e.what() << std::endl;
        std::vector<int64_t> used(tokens);
        if (anyFed) {  // the fed-back tokens, filled in on the device above
          const at::Tensor filled = st.inputs[kToken].cpu();
          for (int64_t i = 0; i < n; ++i)
            if (fedBack[static_cast<size_t>(i)]) used[static_cast<size_t>(i)] = filled[slots[static_cast<size_t>(i)]].item<int64_t>();
        }
        graphsFailed_ = true;
        static_.reset();
        return eagerDecode(slots, used, lengths);
      }
    }
    it->second->replay();
  } else {
    staticStep(bucket);
  }
  for (int64_t i = 0; i < n; ++i)
    cache_->setLength(slots[static_cast<size_t>(i)], lengths[static_cast<size_t>(i)] + 1);
  return {};
}

}  // namespace ll::models::gemma3n
