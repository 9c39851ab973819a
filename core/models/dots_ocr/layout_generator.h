#pragma once
// dots.ocr end to end for a set of page images: resolve and load the checkpoint and its tokenizer once,
// then for each page run the image processor, the vision tower and the prompt, and let the continuous-
// batching scheduler generate all pages together (a finished page frees its slot for the next at once,
// unlike the reference's static batches of 18). Returns the model's text; core/layout parses it.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/infer/generation/generation_request.h"
#include "core/infer/hub_resolver.h"
#include "core/models/dots_ocr/prompts.h"
#include "core/models/qwen2/qwen2_causal_lm.h"

namespace ll::infer {
class Tokenizer;
}

namespace ll::models::dots_ocr {

class DotsOcrModel;

struct PageImageView {
  const uint8_t* rgb = nullptr;  // interleaved RGB, 8 bits per channel
  int64_t width = 0, height = 0, stride = 0;  // stride in bytes per row
};

struct LayoutGenerationRequest {
  PageImageView image;
  PromptMode mode = PromptMode::LayoutAll;
  std::array<int64_t, 4> groundingBoxModelPx{};  // PromptMode::GroundingOcr: x1,y1,x2,y2 in model-input pixels
  int maxNewTokens = 12000;
  // > 0: ignore the stop tokens and emit exactly this many tokens (benchmarks on random weights, which never
  // stop at a natural place); maxNewTokens is then not used.
  int forcedNewTokens = 0;
};

struct LayoutGeneration {
  std::string text;  // decoded with special tokens skipped
  int64_t modelWidth = 0, modelHeight = 0;  // smart_resize size: the pixels the boxes are in
  int64_t promptTokens = 0, generatedTokens = 0;
  std::string finishReason;  // stop | length | repetition | cancelled | error
  std::string error;
  double seconds = 0;  // vision + generation, per page
};

class DotsLayoutGenerator {
 public:
  // Resolves `modelDirOrRepoId` like the Hugging Face tools (folder, cache folder or repo id), loads
  // config.json, the weights, tokenizer.json (+ dots.ocr's special tokens if the file lacks them) and
  // preprocessor_config.json. Throws with a message naming what is missing or wrong.
  static std::unique_ptr<DotsLayoutGenerator> load(const std::string& modelDirOrRepoId, const qwen2::DecoderOptions& options,
                                                   int maxBatch);
  ~DotsLayoutGenerator();

  // Called on the generating thread as soon as a page's sequence ends (index into the requests), while
  // the other pages still decode; must not throw. Pages that fail before generation (a bad image) are
  // only in generate()'s result.
  using PageDone = std::function<void(size_t index, const LayoutGeneration& result)>;

  // One result per request, in order. A page that fails (bad image, out of memory after the scheduler's
  // retries) has `error` set; the others are unaffected.
  std::vector<LayoutGeneration> generate(const std::vector<LayoutGenerationRequest>& requests,
                                         const std::shared_ptr<infer::CancellationToken>& cancel = nullptr,
                                         const PageDone& onPageDone = {});

  const infer::ResolvedModel& resolved() const { return resolved_; }
  DotsOcrModel& model() { return *model_; }
  const infer::Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  DotsLayoutGenerator() = default;
  infer::ResolvedModel resolved_;
  std::unique_ptr<DotsOcrModel> model_;
  std::unique_ptr<infer::Tokenizer> tokenizer_;
  struct ProcessorState;
  std::unique_ptr<ProcessorState> processor_;
  int maxBatch_ = 1;
};

}  // namespace ll::models::dots_ocr
