#pragma once
// What a caller asks the generation scheduler for, and what it gets back. Kept apart from the
// scheduler so pipeline code can build requests without the scheduler's internals.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/infer/causal_lm.h"
#include "core/infer/generation/repetition_guard.h"
#include "core/infer/sampler.h"

namespace ll::infer {

// Shared between the caller (any thread) and the scheduler; cancelling finishes the request at the
// next step with FinishReason::Cancelled and frees its slot.
class CancellationToken {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool isCancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

struct GenerationResult;

struct GenerationRequest {
  std::vector<int64_t> promptIds;
  EmbeddingOverride embeddings;  // optional rows replacing prompt embeddings (image features)
  int maxNewTokens = 256;
  std::vector<int64_t> stopTokenIds;  // the stop token ends the sequence and is not part of the result
  SamplingParams sampling;
  RepetitionGuardConfig repetition;
  // Called on the scheduler's thread for every generated token (stop token excluded), in order.
  std::function<void(int64_t token)> onToken;
  // Called on the scheduler's thread once, when the request ends for any reason, before its future is
  // ready, so a caller can start the request's next stage at once (a page's crops when its layout ends).
  // Must not throw; it may submit new requests to the same scheduler.
  std::function<void(const GenerationResult& result)> onFinish;
  std::shared_ptr<CancellationToken> cancellation;
};

enum class FinishReason { Stop, Length, Repetition, Cancelled, Error };
const char* toString(FinishReason reason);

struct GenerationTiming {
  double queuedMs = 0;     // submit -> prefill start
  double prefillMs = 0;    // prefill start -> first token
  double decodeMs = 0;     // first token -> finish
  double totalMs = 0;      // submit -> finish
  int64_t promptTokens = 0;
  int64_t generatedTokens = 0;
};

struct GenerationResult {
  uint64_t id = 0;
  std::vector<int64_t> tokens;
  FinishReason reason = FinishReason::Error;
  int64_t stopToken = -1;  // which stop token ended it (reason Stop)
  std::string error;       // reason Error: what went wrong
  GenerationTiming timing;
};

}  // namespace ll::infer
