#include "core/models/gemma3n/gemma3n_generator.h"

#include <ATen/ATen.h>
#include <ATen/record_function.h>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "core/infer/generation/generation_scheduler.h"
#include "core/infer/host_parallel.h"
#include "core/infer/runtime_options.h"
#include "core/infer/tokenizer/tokenizer.h"
#include "core/models/gemma3n/chat_format.h"
#include "core/models/gemma3n/gemma3n_model.h"
#include "core/models/gemma3n/image_processor.h"

namespace ll::models::gemma3n {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Random-weight and tiny test models can emit ids the tokenizer has no entry for (vision/audio ids, or a
// vocabulary larger than the tokenizer's); they carry no text, so decoding leaves them out.
std::vector<int32_t> decodableIds(const std::vector<int64_t>& tokens, const infer::Tokenizer& tokenizer) {
  std::vector<int32_t> out;
  out.reserve(tokens.size());
  for (int64_t t : tokens)
    if (t >= 0 && t <= INT32_MAX && !tokenizer.idToToken(static_cast<int32_t>(t)).empty())
      out.push_back(static_cast<int32_t>(t));
  return out;
}

}  // namespace

Gemma3nGenerator::~Gemma3nGenerator() = default;

std::unique_ptr<Gemma3nGenerator> Gemma3nGenerator::load(const std::string& modelDirOrRepoId,
                                                         const Gemma3nOptions& options, int maxBatch) {
  std::unique_ptr<Gemma3nGenerator> g(new Gemma3nGenerator());
  g->resolved_ = infer::resolveModel(modelDirOrRepoId);
  const fs::path dir(g->resolved_.directory);
  g->tokenizer_ = std::make_unique<infer::Tokenizer>(infer::Tokenizer::fromModelDirectory(
      g->resolved_.directory, "Gemma 3n", "config.json, tokenizer.json and the .safetensors files"));
  g->model_ = Gemma3nModel::load(dir.string(), options);
  g->stopIds_ = stopTokenIds(*g->tokenizer_, g->model_->config().text.eosTokenIds);
  g->maxBatch_ = std::max(1, maxBatch);
  return g;
}

// The KV pool for a call: kept when it fits and is not more than twice the size needed (a graphed decode
// step computes every slot of the pool, so a pool sized for a batch of crops slows the page summaries
// that follow), else reserved anew. A pool that does not fit the GPU is halved until it does; the
// scheduler then runs the requests in waves.
void Gemma3nGenerator::reservePool(int slots, int64_t maxLength) {
  auto& decoder = model_->decoder();
  const int have = decoder.slotCount();
  if (have >= slots && have <= 2 * slots && decoder.maxSequenceLength() >= maxLength) return;
  for (;;) {
    try {
      decoder.reserveSlots(slots, maxLength);
      return;
    } catch (const std::exception& e) {
      if (!infer::isOutOfMemoryError(e) || slots == 1) throw;
      slots = (slots + 1) / 2;
    }
  }
}

std::string Gemma3nGenerator::describe() const {
  const std::string name = resolved_.repoId.empty() ? fs::path(resolved_.directory).filename().string() : resolved_.repoId;
  const auto& d = model_->decoder();
  return name + " (" + std::to_string(model_->config().text.numLayers) + " layers) on " + d.device().str() + ", " +
         infer::dtypeName(d.dtype());
}

Gemma3nGenerator::Prepared Gemma3nGenerator::prepare(const std::vector<VisionGenerationRequest>& requests,
                                                     const std::shared_ptr<infer::CancellationToken>& cancel) {
  Prepared p;
  p.answers.resize(requests.size());
  p.visionSeconds.assign(requests.size(), 0.0);
  auto& out = p.answers;
  auto& visionSeconds = p.visionSeconds;
  const ChatTokenIds chatIds = model_->chatTokenIds();
  // 1. Pixels for every request with an image (CPU, the images side by side on the host's cores: a resize
  //    takes ~5-50 ms on one core, and a chunk has dozens of crops; on an H100 host, 24 crops one after
  //    another took 382 ms of idle GPU), then the vision tower in batches (GPU). Each image writes only its
  //    own slots.
  std::vector<at::Tensor> pixels(requests.size());
  {
    RECORD_FUNCTION("gemma3n.preprocess_images", std::vector<c10::IValue>());  // named in profiler traces
    infer::parallelForEach(static_cast<int64_t>(requests.size()), [&](int64_t k) {
      const auto i = static_cast<size_t>(k);
      const auto& img = requests[i].image;
      if (!img.rgb) return;
      const auto start = Clock::now();
      try {
        pixels[i] = preprocessImage(img.rgb, img.width, img.height, img.stride, model_->imageSize());
      } catch (const std::exception& e) {
        out[i].error = std::string("the image cannot be used: ") + e.what();
        out[i].finishReason = "error";
      }
      visionSeconds[i] += secondsSince(start);
    });
  }
  std::vector<size_t> withImage;
  for (size_t i = 0; i < requests.size(); ++i)
    if (pixels[i].defined()) withImage.push_back(i);
  std::vector<at::Tensor> soft(requests.size());
  for (size_t b = 0; b < withImage.size(); b += kVisionBatch) {
    const size_t e = std::min(withImage.size(), b + kVisionBatch);
    if (cancel && cancel->isCancelled()) break;
    const auto start = Clock::now();
    std::vector<at::Tensor> batch;
    for (size_t k = b; k < e; ++k) batch.push_back(pixels[withImage[k]]);
    try {
      RECORD_FUNCTION("gemma3n.vision_tower", std::vector<c10::IValue>());
      const at::Tensor tokens = model_->imageSoftTokens(at::stack(batch));
      for (size_t k = b; k < e; ++k) soft[withImage[k]] = tokens[static_cast<int64_t>(k - b)].unsqueeze(0);
    } catch (const std::exception& ex) {
      for (size_t k = b; k < e; ++k) {
        out[withImage[k]].error = std::string("the vision tower failed: ") + ex.what();
        out[withImage[k]].finishReason = "error";
      }
    }
    const double share = secondsSince(start) / static_cast<double>(e - b);
    for (size_t k = b; k < e; ++k) visionSeconds[withImage[k]] += share;
  }

  // 2. Prompts into scheduler requests.
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (!out[i].error.empty()) continue;
    if (cancel && cancel->isCancelled()) {
      out[i].finishReason = "cancelled";
      continue;
    }
    try {
      const bool image = soft[i].defined();
      if (r.image.rgb && !image) throw std::runtime_error("the image was not processed (cancelled)");
      RECORD_FUNCTION("gemma3n.prompt", std::vector<c10::IValue>());
      const GemmaPrompt prompt = buildUserPrompt(*tokenizer_, chatIds, r.prompt, image ? 1 : 0);
      infer::GenerationRequest g;
      g.promptIds = prompt.ids;
      g.embeddings = model_->prefillInput(prompt.ids, image ? soft[i] : at::Tensor()).embeddings;
      if (r.forcedNewTokens > 0) {
        g.maxNewTokens = r.forcedNewTokens;  // no stop tokens, no repetition guard: exactly this many
      } else {
        g.maxNewTokens = r.maxNewTokens;
        g.stopTokenIds = stopIds_;
        // A greedy decoder that starts looping never leaves the loop; 12 repeats of a unit of up to 24 tokens
        // is far beyond what a drawing's text repeats (rows of a parts list differ in their numbers).
        g.repetition.maxNgram = 24;
        g.repetition.minRepeats = 12;
      }
      g.sampling.greedy = r.greedy;
      if (!r.greedy) {
        const auto& d = samplingDefaults();
        g.sampling.topK = d.topK;
        g.sampling.topP = d.topP;
        g.sampling.temperature = d.temperature;
        g.sampling.seed = r.seed;
      }
      g.cancellation = cancel;
      out[i].promptTokens = static_cast<int64_t>(prompt.ids.size());
      p.longestPrompt = std::max<int64_t>(p.longestPrompt, out[i].promptTokens);
      p.mostNewTokens = std::max<int64_t>(p.mostNewTokens, g.maxNewTokens);
      p.requests.push_back(std::move(g));
      p.index.push_back(i);
    } catch (const std::exception& e) {
      out[i].error = e.what();
      out[i].finishReason = "error";
    }
  }
  return p;
}

void Gemma3nGenerator::fillAnswer(VisionGeneration& answer, const infer::GenerationResult& result,
                                  double visionSeconds) const {
  answer.finishReason = infer::toString(result.reason);
  answer.error = result.error;
  answer.generatedTokens = static_cast<int64_t>(result.tokens.size());
  answer.tokens = result.tokens;
  try {
    answer.text = tokenizer_->decode(decodableIds(result.tokens, *tokenizer_), true);
  } catch (const std::exception& e) {
    answer.error = std::string("the generated tokens cannot be decoded: ") + e.what();
  }
  answer.seconds = visionSeconds + result.timing.totalMs / 1000.0;
}

std::vector<VisionGeneration> Gemma3nGenerator::generate(const std::vector<VisionGenerationRequest>& requests,
                                                         const std::shared_ptr<infer::CancellationToken>& cancel) {
  Prepared p = prepare(requests, cancel);
  if (p.requests.empty()) return std::move(p.answers);
  {
    RECORD_FUNCTION("gemma3n.reserve_pool", std::vector<c10::IValue>());
    reservePool(std::min<int>(maxBatch_, static_cast<int>(p.requests.size())), p.longestPrompt + p.mostNewTokens);
  }
  infer::GenerationScheduler scheduler(model_->decoder());
  const auto results = scheduler.generate(std::move(p.requests));
  for (size_t k = 0; k < results.size(); ++k)
    fillAnswer(p.answers[p.index[k]], results[k], p.visionSeconds[p.index[k]]);
  return std::move(p.answers);
}

}  // namespace ll::models::gemma3n
