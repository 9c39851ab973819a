// Gemma 3n vision embedder; see multimodal_embedder.h.
#include "core/models/gemma3n/multimodal_embedder.h"

#include <cmath>
#include <stdexcept>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "core/infer/shape_text.h"

namespace ll::models::gemma3n {
namespace {

using infer::shapeText;

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument("Gemma 3n vision embedder (" + std::string(MultimodalEmbedder::kCheckpointPrefix) +
                              "*): " + what);
}

}  // namespace

at::Tensor gemmaRmsNormFloat(const at::Tensor& x, const at::Tensor& weight, double eps) {
  const at::Tensor xf = x.to(at::kFloat);
  at::Tensor y = xf * at::pow(xf.pow(2).mean({-1}, /*keepdim=*/true) + eps, -0.5);
  if (weight.defined()) y = y * weight.to(at::kFloat);
  return y.to(x.scalar_type());
}

std::unique_ptr<MultimodalEmbedder> MultimodalEmbedder::fromWeights(std::map<std::string, at::Tensor> weights,
                                                                    double eps, c10::Device device,
                                                                    c10::ScalarType dtype) {
  const std::string prefix = kCheckpointPrefix;
  auto take = [&](const std::string& name, int64_t dims) {
    auto it = weights.find(name);
    if (it == weights.end()) it = weights.find(prefix + name);
    if (it == weights.end()) fail("missing tensor '" + name + "'");
    if (it->second.dim() != dims)
      fail("tensor '" + name + "' has shape " + shapeText(it->second.sizes()) + ", expected " + std::to_string(dims) +
           " dimensions");
    return it->second.to(device, dtype).contiguous();
  };
  std::unique_ptr<MultimodalEmbedder> e(new MultimodalEmbedder());
  e->eps_ = eps;
  e->embedding_ = take("embedding.weight", 2);
  e->hardNorm_ = take("hard_embedding_norm.weight", 1);
  e->softNorm_ = take("soft_embedding_norm.weight", 1);
  e->projection_ = take("embedding_projection.weight", 2);
  const int64_t c = e->projection_.size(1);
  if (e->embedding_.size(1) != c || e->hardNorm_.size(0) != c || e->softNorm_.size(0) != c)
    fail("inconsistent vision hidden size: embedding " + shapeText(e->embedding_.sizes()) + ", hard norm " +
         shapeText(e->hardNorm_.sizes()) + ", soft norm " + shapeText(e->softNorm_.sizes()) + ", projection " +
         shapeText(e->projection_.sizes()) + " (all must share the input size " + std::to_string(c) + ")");
  return e;
}

at::Tensor MultimodalEmbedder::project(const at::Tensor& normed) const {
  return gemmaRmsNormFloat(at::linear(normed, projection_), at::Tensor(), eps_);
}

at::Tensor MultimodalEmbedder::softTokens(const at::Tensor& features) const {
  const int64_t c = visionHiddenSize();
  if (!features.defined() || features.dim() != 4 || features.size(1) != c)
    fail("image features must be [B, " + std::to_string(c) + ", h, w], got " +
         (features.defined() ? shapeText(features.sizes()) : std::string("an undefined tensor")));
  c10::NoGradGuard noGrad;  // plain tensors (not inference tensors): callers may update them in place
  const int64_t b = features.size(0);
  const at::Tensor tokens = features.to(device(), dtype()).reshape({b, c, -1}).transpose(1, 2);
  // transformers multiplies by hidden_size**0.5 as a Python float: the scalar is not rounded to bf16.
  const at::Tensor scaled = tokens * std::sqrt(static_cast<double>(c));
  return project(gemmaRmsNormFloat(scaled, softNorm_, eps_));
}

at::Tensor MultimodalEmbedder::hardTokens(const at::Tensor& visionIds) const {
  if (!visionIds.defined() || at::isFloatingType(visionIds.scalar_type()))
    fail("hard token ids must be an integer tensor");
  c10::NoGradGuard noGrad;  // plain tensors (not inference tensors): callers may update them in place
  const at::Tensor ids = visionIds.to(device(), at::kLong);
  if (ids.numel() > 0) {
    const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
    if (lo < 0 || hi >= vocabSize())
      fail("vision token id " + std::to_string(lo < 0 ? lo : hi) + " (after subtracting the vision vocab offset) is " +
           "outside [0, " + std::to_string(vocabSize()) + ")");
  }
  return project(gemmaRmsNormFloat(at::embedding(embedding_, ids), hardNorm_, eps_));
}

}  // namespace ll::models::gemma3n
