#pragma once
// The seam between ModelEngine and the vision-language model (Gemma 3n): crop OCR and page summaries are
// "an image, a prompt, some text back", so the engine needs only this much of the model. The Gemma 3n
// implementation lives in gemma3n_backend.cpp and compiles to a clear "not in this build" error where the
// Gemma 3n generator is absent, so the pipeline builds and runs (layout only) either way.
// Internal to core/pipeline: only model_engine.cpp and gemma3n_backend.cpp include it.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/infer/hub_resolver.h"
#include "core/infer/runtime_options.h"

namespace ll::infer {
class CancellationToken;
}

namespace ll::pipeline {

struct VlmRequest {
  const uint8_t* rgb = nullptr;  // interleaved RGB888
  int64_t width = 0, height = 0, stride = 0;
  std::string prompt;
  int maxNewTokens = 1024;
};

struct VlmResult {
  std::string text;
  std::string finishReason;
  std::string error;
  int64_t generatedTokens = 0;
  double seconds = 0;
};

struct VlmRuntime {
  c10::Device device = c10::Device(c10::kCPU);
  c10::ScalarType dtype = c10::ScalarType::Float;
  infer::AttentionImpl attention = infer::AttentionImpl::Sdpa;
};

class VisionLanguageBackend {
 public:
  virtual ~VisionLanguageBackend() = default;
  // One result per request, in order; a failed request has `error` set and does not affect the others.
  virtual std::vector<VlmResult> generate(const std::vector<VlmRequest>& requests,
                                          const std::shared_ptr<infer::CancellationToken>& cancel) = 0;
  virtual std::string cropOcrPrompt() const = 0;
  virtual std::string pageSummaryPrompt(const std::string& layoutText, const std::vector<std::string>& cropTexts) const = 0;
  // For callers that assembled the layout text and crop lines into one context themselves.
  virtual std::string pageSummaryPromptWithContext(const std::string& context) const = 0;
  virtual std::string describe() const = 0;
  virtual infer::ResolvedModel resolved() const = 0;
};

// Loads Gemma 3n (folder, cache folder or repo id). Throws std::runtime_error with a one-line message when
// the model is missing or broken.
std::unique_ptr<VisionLanguageBackend> loadGemma3nBackend(const std::string& modelDirOrRepoId, const VlmRuntime& runtime,
                                                          int maxBatch);

}  // namespace ll::pipeline
