#pragma once
// The model interface the generation scheduler drives. It is shaped by the three decoders we serve:
// Qwen2 (token ids only), dots.ocr (a Qwen2 decoder whose prefill embeddings have image features
// spliced in at the image-pad positions, plain 1-D positions) and Gemma 3n (needs the token ids AND
// the merged embeddings in prefill for its per-layer inputs; sliding window and KV sharing stay
// inside the model). So prefill takes ids plus optional replacement embedding rows, and decode takes
// the last token id of each active sequence. The model owns its KV cache and slot pool because the
// cache layout is model-specific (Gemma 3n caches only its first layers).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace ll::infer {

// Rows that replace the token embeddings at the given prompt positions (image features).
struct EmbeddingOverride {
  at::Tensor rows;                 // [positions.size(), hidden], any dtype/device; cast by the model
  std::vector<int64_t> positions;  // strictly increasing indices into the prompt
  bool empty() const { return positions.empty(); }
};

struct PrefillInput {
  std::vector<int64_t> tokenIds;
  EmbeddingOverride embeddings;
};

// The greedy tokens of a decode step queued by CausalLM::decodeAhead, read when the caller wants them.
class PendingTokens {
 public:
  virtual ~PendingTokens() = default;
  // Blocks until the step has run on the device (not the steps queued after it) and returns its greedy
  // token per row, in the order of the call's slots. Throws what the device reports for a failed step.
  virtual std::vector<int64_t> wait() = 0;
};

class CausalLM {
 public:
  virtual ~CausalLM() = default;

  virtual std::string name() const = 0;
  virtual int64_t vocabSize() const = 0;
  virtual int64_t hiddenSize() const = 0;
  virtual c10::Device device() const = 0;
  virtual c10::ScalarType dtype() const = 0;

  // (Re)allocates the KV cache: `slots` concurrent sequences of up to maxLength tokens each
  // (prompt + generated). Drops every cached sequence.
  virtual void reserveSlots(int slots, int64_t maxLength) = 0;
  virtual int slotCount() const = 0;
  virtual int64_t maxSequenceLength() const = 0;
  virtual std::optional<int> acquireSlot() = 0;
  virtual void releaseSlot(int slot) = 0;
  virtual int64_t cachedLength(int slot) const = 0;

  // Runs the prompt through the model into `slot` (from position 0, replacing what was there) and
  // returns float32 logits [vocab] of the last prompt position, on device().
  virtual at::Tensor prefill(int slot, const PrefillInput& input) = 0;

  // Several prompts, each into its own slot (distinct), in one call: float32 logits [inputs.size(), vocab]
  // on device(), row i for the last position of prompt i, as prefill() would give. The default runs
  // prefill() for each; a model whose prefill is launch-bound (a few thousand small kernels whatever the
  // prompt length) packs them into one pass. When it throws, no slot holds a usable prompt.
  virtual at::Tensor prefillMany(const std::vector<int>& slots, const std::vector<PrefillInput>& inputs);

  // One step for several sequences: tokens[i] is appended to slots[i]; returns float32 logits
  // [slots.size(), vocab] on device(). Either every slot advances by one token or, when it throws,
  // none does (a retry of the same step is safe: the failed step's cache writes are overwritten).
  virtual at::Tensor decode(const std::vector<int>& slots, const std::vector<int64_t>& tokens) = 0;

  // Greedy decoding one step ahead of the host (optional; decodesAhead() says whether the model can now).
  // decodeAhead() queues a step as decode() would and returns without waiting for it: row i's token is
  // tokens[i], or, where fedBack[i], the greedy token that the previous decodeAhead() call chose for
  // slots[i] (it must have been in that call, with no decode() in between), taken on the device. The
  // caller queues step t+1 before it reads step t's tokens, so the device does not idle while the host
  // reads a step back and does its bookkeeping (~0.1 ms of a ~2.5 ms step). Slots advance at once, as in
  // decode(); when it throws, none does and nothing was queued.
  virtual bool decodesAhead() const { return false; }
  virtual std::unique_ptr<PendingTokens> decodeAhead(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                                                     const std::vector<bool>& fedBack);
};

// True for CUDA out-of-memory failures (c10::OutOfMemoryError, or any error whose message says
// "out of memory"), which the scheduler answers by splitting the batch instead of failing requests.
bool isOutOfMemoryError(const std::exception& e);

}  // namespace ll::infer
