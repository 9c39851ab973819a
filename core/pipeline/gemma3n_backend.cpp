// Gemma 3n behind VisionLanguageBackend. The generator (core/models/gemma3n/gemma3n_generator.h) and its
// prompts (prompts.h) are written in parallel with the pipeline; until both headers exist this file
// compiles to a backend that is never loadable, with a message saying so, instead of breaking the build.
// (When the headers appear, re-run cmake or touch this file: Ninja cannot see a header it never included.)
#include "core/pipeline/vision_language_backend.h"

#include <stdexcept>

#if __has_include("core/models/gemma3n/gemma3n_generator.h") && __has_include("core/models/gemma3n/prompts.h")
#define LL_HAVE_GEMMA3N 1
#include "core/infer/generation/generation_request.h"
#include "core/models/gemma3n/gemma3n_generator.h"
#include "core/models/gemma3n/prompts.h"
#else
#define LL_HAVE_GEMMA3N 0
#endif

namespace ll::pipeline {

#if LL_HAVE_GEMMA3N
namespace {

namespace g3 = ll::models::gemma3n;

class Gemma3nBackend : public VisionLanguageBackend {
 public:
  explicit Gemma3nBackend(std::unique_ptr<g3::Gemma3nGenerator> generator) : generator_(std::move(generator)) {}

  std::vector<VlmResult> generate(const std::vector<VlmRequest>& requests,
                                  const std::shared_ptr<infer::CancellationToken>& cancel) override {
    std::vector<g3::VisionGenerationRequest> in;
    in.reserve(requests.size());
    for (const auto& r : requests) {
      g3::VisionGenerationRequest q;
      q.image.rgb = r.rgb;
      q.image.width = r.width;
      q.image.height = r.height;
      q.image.stride = r.stride;
      q.prompt = r.prompt;
      q.maxNewTokens = r.maxNewTokens;
      in.push_back(std::move(q));
    }
    const auto answers = generator_->generate(in, cancel);
    std::vector<VlmResult> out;
    out.reserve(answers.size());
    for (const auto& a : answers) out.push_back({a.text, a.finishReason, a.error, a.generatedTokens, a.seconds});
    return out;
  }
  std::string cropOcrPrompt() const override { return g3::cropOcrPrompt(); }
  std::string pageSummaryPrompt(const std::string& layoutText, const std::vector<std::string>& cropTexts) const override {
    return g3::pageSummaryPrompt(layoutText, cropTexts);
  }
  std::string pageSummaryPromptWithContext(const std::string& context) const override {
    return g3::pageSummaryPromptWithContext(context);
  }
  std::string describe() const override { return generator_->describe(); }
  infer::ResolvedModel resolved() const override { return generator_->resolved(); }

 private:
  std::unique_ptr<g3::Gemma3nGenerator> generator_;
};

}  // namespace

bool gemma3nCompiledIn() { return true; }

std::unique_ptr<VisionLanguageBackend> loadGemma3nBackend(const std::string& modelDirOrRepoId, const VlmRuntime& runtime,
                                                          int maxBatch) {
  g3::Gemma3nOptions options;
  options.device = runtime.device;
  options.dtype = runtime.dtype;
  options.attention = runtime.attention;
  return std::make_unique<Gemma3nBackend>(g3::Gemma3nGenerator::load(modelDirOrRepoId, options, maxBatch));
}

#else

bool gemma3nCompiledIn() { return false; }

std::unique_ptr<VisionLanguageBackend> loadGemma3nBackend(const std::string& modelDirOrRepoId, const VlmRuntime&, int) {
  throw std::runtime_error("cannot load " + modelDirOrRepoId +
                           ": this build of LayoutLens has no Gemma 3n support; run without a Gemma model (--no-gemma)");
}

#endif

}  // namespace ll::pipeline
