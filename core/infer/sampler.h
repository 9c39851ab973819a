#pragma once
// Next-token choice per request: greedy, or temperature + top-k + top-p sampling with a per-request
// seed. The random draw is made on the CPU with the request's own std::mt19937_64, so a seed gives
// the same tokens whatever else is in the batch and on whichever device the logits live.
#include <cstdint>
#include <random>
#include <vector>

#include <ATen/core/Tensor.h>

namespace ll::infer {

struct SamplingParams {
  bool greedy = true;
  double temperature = 1.0;  // <= 0 means greedy
  double topP = 1.0;         // (0, 1]
  int64_t topK = 0;          // 0 = no top-k limit
  uint64_t seed = 0;
};

// Throws std::invalid_argument naming the bad value and the accepted range.
void validate(const SamplingParams& params);

class TokenSampler {
 public:
  explicit TokenSampler(const SamplingParams& params);
  bool isGreedy() const { return greedy_; }
  // logits [vocab] (any float dtype, any device).
  int64_t sample(const at::Tensor& logits);

 private:
  SamplingParams params_;
  bool greedy_;
  std::mt19937_64 rng_;
};

// logits [B, vocab]; samplers[i] chooses row i. Greedy rows are resolved with one argmax on the
// device and a single small copy to the host.
std::vector<int64_t> sampleRows(const at::Tensor& logits, const std::vector<TokenSampler*>& samplers);

}  // namespace ll::infer
