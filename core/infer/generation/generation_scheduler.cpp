// Continuous-batching scheduler (see generation_scheduler.h). Model calls happen outside the mutex,
// so submit() and cancel() never wait for a forward pass.
#include "core/infer/generation/generation_scheduler.h"

#include <ATen/ATen.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/infer/environment_switch.h"

namespace ll::infer {

struct GenerationScheduler::Sequence {
  Sequence(uint64_t i, GenerationRequest r)
      : id(i), request(std::move(r)), sampler(safeParams(request.sampling)), guard(safeGuard(request.repetition)) {}

  // Invalid sampling/guard settings become an Error result (validateRequest), not a throw from submit().
  static SamplingParams safeParams(const SamplingParams& p) {
    try {
      validate(p);
      return p;
    } catch (const std::exception&) {
      return SamplingParams{};
    }
  }
  static RepetitionGuardConfig safeGuard(const RepetitionGuardConfig& c) {
    try {
      RepetitionGuard check(c);
      return c;
    } catch (const std::exception&) {
      return RepetitionGuardConfig{};
    }
  }

  uint64_t id;
  GenerationRequest request;
  TokenSampler sampler;
  RepetitionGuard guard;
  std::promise<GenerationResult> promise;
  int slot = -1;
  std::vector<int64_t> tokens;
  int64_t lastToken = -1;
  bool tokenInFlight = false;  // its next token is being computed by the step ahead_ holds
  bool finished = false;
  GenerationResult result;
  Clock::time_point submitted, prefillStart, firstToken;
};

namespace {
double msBetween(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}
}  // namespace

GenerationScheduler::GenerationScheduler(CausalLM& model, SchedulerOptions options)
    : model_(model),
      options_(std::move(options)),
      decodeAhead_(options_.decodeAhead && !switchedOffByEnvironment("LAYOUTLENS_DECODE_AHEAD")) {
  if (model_.slotCount() <= 0)
    throw std::invalid_argument("generation scheduler: the model has no KV-cache slots; call reserveSlots() first");
  const int slots = model_.slotCount();
  decodeLimit_ = options_.maxBatch > 0 ? std::min(options_.maxBatch, slots) : slots;
  runningLimit_ = decodeLimit_;
}

GenerationScheduler::~GenerationScheduler() {
  // Nobody will drive the queue any more: answer every open request instead of breaking its promise.
  for (auto& s : running_)
    if (!s->finished) finish(*s, FinishReason::Cancelled, "scheduler destroyed");
  removeFinished();
  std::deque<std::unique_ptr<Sequence>> rest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    rest.swap(queue_);
  }
  for (auto& s : rest) finishQueued(std::move(s), FinishReason::Cancelled, "scheduler destroyed");
}

RequestHandle GenerationScheduler::submit(GenerationRequest request) {
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t id = nextId_++;
  auto seq = std::make_unique<Sequence>(id, std::move(request));
  seq->submitted = Clock::now();
  RequestHandle handle{id, seq->promise.get_future().share()};
  queue_.push_back(std::move(seq));
  lock.unlock();
  wake_.notify_all();
  return handle;
}

void GenerationScheduler::cancel(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelRequests_.insert(id);
}

void GenerationScheduler::cancelAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelAll_ = true;
}

int GenerationScheduler::runningCount() const { return static_cast<int>(running_.size()); }

int GenerationScheduler::queuedCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

bool GenerationScheduler::waitForWork(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!running_.empty() || ahead_) return true;
  return wake_.wait_for(lock, timeout, [this] { return !queue_.empty(); });
}

bool GenerationScheduler::step() {
  dropCancelled();
  admit();
  decodeRunning();
  removeFinished();
  std::lock_guard<std::mutex> lock(mutex_);
  return !running_.empty() || !queue_.empty() || ahead_.has_value();
}

void GenerationScheduler::runUntilIdle() {
  while (step()) {
  }
}

std::vector<GenerationResult> GenerationScheduler::generate(std::vector<GenerationRequest> requests) {
  std::vector<RequestHandle> handles;
  handles.reserve(requests.size());
  for (auto& r : requests) handles.push_back(submit(std::move(r)));
  runUntilIdle();
  std::vector<GenerationResult> results;
  results.reserve(handles.size());
  for (auto& h : handles) results.push_back(h.result.get());
  return results;
}

void GenerationScheduler::dropCancelled() {
  std::set<uint64_t> ids;
  bool all = false;
  std::vector<std::unique_ptr<Sequence>> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ids.swap(cancelRequests_);
    all = cancelAll_;
    cancelAll_ = false;
    for (auto it = queue_.begin(); it != queue_.end();) {
      const auto& r = (*it)->request;
      if (all || ids.count((*it)->id) || (r.cancellation && r.cancellation->isCancelled())) {
        dropped.push_back(std::move(*it));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& s : dropped) finishQueued(std::move(s), FinishReason::Cancelled, {});
  for (auto& s : running_) {
    const auto& r = s->request;
    if (!s->finished && (all || ids.count(s->id) || (r.cancellation && r.cancellation->isCancelled())))
      finish(*s, FinishReason::Cancelled);
  }
  removeFinished();
}

std::string GenerationScheduler::validateRequest(const GenerationRequest& r) const {
  if (r.promptIds.empty()) return "the prompt is empty; a request needs at least one prompt token";
  if (r.maxNewTokens < 1) return "max_new_tokens is " + std::to_string(r.maxNewTokens) + "; it must be at least 1";
  if (static_cast<int64_t>(r.promptIds.size()) >= model_.maxSequenceLength())
    return "the prompt has " + std::to_string(r.promptIds.size()) + " tokens but a sequence slot holds " +
           std::to_string(model_.maxSequenceLength()) + "; raise the maximum sequence length or shorten the prompt";
  const int64_t vocab = model_.vocabSize();
  for (auto t : r.promptIds)
    if (t < 0 || t >= vocab)
      return "prompt token id " + std::to_string(t) + " is outside the vocabulary (0.." + std::to_string(vocab - 1) + ")";
  try {
    validate(r.sampling);
    RepetitionGuard check(r.repetition);
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

void GenerationScheduler::admit() {
  int64_t budget = options_.maxPrefillTokensPerStep;
  std::vector<std::unique_ptr<Sequence>> group;
  while (static_cast<int>(running_.size() + group.size()) < runningLimit_) {
    std::unique_ptr<Sequence> s;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.empty()) break;
      const auto promptLen = static_cast<int64_t>(queue_.front()->request.promptIds.size());
      if (!group.empty() && promptLen > budget) break;  // at least one newcomer per step
      s = std::move(queue_.front());
      queue_.pop_front();
    }
    if (const std::string bad = validateRequest(s->request); !bad.empty()) {
      finishQueued(std::move(s), FinishReason::Error, bad);
      continue;
    }
    const auto slot = model_.acquireSlot();
    if (!slot) {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_front(std::move(s));
      break;
    }
    s->slot = *slot;
    budget -= static_cast<int64_t>(s->request.promptIds.size());
    group.push_back(std::move(s));
  }
  if (group.empty()) return;
  if (group.size() > 1 && prefillTogether(group)) return;
  for (size_t i = 0; i < group.size(); ++i) {
    if (prefillAlone(group[i])) continue;
    // Out of memory while others run: this request and the rest of the group wait, in order.
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t j = group.size(); j-- > i;) {
      if (!group[j]) continue;
      if (group[j]->slot >= 0) model_.releaseSlot(group[j]->slot);
      group[j]->slot = -1;
      queue_.push_front(std::move(group[j]));
    }
    return;
  }
}

// One prefillMany() call for the whole group; false (nothing admitted, slots still held) when it fails,
// so each request is then prefilled alone and gets its own answer.
bool GenerationScheduler::prefillTogether(std::vector<std::unique_ptr<Sequence>>& group) {
  std::vector<int> slots;
  std::vector<PrefillInput> inputs;
  const auto start = Clock::now();
  for (auto& s : group) {
    s->prefillStart = start;
    slots.push_back(s->slot);
    inputs.push_back(PrefillInput{s->request.promptIds, s->request.embeddings});
  }
  std::vector<int64_t> first;
  try {
    if (options_.beforeModelCall) options_.beforeModelCall(ModelCall::Prefill, static_cast<int>(group.size()));
    RECORD_FUNCTION("scheduler.prefill_many", std::vector<c10::IValue>());  // named in profiler traces
    const at::Tensor logits = model_.prefillMany(slots, inputs);
    for (size_t i = 0; i < group.size(); ++i) first.push_back(group[i]->sampler.sample(logits[static_cast<int64_t>(i)]));
  } catch (const std::exception&) {
    return false;
  }
  const auto now = Clock::now();
  ++stats_.batchedPrefills;
  for (size_t i = 0; i < group.size(); ++i) {
    Sequence& ref = *group[i];
    ref.firstToken = now;
    ref.lastToken = first[i];
    ++stats_.prefills;
    stats_.prefillMs += msBetween(start, now) / static_cast<double>(group.size());
    running_.push_back(std::move(group[i]));
    acceptToken(ref, ref.lastToken);
  }
  group.clear();
  return true;
}

// Prefills one request (its slot already acquired). Returns false only when it ran out of memory while
// other sequences hold memory: the caller puts it back in the queue. Other failures answer the request.
bool GenerationScheduler::prefillAlone(std::unique_ptr<Sequence>& s) {
  s->prefillStart = Clock::now();
  PrefillInput input{s->request.promptIds, s->request.embeddings};
  try {
    if (options_.beforeModelCall) options_.beforeModelCall(ModelCall::Prefill, 1);
    RECORD_FUNCTION("scheduler.prefill", std::vector<c10::IValue>());
    const at::Tensor logits = model_.prefill(s->slot, input);
    s->lastToken = s->sampler.sample(logits);
  } catch (const std::exception& e) {
    if (isOutOfMemoryError(e) && !running_.empty()) {
      // Memory is held by the running batch: wait for it to shrink before admitting again.
      runningLimit_ = std::max(1, static_cast<int>(running_.size()));
      ++stats_.outOfMemorySplits;
      return false;
    }
    model_.releaseSlot(s->slot);
    s->slot = -1;
    const std::string why = isOutOfMemoryError(e)
                                ? std::string("out of memory while prefilling this prompt alone (") + e.what() +
                                      "); use a smaller image/prompt or a GPU with more memory"
                                : std::string("prefill failed: ") + e.what();
    finishQueued(std::move(s), FinishReason::Error, why);
    return true;
  }
  const auto now = Clock::now();
  s->firstToken = now;
  ++stats_.prefills;
  stats_.prefillMs += msBetween(s->prefillStart, now);
  Sequence& ref = *s;
  running_.push_back(std::move(s));
  acceptToken(ref, ref.lastToken);
  return true;
}

void GenerationScheduler::decodeRunning() {
  std::vector<Sequence*> active;
  for (auto& s : running_)
    if (!s->finished) active.push_back(s.get());
  if (aheadWanted(active)) {
    decodeRunningAhead(active);
    return;
  }
  readAheadStep({});  // a step in flight is read before any decode of the usual kind
  decodeRunningNow();
}

bool GenerationScheduler::aheadWanted(const std::vector<Sequence*>& active) const {
  if (!decodeAhead_ || active.empty() || static_cast<int>(active.size()) > decodeLimit_ || !model_.decodesAhead())
    return false;
  return std::all_of(active.begin(), active.end(), [](const Sequence* s) { return s->sampler.isGreedy(); });
}

// Queues the next step for the running batch, then reads the step before it (ahead_), so the host's
// read-back and bookkeeping overlap the device's work on the new step.
void GenerationScheduler::decodeRunningAhead(const std::vector<Sequence*>& active) {
  std::vector<Sequence*> batch;
  std::vector<int> slots;
  std::vector<int64_t> tokens;
  std::vector<bool> fedBack;
  for (Sequence* s : active) {
    if (s->tokenInFlight) {
      // Its token in flight goes to this step on the device, unless that token is certainly its last: the
      // token limit is reached with it, or the slot has no room left to take it.
      if (static_cast<int>(s->tokens.size()) + 1 >= s->request.maxNewTokens) continue;
      if (model_.cachedLength(s->slot) >= model_.maxSequenceLength()) continue;
    }
    batch.push_back(s);
    slots.push_back(s->slot);
    tokens.push_back(s->tokenInFlight ? 0 : s->lastToken);
    fedBack.push_back(s->tokenInFlight);
  }
  const auto start = Clock::now();
  std::unique_ptr<PendingTokens> queued;
  if (!batch.empty()) {
    try {
      if (options_.beforeModelCall) options_.beforeModelCall(ModelCall::Decode, static_cast<int>(batch.size()));
      RECORD_FUNCTION("scheduler.decode_ahead", std::vector<c10::IValue>());
      queued = model_.decodeAhead(slots, tokens, fedBack);
    } catch (const std::exception&) {
      // Nothing was queued. Read the step in flight, then decode the usual way: it splits the batch when
      // out of memory and answers other failures.
      readAheadStep({});
      decodeRunningNow();
      return;
    }
  }
  readAheadStep(batch);
  if (!queued) return;
  ++stats_.aheadSteps;
  AheadStep next{std::move(queued), {}, start};
  for (Sequence* s : batch) {
    next.ids.push_back(s->id);
    s->tokenInFlight = true;
  }
  ahead_ = std::move(next);
}

void GenerationScheduler::readAheadStep(const std::vector<Sequence*>& queuedAgain) {
  if (!ahead_) return;
  AheadStep step = std::move(*ahead_);
  ahead_.reset();
  std::vector<int64_t> next;
  try {
    next = step.tokens->wait();
  } catch (const std::exception& e) {
    for (uint64_t id : step.ids)
      if (Sequence* s = runningById(id); s && !s->finished) finish(*s, FinishReason::Error, std::string("decode failed: ") + e.what());
    return;
  }
  ++stats_.decodeSteps;
  stats_.decodedTokens += static_cast<int64_t>(step.ids.size());
  stats_.decodeMs += msBetween(step.start, Clock::now());
  for (size_t i = 0; i < step.ids.size(); ++i) {
    Sequence* s = runningById(step.ids[i]);
    if (s == nullptr || s->finished) {  // ended (stop token, cancel) while this step ran
      ++stats_.discardedAheadTokens;
      continue;
    }
    s->tokenInFlight = false;
    s->lastToken = next[i];
    const bool fed = std::find(queuedAgain.begin(), queuedAgain.end(), s) != queuedAgain.end();
    acceptToken(*s, next[i], fed);
  }
}

GenerationScheduler::Sequence* GenerationScheduler::runningById(uint64_t id) const {
  for (const auto& s : running_)
    if (s->id == id) return s.get();
  return nullptr;
}

void GenerationScheduler::decodeRunningNow() {
  std::vector<Sequence*> active;
  for (auto& s : running_)
    if (!s->finished) active.push_back(s.get());
  // Chunks of at most decodeLimit_; a chunk that runs out of memory is split in two and retried.
  std::deque<std::vector<Sequence*>> work;
  for (size_t i = 0; i < active.size(); i += static_cast<size_t>(decodeLimit_)) {
    const size_t end = std::min(active.size(), i + static_cast<size_t>(decodeLimit_));
    work.emplace_back(active.begin() + static_cast<std::ptrdiff_t>(i), active.begin() + static_cast<std::ptrdiff_t>(end));
  }
  while (!work.empty()) {
    std::vector<Sequence*> chunk = std::move(work.front());
    work.pop_front();
    if (decodeChunk(chunk)) continue;
    // Out of memory: halve and put both halves back in front, in order.
    const size_t half = (chunk.size() + 1) / 2;
    decodeLimit_ = std::min(decodeLimit_, static_cast<int>(half));
    ++stats_.outOfMemorySplits;
    work.emplace_front(chunk.begin() + static_cast<std::ptrdiff_t>(half), chunk.end());
    work.emplace_front(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(half));
  }
}

// Returns false only for an out-of-memory failure of a chunk that can still be split.
bool GenerationScheduler::decodeChunk(const std::vector<Sequence*>& chunk) {
  if (chunk.empty()) return true;
  std::vector<int> slots;
  std::vector<int64_t> tokens;
  std::vector<TokenSampler*> samplers;
  for (auto* s : chunk) {
    slots.push_back(s->slot);
    tokens.push_back(s->lastToken);
    samplers.push_back(&s->sampler);
  }
  const auto start = Clock::now();
  std::vector<int64_t> next;
  try {
    if (options_.beforeModelCall) options_.beforeModelCall(ModelCall::Decode, static_cast<int>(chunk.size()));
    RECORD_FUNCTION("scheduler.decode", std::vector<c10::IValue>());
    const at::Tensor logits = model_.decode(slots, tokens);
    next = sampleRows(logits, samplers);
  } catch (const std::exception& e) {
    if (isOutOfMemoryError(e) && chunk.size() > 1) return false;
    const std::string why = isOutOfMemoryError(e)
                                ? std::string("out of memory decoding even a single sequence (") + e.what() + ")"
                                : std::string("decode failed: ") + e.what();
    for (auto* s : chunk) finish(*s, FinishReason::Error, why);
    return true;
  }
  ++stats_.decodeSteps;
  stats_.decodedTokens += static_cast<int64_t>(chunk.size());
  stats_.decodeMs += msBetween(start, Clock::now());
  for (size_t i = 0; i < chunk.size(); ++i) {
    chunk[i]->lastToken = next[i];
    acceptToken(*chunk[i], next[i]);
  }
  return true;
}

// alreadyFed: the token went to a step queued ahead, so the slot had room for it (the check below counts
// that step's position already).
void GenerationScheduler::acceptToken(Sequence& s, int64_t token, bool alreadyFed) {
  const auto& stops = s.request.stopTokenIds;
  if (std::find(stops.begin(), stops.end(), token) != stops.end()) {
    s.result.stopToken = token;
    finish(s, FinishReason::Stop);
    return;
  }
  s.tokens.push_back(token);
  if (s.request.onToken) {
    try {
      s.request.onToken(token);
    } catch (const std::exception& e) {
      finish(s, FinishReason::Error, std::string("the token callback failed: ") + e.what());
      return;
    }
  }
  if (static_cast<int>(s.tokens.size()) >= s.request.maxNewTokens) {
    finish(s, FinishReason::Length);
  } else if (s.guard.tripped(s.tokens)) {
    finish(s, FinishReason::Repetition);
  } else if (!alreadyFed && model_.cachedLength(s.slot) >= model_.maxSequenceLength()) {
    finish(s, FinishReason::Length);  // the slot cannot take the token that would be decoded next
  }
}

void GenerationScheduler::finish(Sequence& s, FinishReason reason, std::string error) {
  if (s.finished) return;
  s.finished = true;
  if (s.slot >= 0) {
    model_.releaseSlot(s.slot);
    s.slot = -1;
  }
  const auto now = Clock::now();
  auto& r = s.result;
  r.id = s.id;
  r.tokens = std::move(s.tokens);
  r.reason = reason;
  r.error = std::move(error);
  auto& t = r.timing;
  t.promptTokens = static_cast<int64_t>(s.request.promptIds.size());
  t.generatedTokens = static_cast<int64_t>(r.tokens.size());
  t.totalMs = msBetween(s.submitted, now);
  if (s.prefillStart != Clock::time_point{}) {
    t.queuedMs = msBetween(s.submitted, s.prefillStart);
    if (s.firstToken != Clock::time_point{}) {
      t.prefillMs = msBetween(s.prefillStart, s.firstToken);
      t.decodeMs = msBetween(s.firstToken, now);
    }
  } else {
    t.queuedMs = t.totalMs;
  }
  if (s.request.onFinish) {
    try {
      s.request.onFinish(r);
    } catch (...) {
      // Documented as must-not-throw; the request's own answer still goes out below.
    }
  }
  s.promise.set_value(r);
}

void GenerationScheduler::finishQueued(std::unique_ptr<Sequence> s, FinishReason reason, std::string error) {
  finish(*s, reason, std::move(error));
}

void GenerationScheduler::removeFinished() {
  running_.erase(std::remove_if(running_.begin(), running_.end(), [](const auto& s) { return s->finished; }),
                 running_.end());
}

}  // namespace ll::infer
