// Gemma 3n behind VisionLanguageBackend: the only file of the pipeline that knows the generator's types, so the
// engine can hold "a vision-language model" without torch or Gemma headers.
#include "core/pipeline/vision_language_backend.h"

#include "core/infer/generation/generation_request.h"
#include "core/models/gemma3n/gemma3n_generator.h"
#include "core/models/gemma3n/prompts.h"

namespace ll::pipeline {

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

std::unique_ptr<VisionLanguageBackend> loadGemma3nBackend(const std::string& modelDirOrRepoId, const VlmRuntime& runtime,
                                                          int maxBatch) {
  g3::Gemma3nOptions options;
  options.device = runtime.device;
  options.dtype = runtime.dtype;
  options.attention = runtime.attention;
  return std::make_unique<Gemma3nBackend>(g3::Gemma3nGenerator::load(modelDirOrRepoId, options, maxBatch));
}

}  // namespace ll::pipeline
