#include "core/models/gemma3n/gemma3n_model.h"

#include <ATen/ATen.h>
#include <filesystem>
#include <stdexcept>

#include "core/infer/checkpoint.h"
#include "core/infer/environment_switch.h"
#include "core/models/gemma3n/multimodal_embedder.h"
#include "core/models/gemma3n/vision_mobilenet.h"

namespace ll::models::gemma3n {
namespace fs = std::filesystem;

namespace {

const std::string kVisionPrefix = "model.vision_tower.timm_model.";
const std::string kEmbedVisionPrefix = "model.embed_vision.";

std::map<std::string, at::Tensor> loadWithPrefix(const infer::Checkpoint& checkpoint, const std::string& prefix,
                                                 const Gemma3nOptions& options) {
  std::map<std::string, at::Tensor> out;
  for (const auto& name : checkpoint.names())
    if (name.rfind(prefix, 0) == 0)
      out.emplace(name.substr(prefix.size()), checkpoint.load(name, options.device, options.dtype));
  if (out.empty())
    throw std::runtime_error("the checkpoint in " + checkpoint.directory() + " has no tensors named " + prefix +
                             "*: it is not a Gemma 3n image-text model (or a text-only export)");
  return out;
}

}  // namespace

Gemma3nModel::~Gemma3nModel() = default;

std::unique_ptr<Gemma3nModel> Gemma3nModel::load(const std::string& modelDir, const Gemma3nOptions& options) {
  std::unique_ptr<Gemma3nModel> m(new Gemma3nModel());
  const fs::path dir(modelDir);
  m->config_ = Gemma3nConfig::fromFile((dir / "config.json").string());
  m->decoder_ = Gemma3nTextDecoder::load(modelDir, options);
  const auto checkpoint = infer::Checkpoint::open(modelDir);
  // NCHW unless LAYOUTLENS_VISION_CHANNELS_LAST=1. Channels-last runs faster once warm (H100, 768 x 768, with
  // the fused norm kernel: 58 against 78 ms for a batch of 8) but cuDNN sets up each new batch size's
  // channels-last convolutions for 1.3-4.4 s on its first forward (NCHW: 0.1-0.2 s), and a chunk's last crop
  // batch can have any size: seconds of first-use delay in an interactive session for ~20 ms per batch.
  static const bool channelsLastWanted = infer::switchedOnByEnvironment("LAYOUTLENS_VISION_CHANNELS_LAST");
  m->vision_ = MobileNetV5Encoder::fromWeights(loadWithPrefix(checkpoint, kVisionPrefix, options), options.device,
                                               options.dtype, 1e-6, channelsLastWanted && options.device.is_cuda());
  m->embedder_ = MultimodalEmbedder::fromWeights(loadWithPrefix(checkpoint, kEmbedVisionPrefix, options),
                                                 m->config_.vision.rmsNormEps, options.device, options.dtype);
  return m;
}

ChatTokenIds Gemma3nModel::chatTokenIds() const {
  ChatTokenIds ids;
  ids.bos = config_.text.bosTokenId;
  ids.startOfImage = config_.boiTokenId;
  ids.endOfImage = config_.eoiTokenId;
  ids.imageSoft = config_.imageTokenId;
  ids.softTokensPerImage = config_.visionSoftTokensPerImage;
  return ids;
}

at::Tensor Gemma3nModel::imageSoftTokens(const at::Tensor& pixels) const {
  if (pixels.dim() != 4 || pixels.size(1) != 3)
    throw std::invalid_argument("Gemma 3n images must be [batch, 3, height, width], got " +
                                std::to_string(pixels.dim()) + " dimensions");
  const auto features = vision_->forward(pixels.to(decoder_->device(), decoder_->dtype()));
  return embedder_->softTokens(features);
}

infer::PrefillInput Gemma3nModel::prefillInput(const std::vector<int64_t>& ids, const at::Tensor& softTokens) const {
  infer::PrefillInput input;
  input.tokenIds = ids;
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] == config_.imageTokenId) input.embeddings.positions.push_back(static_cast<int64_t>(i));
  const int64_t rows = softTokens.defined() ? softTokens.numel() / std::max<int64_t>(1, softTokens.size(-1)) : 0;
  if (rows != static_cast<int64_t>(input.embeddings.positions.size()))
    throw std::invalid_argument("the prompt has " + std::to_string(input.embeddings.positions.size()) +
                                " image tokens but " + std::to_string(rows) +
                                " image rows were given (256 per image): the prompt and the images do not match");
  if (rows > 0) input.embeddings.rows = softTokens.reshape({rows, softTokens.size(-1)});
  return input;
}

at::Tensor Gemma3nModel::promptLogits(const std::vector<int64_t>& ids, const at::Tensor& pixels) const {
  const at::Tensor soft = pixels.defined() && pixels.numel() > 0 ? imageSoftTokens(pixels) : at::Tensor();
  return decoder_->forwardAll(prefillInput(ids, soft));
}

}  // namespace ll::models::gemma3n
