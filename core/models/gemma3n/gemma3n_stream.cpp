#include "core/models/gemma3n/gemma3n_stream.h"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "core/infer/generation/generation_scheduler.h"
#include "core/models/gemma3n/gemma3n_model.h"

namespace ll::models::gemma3n {

Gemma3nStream::Gemma3nStream(Gemma3nGenerator& generator, int slots, int64_t maxLength,
                             std::shared_ptr<infer::CancellationToken> cancel)
    : generator_(generator), cancel_(std::move(cancel)), slots_(std::max(1, slots)), maxLength_(maxLength) {}

Gemma3nStream::~Gemma3nStream() {
  // run() never ran or returned by a throw: nobody will answer what is still waiting, so answer it now.
  std::vector<Pending> left;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    left.swap(arrivals_);
    ended_ = true;
  }
  answerAll(left, "the Gemma 3n stream was shut down before this request ran");
}

void Gemma3nStream::submit(VisionGenerationRequest request, Done done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!ended_) {
      arrivals_.push_back({std::move(request), std::move(done)});
      ++open_;
      ++stats_.submitted;
      wake_.notify_all();
      return;
    }
  }
  VisionGeneration late;
  late.finishReason = "error";
  late.error = "the Gemma 3n stream has already finished; the request came too late";
  try {
    done(std::move(late));
  } catch (...) {
  }
}

void Gemma3nStream::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  wake_.notify_all();
}

Gemma3nStream::Stats Gemma3nStream::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void Gemma3nStream::deliver(const Done& done, VisionGeneration answer) {
  try {
    done(std::move(answer));
  } catch (...) {
    // Documented as must-not-throw; the request counts as answered either way.
  }
  std::lock_guard<std::mutex> lock(mutex_);
  --open_;
  ++stats_.answered;
}

void Gemma3nStream::answerAll(std::vector<Pending>& pending, const std::string& error) {
  for (auto& p : pending) {
    VisionGeneration a;
    a.finishReason = "error";
    a.error = error;
    deliver(p.done, std::move(a));
  }
  pending.clear();
}

void Gemma3nStream::admit(std::vector<Pending>& arrivals, infer::GenerationScheduler& scheduler) {
  std::vector<VisionGenerationRequest> requests;
  requests.reserve(arrivals.size());
  for (const auto& a : arrivals) requests.push_back(a.request);
  Gemma3nGenerator::Prepared p = generator_.prepare(requests, cancel_);
  std::vector<bool> scheduled(arrivals.size(), false);
  for (size_t k = 0; k < p.requests.size(); ++k) {
    const size_t i = p.index[k];
    scheduled[i] = true;
    infer::GenerationRequest g = std::move(p.requests[k]);
    g.onFinish = [this, done = arrivals[i].done, answer = p.answers[i],
                  vision = p.visionSeconds[i]](const infer::GenerationResult& result) mutable {
      generator_.fillAnswer(answer, result, vision);
      deliver(done, std::move(answer));
    };
    scheduler.submit(std::move(g));
  }
  // Requests that cannot run (unusable image, cancelled) are answered now.
  for (size_t i = 0; i < arrivals.size(); ++i)
    if (!scheduled[i]) deliver(arrivals[i].done, std::move(p.answers[i]));
  arrivals.clear();
}

void Gemma3nStream::run() {
  std::vector<Pending> batch;
  try {
    // On this thread: the pool's memory belongs to the stream the GPU work runs on.
    generator_.reservePool(std::min(slots_, generator_.maxBatch()), maxLength_);
    infer::GenerationScheduler scheduler(generator_.model().decoder());
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        const bool busy = scheduler.runningCount() + scheduler.queuedCount() > 0;
        if (!busy) wake_.wait(lock, [this] { return !arrivals_.empty() || (closed_ && open_ == 0); });
        if (!busy && arrivals_.empty()) {
          ended_ = true;  // closed and every request answered
          return;
        }
        batch.swap(arrivals_);
        if (!batch.empty()) ++stats_.arrivalBatches;
      }
      if (!batch.empty()) admit(batch, scheduler);
      if (scheduler.runningCount() + scheduler.queuedCount() > 0) scheduler.step();
    }
  } catch (const std::exception& e) {
    // The scheduler's destructor has answered what it held (cancelled); answer the rest with the cause.
    std::vector<Pending> left;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      left.swap(arrivals_);
      ended_ = true;
    }
    for (auto& p : batch) left.push_back(std::move(p));
    answerAll(left, std::string("Gemma 3n generation failed: ") + e.what());
    throw;
  }
}

}  // namespace ll::models::gemma3n
