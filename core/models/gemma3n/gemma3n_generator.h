#pragma once
// Gemma 3n end to end for a set of (image, instruction) requests: resolve and load the checkpoint and its
// tokenizer once, run the vision tower on the images in batches, build each chat prompt, and let the
// continuous-batching scheduler generate all answers together (crop OCR and page summaries of many pages in
// one batch, where the reference ran one crop / one page at a time). Greedy by default: OCR must not guess.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/infer/generation/generation_request.h"
#include "core/infer/hub_resolver.h"
#include "core/models/gemma3n/text_decoder.h"

namespace ll::infer {
class Tokenizer;
}

namespace ll::models::gemma3n {

class Gemma3nModel;

struct ImageView {
  const uint8_t* rgb = nullptr;  // interleaved RGB, 8 bits per channel; null for a text-only request
  int64_t width = 0, height = 0, stride = 0;  // stride in bytes per row
};

struct VisionGenerationRequest {
  ImageView image;
  std::string prompt;
  int maxNewTokens = 1024;
  // > 0: ignore the stop tokens and emit exactly this many tokens (benchmarks on random weights, which never
  // stop at a natural place).
  int forcedNewTokens = 0;
  bool greedy = true;  // false: the published sampling defaults (top-k 64, top-p 0.95, temperature 1)
  uint64_t seed = 0;
};

struct VisionGeneration {
  std::string text;  // decoded with special tokens skipped
  std::vector<int64_t> tokens;  // the generated ids (stop token excluded)
  int64_t promptTokens = 0, generatedTokens = 0;
  std::string finishReason;  // stop | length | repetition | cancelled | error
  std::string error;
  double seconds = 0;  // this request's share of vision + its generation time
};

class Gemma3nGenerator {
 public:
  // Resolves `modelDirOrRepoId` like the Hugging Face tools (folder, cache folder or repo id) and loads
  // config.json, the weights and tokenizer.json. Throws with a message naming what is missing or wrong.
  static std::unique_ptr<Gemma3nGenerator> load(const std::string& modelDirOrRepoId, const Gemma3nOptions& options,
                                                int maxBatch);
  ~Gemma3nGenerator();

  // One result per request, in order; a failing request has `error` set and the others are unaffected.
  std::vector<VisionGeneration> generate(const std::vector<VisionGenerationRequest>& requests,
                                         const std::shared_ptr<infer::CancellationToken>& cancel = nullptr);

  // The two halves of generate(), for callers that drive a scheduler themselves (Gemma3nStream).
  // prepare(): images through the vision tower (in batches), prompts into scheduler requests; `answers`
  // has one entry per request, already final for those that cannot run (bad image, cancelled), and
  // requests[k] answers requests[index[k]].
  struct Prepared {
    std::vector<VisionGeneration> answers;
    std::vector<double> visionSeconds;
    std::vector<infer::GenerationRequest> requests;
    std::vector<size_t> index;
    int64_t longestPrompt = 0, mostNewTokens = 0;
  };
  Prepared prepare(const std::vector<VisionGenerationRequest>& requests,
                   const std::shared_ptr<infer::CancellationToken>& cancel);
  // The scheduler's result as an answer: text decoded, time = vision share + generation.
  void fillAnswer(VisionGeneration& answer, const infer::GenerationResult& result, double visionSeconds) const;
  // Sizes the KV pool for `slots` sequences of up to `maxLength` tokens: kept when it fits and is at most
  // twice the need, else reserved anew; halved until it fits the GPU (the scheduler then runs in waves).
  void reservePool(int slots, int64_t maxLength);
  int maxBatch() const { return maxBatch_; }

  const infer::ResolvedModel& resolved() const { return resolved_; }
  std::string describe() const;  // "google/gemma-3n-E4B-it (35 layers) on cuda:0, bfloat16"
  Gemma3nModel& model() { return *model_; }
  const infer::Tokenizer& tokenizer() const { return *tokenizer_; }
  // Images sent through the vision tower together (bounded activation memory).
  static constexpr int kVisionBatch = 8;

 private:
  Gemma3nGenerator() = default;
  infer::ResolvedModel resolved_;
  std::unique_ptr<Gemma3nModel> model_;
  std::unique_ptr<infer::Tokenizer> tokenizer_;
  std::vector<int64_t> stopIds_;
  int maxBatch_ = 1;
};

}  // namespace ll::models::gemma3n
