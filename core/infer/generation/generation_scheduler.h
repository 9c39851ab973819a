#pragma once
// Continuous batching over one CausalLM: requests join the running batch whenever a slot is free,
// a finished sequence frees its slot at once, prefill of newcomers is interleaved with the decode
// steps of the running batch (the newcomers of one step in one CausalLM::prefillMany call), and a
// CUDA out-of-memory error halves the decode batch (or defers a prefill) instead of failing requests.
// A greedy batch is decoded one step ahead where the model can (CausalLM::decodeAhead): step t+1 is
// queued, with step t's tokens fed on the device, before step t's tokens are read and checked, so the GPU
// does not wait for the host between steps. A sequence that ends at step t has a token computed by step
// t+1 that nobody reads (SchedulerStats::discardedAheadTokens); results are the same token for token.
// One thread drives step(); submit/cancel are thread-safe.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "core/infer/causal_lm.h"
#include "core/infer/generation/generation_request.h"

namespace ll::infer {

enum class ModelCall { Prefill, Decode };

struct SchedulerOptions {
  // Most sequences decoded together; 0 = the model's slot count.
  int maxBatch = 0;
  // Prompt tokens prefilled per step before the running batch decodes again (at least one newcomer
  // is always admitted), so a burst of long prompts does not stall the sequences already running.
  int64_t maxPrefillTokensPerStep = 8192;
  // Called before every model call with its kind and batch size. May throw (tests inject
  // out-of-memory failures here); the scheduler treats the throw as the model call's failure.
  std::function<void(ModelCall call, int batchSize)> beforeModelCall;
  // Decode greedy batches one step ahead where the model can; LAYOUTLENS_DECODE_AHEAD=0 turns it off
  // (A/B runs).
  bool decodeAhead = true;
};

struct SchedulerStats {
  int64_t prefills = 0;         // prompts prefilled
  int64_t batchedPrefills = 0;  // prefillMany calls that took several prompts at once
  int64_t decodeSteps = 0;      // model decode calls
  int64_t decodedTokens = 0;    // sequences advanced by those calls, summed
  int64_t outOfMemorySplits = 0;
  int64_t aheadSteps = 0;            // decode calls queued one step ahead
  int64_t discardedAheadTokens = 0;  // tokens of sequences that had ended before their step was read
  double prefillMs = 0;
  double decodeMs = 0;
};

struct RequestHandle {
  uint64_t id = 0;
  std::shared_future<GenerationResult> result;
};

class GenerationScheduler {
 public:
  // The model must have its slots reserved (CausalLM::reserveSlots) before.
  explicit GenerationScheduler(CausalLM& model, SchedulerOptions options = {});
  ~GenerationScheduler();
  GenerationScheduler(const GenerationScheduler&) = delete;
  GenerationScheduler& operator=(const GenerationScheduler&) = delete;

  // Thread-safe. Invalid requests are answered at the next step with FinishReason::Error.
  RequestHandle submit(GenerationRequest request);
  void cancel(uint64_t id);
  void cancelAll();

  // One iteration on the engine thread: drop cancelled requests, admit and prefill newcomers,
  // decode one token for the running batch. Returns whether work remains.
  bool step();
  void runUntilIdle();
  // Blocks until a request is queued or the timeout passes; true when there is work.
  bool waitForWork(std::chrono::milliseconds timeout);

  // Submits all, runs until they are done, returns the results in request order.
  std::vector<GenerationResult> generate(std::vector<GenerationRequest> requests);

  int runningCount() const;
  int queuedCount() const;
  int decodeBatchLimit() const { return decodeLimit_; }
  SchedulerStats stats() const { return stats_; }

 private:
  struct Sequence;
  using Clock = std::chrono::steady_clock;
  // A step queued by decodeAhead and not read yet.
  struct AheadStep {
    std::unique_ptr<PendingTokens> tokens;
    std::vector<uint64_t> ids;  // its rows' sequences (by id: a sequence may end and go before it is read)
    Clock::time_point start;
  };

  void dropCancelled();
  void admit();
  bool prefillTogether(std::vector<std::unique_ptr<Sequence>>& group);
  bool prefillAlone(std::unique_ptr<Sequence>& s);
  void decodeRunning();
  void decodeRunningNow();
  bool decodeChunk(const std::vector<Sequence*>& chunk);
  bool aheadWanted(const std::vector<Sequence*>& active) const;
  void decodeRunningAhead(const std::vector<Sequence*>& active);
  // Reads the step in flight, if any, and takes its tokens; `queuedAgain` are the sequences whose token
  // was already fed to the step queued after it.
  void readAheadStep(const std::vector<Sequence*>& queuedAgain);
  Sequence* runningById(uint64_t id) const;
  void acceptToken(Sequence& s, int64_t token, bool alreadyFed = false);
  void finish(Sequence& s, FinishReason reason, std::string error = {});
  void finishQueued(std::unique_ptr<Sequence> s, FinishReason reason, std::string error);
  void removeFinished();
  std::string validateRequest(const GenerationRequest& r) const;

  CausalLM& model_;
  SchedulerOptions options_;
  int decodeLimit_;
  int runningLimit_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Sequence>> queue_;  // guarded by mutex_
  std::set<uint64_t> cancelRequests_;            // guarded by mutex_
  bool cancelAll_ = false;                       // guarded by mutex_
  uint64_t nextId_ = 1;                          // guarded by mutex_

  std::vector<std::unique_ptr<Sequence>> running_;  // engine thread only
  std::optional<AheadStep> ahead_;                  // engine thread only
  bool decodeAhead_;
  SchedulerStats stats_;
};

}  // namespace ll::infer
