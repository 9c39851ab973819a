#pragma once
// How a model's decodeAhead() hands back the greedy tokens of a step it has queued (causal_lm.h): the
// step's greedy token per pool slot, on the device, is copied into page-locked host memory behind the step,
// and wait() blocks until that copy has run, not until the steps queued after it have.
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/infer/causal_lm.h"

namespace ll::infer {

// greedyBySlot: int64 [S], the queued step's greedy token of every slot (it may be overwritten by later
// steps: the copy is queued now). slots: the step's rows; wait() returns their tokens in this order.
std::unique_ptr<PendingTokens> readGreedyLater(const at::Tensor& greedyBySlot, std::vector<int> slots);

// Tokens known already (a step that had to run synchronously): wait() returns them.
std::unique_ptr<PendingTokens> readyTokens(std::vector<int64_t> tokens);

}  // namespace ll::infer
