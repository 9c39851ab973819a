// Sampling follows transformers' warper order (temperature, then top-k, then top-p keeping the
// smallest prefix of the sorted distribution whose mass reaches top_p), then an inverse-CDF draw.
#include "core/infer/sampler.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

namespace ll::infer {

void validate(const SamplingParams& p) {
  if (p.greedy) return;
  if (!(p.topP > 0.0 && p.topP <= 1.0))
    throw std::invalid_argument("sampling: top_p " + std::to_string(p.topP) + " must be in (0, 1]");
  if (p.topK < 0) throw std::invalid_argument("sampling: top_k must be >= 0 (0 disables it)");
}

TokenSampler::TokenSampler(const SamplingParams& params)
    : params_(params), greedy_(params.greedy || params.temperature <= 0.0), rng_(params.seed) {
  validate(params);
}

int64_t TokenSampler::sample(const at::Tensor& logitsIn) {
  const at::Tensor logits = logitsIn.reshape({-1}).to(at::kFloat);
  if (greedy_) return logits.argmax().item<int64_t>();

  const at::Tensor scaled = logits / params_.temperature;
  const int64_t vocab = scaled.size(0);
  at::Tensor values, indices;
  if (params_.topK > 0 && params_.topK < vocab) {
    std::tie(values, indices) = at::topk(scaled, params_.topK, 0, true, true);
  } else {
    std::tie(values, indices) = at::sort(scaled, 0, true);
  }
  at::Tensor probs = at::softmax(values, 0);
  if (params_.topP < 1.0) {
    // Keep token i while the mass before it is below top_p (the first token always stays).
    const at::Tensor before = at::cumsum(probs, 0) - probs;
    const int64_t keep = std::max<int64_t>(1, (before < params_.topP).sum().item<int64_t>());
    probs = probs.narrow(0, 0, keep);
    indices = indices.narrow(0, 0, keep);
  }
  const at::Tensor p = probs.to(at::kCPU).to(at::kDouble).contiguous();
  const at::Tensor ids = indices.to(at::kCPU).contiguous();
  const double* pp = p.data_ptr<double>();
  const int64_t* ip = ids.data_ptr<int64_t>();
  const int64_t n = p.size(0);
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) total += pp[i];
  const double u = std::uniform_real_distribution<double>(0.0, total)(rng_);
  double acc = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    acc += pp[i];
    if (u < acc) return ip[i];
  }
  return ip[n - 1];
}

std::vector<int64_t> sampleRows(const at::Tensor& logits, const std::vector<TokenSampler*>& samplers) {
  if (logits.dim() != 2 || logits.size(0) != static_cast<int64_t>(samplers.size()))
    throw std::invalid_argument("sampleRows: logits must be [batch, vocab] with one sampler per row");
  std::vector<int64_t> out(samplers.size(), -1);
  const at::Tensor greedy = logits.argmax(1).to(at::kCPU).contiguous();
  const int64_t* g = greedy.data_ptr<int64_t>();
  for (size_t i = 0; i < samplers.size(); ++i) {
    out[i] = samplers[i]->isGreedy() ? g[i] : samplers[i]->sample(logits[static_cast<int64_t>(i)]);
  }
  return out;
}

}  // namespace ll::infer
