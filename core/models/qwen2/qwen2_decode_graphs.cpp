// Static decode step bookkeeping: the host-side plan, the static input buffer, graphs per bucket.
#include "core/models/qwen2/qwen2_decode_graphs.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "core/infer/fused_elementwise.h"

namespace ll::models::qwen2 {

int64_t keyLengthBucket(int64_t maxKeyLength, int64_t minBucket, int64_t maxLength) {
  int64_t b = std::max<int64_t>(1, minBucket);
  while (b < maxKeyLength) b *= 2;
  return std::min(b, maxLength);
}

StaticStepPlan planStaticStep(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                              const std::vector<int64_t>& lengths, int64_t maxLength, int64_t vocabSize,
                              int64_t minBucket, const std::vector<bool>& fedBack) {
  if (slots.empty() || slots.size() != tokens.size())
    throw std::invalid_argument("Qwen2: decode needs one token per slot");
  if (!fedBack.empty() && fedBack.size() != slots.size())
    throw std::invalid_argument("Qwen2: decode needs one fed-back flag per slot");
  const auto S = static_cast<int64_t>(lengths.size());
  const int64_t stride = maxLength + 1;
  StaticStepPlan p;
  p.tokens.assign(S, 0);
  p.positions.assign(S, 0);
  p.keyLengths.assign(S, 1);
  p.rows.resize(S);
  for (int64_t s = 0; s < S; ++s) p.rows[s] = s * stride + maxLength;  // the scratch row
  std::vector<bool> seen(S, false);
  int64_t longest = 1;
  for (size_t i = 0; i < slots.size(); ++i) {
    const int s = slots[i];
    if (s < 0 || s >= S)
      throw std::out_of_range("KV cache: slot " + std::to_string(s) + " does not exist (pool of " + std::to_string(S) + ")");
    if (seen[s]) throw std::invalid_argument("Qwen2: slot " + std::to_string(s) + " appears twice in one decode step");
    seen[s] = true;
    const int64_t len = lengths[s];
    if (len >= maxLength)
      throw std::out_of_range("KV cache: slot " + std::to_string(s) + " is full (" + std::to_string(maxLength) + " tokens)");
    const bool fed = !fedBack.empty() && fedBack[i];
    if (!fed && (tokens[i] < 0 || tokens[i] >= vocabSize))
      throw std::invalid_argument("Qwen2: token id " + std::to_string(tokens[i]) + " is outside the vocabulary");
    p.tokens[s] = fed ? kFedBackToken : tokens[i];
    p.positions[s] = len;
    p.rows[s] = s * stride + len;
    p.keyLengths[s] = len + 1;
    longest = std::max(longest, len + 1);
  }
  p.bucket = keyLengthBucket(longest, minBucket, maxLength);
  return p;
}

StaticDecodeStep::StaticDecodeStep(const c10::Device& device, int64_t slots)
    : device_(device),
      slots_(slots),
      inputs_(at::zeros({5, slots}, at::TensorOptions().dtype(at::kLong).device(device))),
      greedy_(at::zeros({slots}, inputs_.options())) {}

StaticDecodeStep::~StaticDecodeStep() = default;

void StaticDecodeStep::keepGreedy(const at::Tensor& logits) { at::argmax_out(greedy_, logits, 1); }

at::Tensor StaticDecodeStep::load(const StaticStepPlan& plan, const std::vector<int>& slots) {
  auto hostOptions = at::TensorOptions().dtype(at::kLong);
  // A fresh pinned tensor each step: the caching host allocator does not hand its block out again
  // before the asynchronous copy from it has finished (it records an event on the copy's stream).
  if (device_.is_cuda()) hostOptions = hostOptions.pinned_memory(true);
  at::Tensor host = at::zeros({5, slots_}, hostOptions);
  int64_t* p = host.data_ptr<int64_t>();
  std::copy(plan.tokens.begin(), plan.tokens.end(), p);
  std::copy(plan.positions.begin(), plan.positions.end(), p + slots_);
  std::copy(plan.rows.begin(), plan.rows.end(), p + 2 * slots_);
  std::copy(plan.keyLengths.begin(), plan.keyLengths.end(), p + 3 * slots_);
  std::copy(slots.begin(), slots.end(), p + 4 * slots_);
  inputs_.copy_(host, /*non_blocking=*/true);
  if (std::find(plan.tokens.begin(), plan.tokens.end(), kFedBackToken) != plan.tokens.end())
    infer::feedBackGreedyTokens(tokens(), greedy_);
  return inputs_[4].narrow(0, 0, static_cast<int64_t>(slots.size()));
}

at::Tensor StaticDecodeStep::run(int64_t bucket, bool useGraphs, const std::function<at::Tensor()>& body) {
  if (!useGraphs || graphsFailed_) return body();
  auto it = graphs_.find(bucket);
  if (it == graphs_.end()) {
    Graph g;
    try {
      if (!pool_) pool_ = std::make_unique<infer::CudaGraphPool>();
      // The last run of body() is the captured one; its output is what every replay writes.
      g.graph = infer::CapturedGraph::capture(device_, *pool_, [&] { g.output = body(); });
    } catch (const std::exception& e) {
      graphsFailed_ = true;
      failure_ = e.what();
      graphs_.clear();
      std::fprintf(stderr, "LayoutLens: capturing the Qwen2 decode step as a CUDA graph failed; decoding without graphs: %s\n",
                   e.what());
      return body();
    }
    it = graphs_.emplace(bucket, std::move(g)).first;
  }
  it->second.graph->replay();
  return it->second.output;
}

}  // namespace ll::models::qwen2
