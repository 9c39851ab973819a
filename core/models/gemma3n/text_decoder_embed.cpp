// The parts of the Gemma 3n decoder around the layer stack (spec §2.1-2.3, §2.7): merged input
// embeddings (text, vision hard tokens, override rows), per-layer inputs from the PLE table, AltUp
// stream initialisation, and the unembedding of the streams into soft-capped logits.
#include "core/models/gemma3n/text_decoder.h"

#include <ATen/ATen.h>

#include <stdexcept>

namespace ll::models::gemma3n {
namespace {

at::Tensor idTensor(const std::vector<int64_t>& ids, const c10::Device& device) {
  at::Tensor t = at::tensor(ids, at::TensorOptions().dtype(at::kLong));
  return device.is_cpu() ? t : t.to(device, /*non_blocking=*/true);
}

// Rescales y so its RMS equals `targetRms` ([n, 1]); the clamp is on the mean square (spec §2.3).
at::Tensor matchMagnitude(const at::Tensor& y, const at::Tensor& targetRms) {
  const at::Tensor ms = y.pow(2).mean({-1}, true);
  return y * targetRms / at::sqrt(at::clamp_min(ms, 1e-5));
}

}  // namespace

void Gemma3nTextDecoder::checkIds(const std::vector<int64_t>& ids) const {
  for (auto t : ids)
    if (t < 0 || t >= config_.text.vocabSize)
      throw std::invalid_argument("Gemma 3n: token id " + std::to_string(t) + " is outside the vocabulary (size " +
                                  std::to_string(config_.text.vocabSize) + ")");
}

at::Tensor Gemma3nTextDecoder::embedIds(const std::vector<int64_t>& ids) const {
  // Audio ids (>= the audio vocab offset) keep their text embedding. transformers would use the audio
  // embedder there, which is not loaded (audio input is out of scope); image+text prompts hold none.
  const at::Tensor idx = idTensor(ids, options_.device);
  at::Tensor e = at::embedding(embed_, idx) * embedScale_;
  std::vector<int64_t> rows, visionIds;
  for (size_t i = 0; i < ids.size(); ++i)
    if (config_.isVisionToken(ids[i])) {
      rows.push_back(static_cast<int64_t>(i));
      visionIds.push_back(ids[i] - config_.vision.vocabOffset);
    }
  if (!rows.empty()) {
    // RMS0(Wproj · RMS(embedding[id - offset]; hard_embedding_norm)), no sqrt(D) factor.
    const double eps = config_.vision.rmsNormEps;
    const at::Tensor v = at::embedding(visionEmbedding_, idTensor(visionIds, options_.device));
    const at::Tensor proj = at::linear(rmsNorm(v, visionHardNorm_, eps), visionProjection_);
    e.index_copy_(0, idTensor(rows, options_.device), rmsNorm(proj, at::Tensor(), eps));
  }
  return e;
}

at::Tensor Gemma3nTextDecoder::visionHardRows() const {
  const auto& v = config_.vision;
  if (!visionEmbedding_.defined() || v.vocabSize <= 0 || v.vocabOffset + v.vocabSize > config_.text.vocabSize) return {};
  std::vector<int64_t> ids(static_cast<size_t>(v.vocabSize));
  for (int64_t i = 0; i < v.vocabSize; ++i) ids[static_cast<size_t>(i)] = v.vocabOffset + i;
  return embedIds(ids);
}

at::Tensor Gemma3nTextDecoder::embed(const infer::PrefillInput& input) const {
  const auto T = static_cast<int64_t>(input.tokenIds.size());
  if (T == 0) throw std::invalid_argument("Gemma 3n: the prompt is empty");
  checkIds(input.tokenIds);
  at::Tensor e = embedIds(input.tokenIds);
  const auto& ov = input.embeddings;
  if (!ov.empty()) {
    if (!ov.rows.defined() || ov.rows.dim() != 2 || ov.rows.size(0) != static_cast<int64_t>(ov.positions.size()) ||
        ov.rows.size(1) != config_.text.hiddenSize)
      throw std::invalid_argument("Gemma 3n: embedding override needs rows [" + std::to_string(ov.positions.size()) + ", " +
                                  std::to_string(config_.text.hiddenSize) + "], one per position");
    for (size_t i = 0; i < ov.positions.size(); ++i)
      if (ov.positions[i] < 0 || ov.positions[i] >= T || (i > 0 && ov.positions[i] <= ov.positions[i - 1]))
        throw std::invalid_argument("Gemma 3n: embedding override positions must be increasing and inside the prompt");
    e.index_copy_(0, idTensor(ov.positions, options_.device), ov.rows.to(options_.device, options_.dtype));
  }
  return e;
}

at::Tensor Gemma3nTextDecoder::perLayerInputs(const std::vector<int64_t>& ids, const at::Tensor& embeds) const {
  const Gemma3nTextConfig& c = config_.text;
  std::vector<int64_t> rows(ids);
  for (auto& t : rows)
    if (t < 0 || t >= c.vocabSizePerLayerInput) t = 0;  // image/audio positions use the pad row
  at::Tensor tok;
  if (pleOnHost_) {
    // Gather the few rows on the host, then one (pinned, asynchronous) copy to the device.
    at::Tensor gathered = at::index_select(pleTable_, 0, at::tensor(rows, at::TensorOptions().dtype(at::kLong)));
    if (pleTable_.is_pinned()) gathered = gathered.pin_memory();
    tok = gathered.to(options_.device, /*non_blocking=*/true);
  } else {
    tok = at::embedding(pleTable_, idTensor(rows, options_.device));
  }
  return combinePerLayerInputs(tok, embeds);
}

at::Tensor Gemma3nTextDecoder::combinePerLayerInputs(const at::Tensor& tok, const at::Tensor& embeds) const {
  const Gemma3nTextConfig& c = config_.text;
  const int64_t n = embeds.size(0), L = c.numLayers, P = c.hiddenSizePerLayerInput;
  const at::Tensor rows = (tok * pleTableScale_).view({n, L, P});
  at::Tensor proj = (at::linear(embeds, pleProjection_) * pleProjectionScale_).view({n, L, P});
  proj = rmsNorm(proj, pleProjectionNorm_);
  return (proj + rows) * pleInputScale_;
}

at::Tensor Gemma3nTextDecoder::altupInit(const at::Tensor& embeds) const {
  const at::Tensor target = embeds.pow(2).mean({-1}, true).pow(0.5);
  std::vector<at::Tensor> streams{embeds};
  for (const auto& w : altupProjections_) streams.push_back(matchMagnitude(at::linear(embeds, w), target));
  return at::stack(streams, 0);
}

at::Tensor Gemma3nTextDecoder::finalHidden(const at::Tensor& streams) const {
  const at::Tensor x0 = streams[0];
  const at::Tensor target = x0.pow(2).mean({-1}, true).pow(0.5);
  std::vector<at::Tensor> parts{x0};
  for (size_t i = 0; i < altupUnembedProjections_.size(); ++i)
    parts.push_back(matchMagnitude(at::linear(streams[static_cast<int64_t>(i) + 1], altupUnembedProjections_[i]), target));
  return rmsNorm(at::stack(parts, 0).mean(0), finalNorm_);
}

at::Tensor Gemma3nTextDecoder::logits(const at::Tensor& hidden) const {
  at::Tensor out = at::linear(hidden, embed_);  // tied head, no sqrt(D)
  const double cap = config_.text.finalLogitSoftcap;
  if (cap > 0) out = at::tanh(out / cap) * cap;
  return out.to(at::kFloat);
}

}  // namespace ll::models::gemma3n
