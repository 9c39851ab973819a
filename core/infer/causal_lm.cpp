// CausalLM's default batched prefill and decodeAhead, and the classification of failures the scheduler recovers from.
#include "core/infer/causal_lm.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cstring>
#include <stdexcept>

namespace ll::infer {

at::Tensor CausalLM::prefillMany(const std::vector<int>& slots, const std::vector<PrefillInput>& inputs) {
  if (slots.empty() || slots.size() != inputs.size())
    throw std::invalid_argument("prefillMany: one slot per prompt, at least one prompt");
  std::vector<at::Tensor> rows;
  rows.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) rows.push_back(prefill(slots[i], inputs[i]));
  return at::stack(rows, 0);
}

std::unique_ptr<PendingTokens> CausalLM::decodeAhead(const std::vector<int>&, const std::vector<int64_t>&,
                                                    const std::vector<bool>&) {
  throw std::logic_error(name() + ": this model does not decode ahead; check decodesAhead() first");
}

bool isOutOfMemoryError(const std::exception& e) {
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e) != nullptr) return true;
  const char* what = e.what();
  return what != nullptr && (std::strstr(what, "out of memory") != nullptr || std::strstr(what, "Out of memory") != nullptr);
}

}  // namespace ll::infer
