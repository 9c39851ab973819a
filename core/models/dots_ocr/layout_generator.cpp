#include "core/models/dots_ocr/layout_generator.h"

#include <ATen/ATen.h>
#include <ATen/record_function.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/infer/environment_switch.h"
#include "core/infer/generation/generation_scheduler.h"
#include "core/infer/tokenizer/tokenizer.h"
#include "core/models/dots_ocr/chat_format.h"
#include "core/models/dots_ocr/dots_ocr_model.h"
#include "core/models/dots_ocr/image_processor.h"

namespace ll::models::dots_ocr {
namespace fs = std::filesystem;

struct DotsLayoutGenerator::ProcessorState {
  ImageProcessorConfig config;
};

namespace {

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// dots.ocr's tokens on top of Qwen2's (specs/dots-ocr.md §5.1). The released tokenizer.json has them;
// a Qwen2 tokenizer.json used for tests or a trimmed export may not.
void ensureDotsTokens(infer::Tokenizer& t) {
  const std::vector<std::pair<std::string, int32_t>> wanted{
      {tokens::kImagePad, tokens::kImagePadId}, {tokens::kImageStart, tokens::kImageStartId},
      {tokens::kImageEnd, tokens::kImageEndId}, {tokens::kUser, tokens::kUserId},
      {tokens::kUserEnd, tokens::kUserEndId},   {tokens::kAssistant, tokens::kAssistantId},
      {tokens::kAssistantEnd, tokens::kAssistantEndId}};
  std::vector<std::pair<std::string, int32_t>> missing;
  for (const auto& [text, id] : wanted)
    if (!t.tokenToId(text)) missing.emplace_back(text, id);
  if (!missing.empty()) t.addSpecialTokens(missing);
}

}  // namespace

DotsLayoutGenerator::~DotsLayoutGenerator() = default;

std::unique_ptr<DotsLayoutGenerator> DotsLayoutGenerator::load(const std::string& modelDirOrRepoId,
                                                               const qwen2::DecoderOptions& options, int maxBatch) {
  std::unique_ptr<DotsLayoutGenerator> g(new DotsLayoutGenerator());
  g->resolved_ = infer::resolveModel(modelDirOrRepoId);
  const fs::path dir(g->resolved_.directory);
  g->tokenizer_ = std::make_unique<infer::Tokenizer>(infer::Tokenizer::fromModelDirectory(
      g->resolved_.directory, "dots.ocr",
      "config.json, tokenizer.json, preprocessor_config.json and the .safetensors files"));
  ensureDotsTokens(*g->tokenizer_);
  g->processor_ = std::make_unique<ProcessorState>();
  const fs::path preprocessor = dir / "preprocessor_config.json";
  if (fs::exists(preprocessor)) g->processor_->config = parseImageProcessorConfig(readText(preprocessor), preprocessor.string());
  g->model_ = DotsOcrModel::load(dir.string(), options);
  g->maxBatch_ = std::max(1, maxBatch);
  return g;
}

std::vector<LayoutGeneration> DotsLayoutGenerator::generate(const std::vector<LayoutGenerationRequest>& requests,
                                                            const std::shared_ptr<infer::CancellationToken>& cancel,
                                                            const PageDone& onPageDone) {
  using Clock = std::chrono::steady_clock;
  std::vector<LayoutGeneration> out(requests.size());
  std::vector<infer::GenerationRequest> genRequests;
  std::vector<size_t> genIndex;  // genRequests[i] answers requests[genIndex[i]]
  std::vector<double> visionSeconds(requests.size(), 0.0);
  int64_t longest = 0, mostNew = 0;
  const auto& defaults = generationDefaults();
  // Page preparation off the GPU's critical path: the resize and patchify on every host core (a letter page takes
  // 0.1-0.2 s on one core, idle GPU before the first tower), pixels in page-locked memory for an asynchronous
  // upload.
  // LAYOUTLENS_OVERLAP_PAGE_PREP=0 for A/B: one thread, pageable memory, a blocking copy.
  static const bool overlapWanted = !infer::switchedOffByEnvironment("LAYOUTLENS_OVERLAP_PAGE_PREP");
  const bool overlap = overlapWanted && model_->device().is_cuda();
  PreprocessOptions prep;
  prep.threads = overlapWanted ? 0 : 1;
  prep.pinnedOutput = overlap;

  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    const auto start = Clock::now();
    try {
      if (!r.image.rgb || r.image.width <= 0 || r.image.height <= 0)
        throw std::invalid_argument("the page image is empty");
      RECORD_FUNCTION("dots.page", std::vector<c10::IValue>());  // named in profiler traces
      const ProcessedImage processed =
          preprocessImage(r.image.rgb, r.image.width, r.image.height, r.image.stride, processor_->config, prep);
      out[i].modelWidth = processed.resized.width;
      out[i].modelHeight = processed.resized.height;
      const std::string task = r.mode == PromptMode::GroundingOcr
                                   ? groundingPrompt(r.groundingBoxModelPx[0], r.groundingBoxModelPx[1],
                                                     r.groundingBoxModelPx[2], r.groundingBoxModelPx[3])
                                   : promptText(r.mode);
      const ChatPrompt prompt = buildImagePrompt(task, processed.imageTokens);
      const auto ids32 = tokenizer_->encode(prompt.text, false);
      std::vector<int64_t> ids(ids32.begin(), ids32.end());
      at::Tensor features;
      {
        // Vision runs one page at a time: attention is block-diagonal per image anyway, and this keeps
        // the activation memory of one page (a max-size page is ~57k patches).
        RECORD_FUNCTION("dots.vision_tower", std::vector<c10::IValue>());
        // From page-locked memory the upload is queued behind the previous page's tower instead of waiting
        // for it (a pageable copy blocks the host until the stream is idle, then the GPU idles while 45 MB
        // cross at pageable speed); the caching host allocator keeps the buffer until the copy has run.
        const at::Tensor& pixels = processed.pixelValues;
        features = model_->visionFeatures(pixels.to(model_->device(), pixels.scalar_type(), /*non_blocking=*/overlap),
                                          {processed.grid});
      }
      infer::GenerationRequest g;
      g.promptIds = ids;
      g.embeddings = model_->prefillInput(ids, features).embeddings;
      if (r.forcedNewTokens > 0) {
        g.maxNewTokens = r.forcedNewTokens;  // no stop tokens: exactly this many
      } else {
        g.maxNewTokens = r.maxNewTokens;
        g.stopTokenIds = defaults.stopTokenIds;
      }
      g.sampling.greedy = true;  // the HF reference path (demo_hf.py) is greedy
      g.cancellation = cancel;
      out[i].promptTokens = static_cast<int64_t>(ids.size());
      longest = std::max<int64_t>(longest, static_cast<int64_t>(ids.size()));
      mostNew = std::max<int64_t>(mostNew, g.maxNewTokens);
      genRequests.push_back(std::move(g));
      genIndex.push_back(i);
    } catch (const std::exception& e) {
      out[i].error = e.what();
      out[i].finishReason = "error";
    }
    visionSeconds[i] = std::chrono::duration<double>(Clock::now() - start).count();
  }
  if (genRequests.empty()) return out;

  const int slots = std::min<int>(maxBatch_, static_cast<int>(genRequests.size()));
  const int64_t maxLength = longest + mostNew;
  if (model_->slotCount() < slots || model_->maxSequenceLength() < maxLength) {
    RECORD_FUNCTION("dots.reserve_slots", std::vector<c10::IValue>());
    model_->reserveSlots(slots, maxLength);
  }

  // Each page's answer is filled in the moment its sequence ends (and handed to onPageDone then), not
  // after the whole batch: the caller can start the page's next stage while the longer pages decode.
  for (size_t k = 0; k < genRequests.size(); ++k) {
    const size_t i = genIndex[k];
    genRequests[k].onFinish = [this, &out, &visionSeconds, &onPageDone, i](const infer::GenerationResult& res) {
      LayoutGeneration& o = out[i];
      o.finishReason = infer::toString(res.reason);
      o.error = res.error;
      o.generatedTokens = static_cast<int64_t>(res.tokens.size());
      try {
        o.text = tokenizer_->decode(std::vector<int32_t>(res.tokens.begin(), res.tokens.end()), true);
      } catch (const std::exception& e) {
        o.error = std::string("the generated tokens cannot be decoded: ") + e.what();
      }
      o.seconds = visionSeconds[i] + res.timing.totalMs / 1000.0;
      if (onPageDone) onPageDone(i, o);
    };
  }
  infer::GenerationScheduler scheduler(*model_);
  scheduler.generate(std::move(genRequests));
  return out;
}

}  // namespace ll::models::dots_ocr
