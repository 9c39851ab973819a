#pragma once
// Gemma 3n requests that arrive while earlier ones are being generated. Gemma3nGenerator::generate takes
// a fixed set and returns when the last one ends; a stream instead accepts requests from any thread at any
// time and answers each the moment it ends. That lets a page's crops start reading while the layout model
// still decodes the other pages, and a page's summary start as soon as its crops are read, all in one
// continuous batch (GenerationScheduler) on the thread that calls run().
//
//   Gemma3nStream stream(generator, slots, maxLength);
//   std::thread gpu([&] { infer::useOwnStream(device); stream.run(); });
//   stream.submit(request, [](VisionGeneration answer) { ... });   // any thread, any time
//   stream.close();                                                  // once nothing more will come
//   gpu.join();
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/infer/generation/generation_request.h"
#include "core/models/gemma3n/gemma3n_generator.h"

namespace ll::infer {
class GenerationScheduler;
}

namespace ll::models::gemma3n {

class Gemma3nStream {
 public:
  // Runs on the thread of run(), once per request, with its answer (an error or "cancelled" included).
  // Must not throw; it may submit further requests.
  using Done = std::function<void(VisionGeneration answer)>;

  // Reserves the generator's KV pool for `slots` sequences of up to `maxLength` tokens (prompt + answer;
  // a longer request is answered with an error saying so). `cancel` (optional) ends every request.
  Gemma3nStream(Gemma3nGenerator& generator, int slots, int64_t maxLength,
                std::shared_ptr<infer::CancellationToken> cancel = nullptr);
  ~Gemma3nStream();
  Gemma3nStream(const Gemma3nStream&) = delete;
  Gemma3nStream& operator=(const Gemma3nStream&) = delete;

  // Any thread. The request's image pixels must stay valid until `done` has run. Accepted until run() has
  // returned (after close() too, so a `done` callback can submit a follow-up); later, answered at once
  // with an error.
  void submit(VisionGenerationRequest request, Done done);
  // Any thread: nothing more will be submitted (except from `done` callbacks of requests still open);
  // run() returns once every request is answered.
  void close();

  // The thread that owns the GPU work: prepares arrivals (vision tower, prompt prefill input) between
  // decode steps, decodes, answers. Returns when closed and idle. Throws only on a failure of the model
  // itself; every request still open is then answered with that error first.
  void run();

  struct Stats {
    int64_t submitted = 0, answered = 0, arrivalBatches = 0;
  };
  Stats stats() const;

 private:
  struct Pending {
    VisionGenerationRequest request;
    Done done;
  };
  void admit(std::vector<Pending>& arrivals, infer::GenerationScheduler& scheduler);
  void deliver(const Done& done, VisionGeneration answer);
  void answerAll(std::vector<Pending>& pending, const std::string& error);

  Gemma3nGenerator& generator_;
  std::shared_ptr<infer::CancellationToken> cancel_;
  int slots_;
  int64_t maxLength_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending> arrivals_;  // guarded by mutex_
  bool closed_ = false;            // guarded by mutex_
  bool ended_ = false;             // run() has returned; guarded by mutex_
  int64_t open_ = 0;               // submitted and not yet answered; guarded by mutex_
  Stats stats_;                    // guarded by mutex_
};

}  // namespace ll::models::gemma3n
