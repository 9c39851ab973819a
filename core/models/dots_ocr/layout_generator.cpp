#include "core/models/dots_ocr/layout_generator.h"

#include <ATen/ATen.h>
#include <ATen/record_function.h>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/infer/cuda_stream.h"
#include "core/infer/generation/generation_scheduler.h"
#include "core/infer/runtime_options.h"
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
  g->visionOverlap_ = !infer::switchedOffByEnvironment("LAYOUTLENS_LAYOUT_OVERLAP");
  return g;
}

std::vector<LayoutGeneration> DotsLayoutGenerator::generate(const std::vector<LayoutGenerationRequest>& requests,
                                                            const std::shared_ptr<infer::CancellationToken>& cancel,
                                                            const PageDone& onPageDone) {
  using Clock = std::chrono::steady_clock;
  std::vector<LayoutGeneration> out(requests.size());
  std::vector<double> visionSeconds(requests.size(), 0.0);
  const auto& defaults = generationDefaults();
  const ImageProcessorConfig& config = processor_->config;

  // 1. Every page's prompt, on the CPU: the image's token count follows from its size alone, and the
  //    longest prompt sizes the KV slots before any page runs its vision tower.
  std::vector<infer::GenerationRequest> prompts(requests.size());
  std::vector<size_t> pages;  // the requests that made it to a prompt, in order
  int64_t longest = 0, mostNew = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    try {
      if (!r.image.rgb || r.image.width <= 0 || r.image.height <= 0)
        throw std::invalid_argument("the page image is empty");
      const ResizedSize size = smartResize(r.image.height, r.image.width, config.factor(), config.minPixels, config.maxPixels);
      out[i].modelWidth = size.width;
      out[i].modelHeight = size.height;
      const int64_t imageTokens = (size.height / config.factor()) * (size.width / config.factor());
      const std::string task = r.mode == PromptMode::GroundingOcr
                                   ? groundingPrompt(r.groundingBoxModelPx[0], r.groundingBoxModelPx[1],
                                                     r.groundingBoxModelPx[2], r.groundingBoxModelPx[3])
                                   : promptText(r.mode);
      const auto ids32 = tokenizer_->encode(buildImagePrompt(task, imageTokens).text, false);
      infer::GenerationRequest& g = prompts[i];
      g.promptIds.assign(ids32.begin(), ids32.end());
      if (r.forcedNewTokens > 0) {
        g.maxNewTokens = r.forcedNewTokens;  // no stop tokens: exactly this many
      } else {
        g.maxNewTokens = r.maxNewTokens;
        g.stopTokenIds = defaults.stopTokenIds;
      }
      g.sampling.greedy = true;  // the HF reference path (demo_hf.py) is greedy
      g.cancellation = cancel;
      out[i].promptTokens = static_cast<int64_t>(g.promptIds.size());
      longest = std::max<int64_t>(longest, out[i].promptTokens);
      mostNew = std::max<int64_t>(mostNew, g.maxNewTokens);
      pages.push_back(i);
    } catch (const std::exception& e) {
      out[i].error = e.what();
      out[i].finishReason = "error";
    }
  }
  if (pages.empty()) return out;

  const int slots = std::min<int>(maxBatch_, static_cast<int>(pages.size()));
  const int64_t maxLength = longest + mostNew;
  if (model_->slotCount() < slots || model_->maxSequenceLength() < maxLength) {
    RECORD_FUNCTION("dots.reserve_slots", std::vector<c10::IValue>());
    model_->reserveSlots(slots, maxLength);
  }

  // Each page's answer is filled in the moment its sequence ends (and handed to onPageDone then), not
  // after the whole batch: the caller can start the page's next stage while the longer pages decode.
  for (const size_t i : pages) {
    prompts[i].onFinish = [this, &out, &visionSeconds, &onPageDone, i](const infer::GenerationResult& res) {
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

  // 2. A page's pixels (CPU), then its vision tower and image features (GPU). Vision runs one page at a time:
  //    attention is block-diagonal per image anyway, and this keeps the activation memory of one page (a
  //    max-size page is ~57k patches). Both throw what fails; `out[i]` then gets the message.
  std::vector<Clock::time_point> seenFrom(requests.size());
  auto preprocess = [&](size_t i) {
    seenFrom[i] = Clock::now();
    const auto& r = requests[i];
    return preprocessImage(r.image.rgb, r.image.width, r.image.height, r.image.stride, config);
  };
  auto look = [&](size_t i, const ProcessedImage& processed) {
    RECORD_FUNCTION("dots.page", std::vector<c10::IValue>());  // named in profiler traces
    at::Tensor features;
    {
      RECORD_FUNCTION("dots.vision_tower", std::vector<c10::IValue>());
      features = model_->visionFeatures(processed.pixelValues.to(model_->device()), {processed.grid});
    }
    prompts[i].embeddings = model_->prefillInput(prompts[i].promptIds, features).embeddings;
  };
  auto failed = [&](size_t i, const std::string& why) {
    out[i].error = why;
    out[i].finishReason = "error";
  };

  infer::GenerationScheduler scheduler(*model_);
  const c10::Device device = model_->device();
  if (!visionOverlap_ || !device.is_cuda() || pages.size() < 2) {
    for (const size_t i : pages) {
      try {
        look(i, preprocess(i));
        visionSeconds[i] = std::chrono::duration<double>(Clock::now() - seenFrom[i]).count();
        scheduler.submit(std::move(prompts[i]));
      } catch (const std::exception& e) {
        failed(i, e.what());
      }
    }
    scheduler.runUntilIdle();
    return out;
  }

  // 3. On a GPU, the pages' vision towers (compute-bound) run on a thread and stream of their own while the
  //    pages already seen decode (bound by memory bandwidth) on this thread, on a stream of the highest
  //    priority (its kernels get the SMs first as the vision kernels' blocks end): a page starts decoding when
  //    its own features are ready, not when the last page's are. The producer prepares the next page's pixels
  //    while the GPU runs this page's tower; the features are complete before the scheduler gets them (the
  //    producer waits for its stream), and the allocator keeps their memory until the decoding stream is done
  //    with them.
  infer::UrgentStreamScope urgent(device);
  const std::optional<c10::Stream> decodingStream = infer::currentStream(device);
  std::atomic<bool> producing{true}, stop{false};
  std::thread producer([&] {
    infer::makeCurrentDevice(device);
    infer::useOwnStream(device);
    auto prepared = [&](size_t k, std::optional<ProcessedImage>& into) {
      into.reset();
      if (k >= pages.size()) return;
      try {
        into = preprocess(pages[k]);
      } catch (const std::exception& e) {
        failed(pages[k], e.what());
      }
    };
    std::optional<ProcessedImage> current, next;
    prepared(0, current);
    for (size_t k = 0; k < pages.size(); ++k) {
      const size_t i = pages[k];
      if (stop.load() || (cancel && cancel->isCancelled())) {
        out[i].finishReason = "cancelled";
        out[i].error = "cancelled before its vision tower ran";
        current.reset();
      }
      bool looked = false;
      if (current) {
        try {
          look(i, *current);  // queued on the GPU; the CPU goes on at once
          looked = true;
        } catch (const std::exception& e) {
          failed(i, e.what());
        }
      }
      if (!stop.load()) prepared(k + 1, next);
      if (looked) {
        try {
          infer::finishCurrentStream(device);
          infer::markUsedOnStream(prompts[i].embeddings.rows, decodingStream);
          visionSeconds[i] = std::chrono::duration<double>(Clock::now() - seenFrom[i]).count();
          scheduler.submit(std::move(prompts[i]));
        } catch (const std::exception& e) {
          failed(i, e.what());
        }
      }
      current = std::move(next);
    }
    producing.store(false);
  });
  struct JoinOnExit {
    std::thread& thread;
    std::atomic<bool>& stop;
    ~JoinOnExit() {
      stop.store(true);
      thread.join();
    }
  } join{producer, stop};
  for (;;) {
    if (scheduler.step()) continue;
    if (!producing.load() && scheduler.queuedCount() == 0 && scheduler.runningCount() == 0) break;
    scheduler.waitForWork(std::chrono::milliseconds(2));
  }
  return out;
}

}  // namespace ll::models::dots_ocr
