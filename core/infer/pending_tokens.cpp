#include "core/infer/pending_tokens.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "core/infer/stream_marker.h"

namespace ll::infer {
namespace {

class CopiedGreedyTokens : public PendingTokens {
 public:
  CopiedGreedyTokens(const at::Tensor& greedyBySlot, std::vector<int> slots)
      : slots_(std::move(slots)),
        // Page-locked, so the copy is asynchronous; the caching host allocator keeps the block until the
        // copy has run even if this object goes first.
        host_(at::empty(greedyBySlot.sizes(),
                        at::TensorOptions().dtype(at::kLong).pinned_memory(greedyBySlot.is_cuda()))) {
    host_.copy_(greedyBySlot, /*non_blocking=*/greedyBySlot.is_cuda());
    marker_ = std::make_unique<StreamMarker>(greedyBySlot.device());
  }

  std::vector<int64_t> wait() override {
    marker_->wait();
    const int64_t* g = host_.data_ptr<int64_t>();
    std::vector<int64_t> out;
    out.reserve(slots_.size());
    for (int s : slots_) out.push_back(g[s]);
    return out;
  }

 private:
  std::vector<int> slots_;
  at::Tensor host_;
  std::unique_ptr<StreamMarker> marker_;
};

class ReadyTokens : public PendingTokens {
 public:
  explicit ReadyTokens(std::vector<int64_t> tokens) : tokens_(std::move(tokens)) {}
  std::vector<int64_t> wait() override { return tokens_; }

 private:
  std::vector<int64_t> tokens_;
};

}  // namespace

std::unique_ptr<PendingTokens> readyTokens(std::vector<int64_t> tokens) {
  return std::make_unique<ReadyTokens>(std::move(tokens));
}

std::unique_ptr<PendingTokens> readGreedyLater(const at::Tensor& greedyBySlot, std::vector<int> slots) {
  if (greedyBySlot.dim() != 1 || greedyBySlot.scalar_type() != at::kLong)
    throw std::invalid_argument("readGreedyLater: the greedy tokens must be int64 [slots]");
  for (int s : slots)
    if (s < 0 || s >= greedyBySlot.size(0))
      throw std::out_of_range("readGreedyLater: slot " + std::to_string(s) + " is outside the pool of " +
                              std::to_string(greedyBySlot.size(0)));
  return std::make_unique<CopiedGreedyTokens>(greedyBySlot, std::move(slots));
}

}  // namespace ll::infer
