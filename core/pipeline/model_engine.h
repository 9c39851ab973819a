#pragma once
// The real AnalysisEngine: dots.ocr for layout and, when one is configured, Gemma 3n for crop OCR and page
// summaries. Both models are loaded once and shared by every document of a run. One inference thread owns
// the models (and the GPU): every model call runs on it, callers on any thread hand it work and wait, so
// the CLI's pipeline thread and, later, the GUI can share one engine. No torch type appears here.
#include <QString>
#include <functional>
#include <memory>
#include <stdexcept>

#include "core/pipeline/analysis_engine.h"
#include "core/pipeline/pipeline_config.h"

namespace ll::pipeline {

struct ModelEngineSettings {
  QString dotsModel;    // folder, Hugging Face cache folder or repo id
  QString gemmaModel;   // empty: no vision-language model; crop OCR and summaries are recorded as skipped
  QString device = "auto";      // auto | cuda | cpu | cuda:N
  QString dtype = "bfloat16";   // lowered to float32 on the CPU
  QString attnImpl = "sdpa";
  int maxBatch = 18;
  // The Gemma model was not asked for explicitly (the default id): when it is not in the Hugging Face cache,
  // run without it (logged) instead of failing. A model that is found but
  // broken still fails the load.
  bool gemmaOptional = false;

  // dots_model_path, gemma_model_id, device_map, torch_dtype, attn_impl and batch_size of the config.
  static ModelEngineSettings fromConfig(const PipelineConfig& c);
};

// A model could not be loaded (missing, corrupt, wrong architecture) or a device/dtype choice is invalid.
class ModelLoadError : public std::runtime_error {
 public:
  enum class Kind { BadSetting, Model };
  ModelLoadError(Kind k, const std::string& m) : std::runtime_error(m), kind(k) {}
  Kind kind;
};

class ModelEngine : public AnalysisEngine {
 public:
  // Loads the models on the engine's inference thread; throws ModelLoadError with a one-line message.
  // `log` (optional) receives progress lines ("loading dots.ocr from ...").
  static std::unique_ptr<ModelEngine> load(const ModelEngineSettings& settings,
                                           const std::function<void(const QString&)>& log = {});
  ~ModelEngine() override;
  ModelEngine(const ModelEngine&) = delete;
  ModelEngine& operator=(const ModelEngine&) = delete;

  QString describe() const override;
  QList<ModelRecord> models() const override;
  QString visionUnavailableReason() const override;
  QList<LayoutAnswer> layout(const QList<LayoutJob>& jobs, const CancelFlag& cancel) override;
  QList<VisionAnswer> vision(const QList<VisionJob>& jobs, const CancelFlag& cancel) override;
  // Accelerator memory held now ("9.3 GiB on cuda:0"); empty on the CPU or without CUDA. Any thread.
  QString memoryInUse() const;

 private:
  struct Impl;
  explicit ModelEngine(std::unique_ptr<Impl> d);
  std::unique_ptr<Impl> d;
};

}  // namespace ll::pipeline
