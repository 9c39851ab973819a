#pragma once
// Where the window gets its analysis engine. The window never builds an engine itself: it calls a
// factory when the user first presses Analyze (models are large; nothing loads at start-up), on the
// background inference thread, so the GUI stays responsive while the weights load. Tests inject a
// scripted engine through the same type.
#include <QString>
#include <functional>
#include <memory>

#include "core/pipeline/analysis_engine.h"
#include "core/pipeline/pipeline_config.h"

namespace ll::ui {

struct EngineHandle {
  std::unique_ptr<ll::pipeline::AnalysisEngine> engine;
  // Accelerator memory the engine holds now, for the status bar ("10.4 GiB on cuda:0"); may be empty.
  // Called on the inference thread.
  std::function<QString()> memoryInUse;
};

// Returns a loaded engine, or an empty handle and a one-line message saying what is wrong and what to
// do (missing model folder, no GPU and device_map=cuda, ...). Runs on the inference thread.
using EngineFactory = std::function<EngineHandle(const ll::pipeline::PipelineConfig& config, QString* error)>;

// The real engine: dots.ocr for layout and Gemma 3n for crop OCR and summaries, from the model paths in
// Preferences (dots_model_path, gemma_model_id) on device_map / torch_dtype / attn_impl.
EngineHandle createModelEngine(const ll::pipeline::PipelineConfig& config, QString* error);

// One line for the start of the app's log: the libtorch in use, the GPUs it sees, and the device and dtype the
// models will use with these settings ("libtorch 2.11.0 (CUDA 13.0), 1 GPU: NVIDIA H100 80GB HBM3; models
// on cuda:0 in bfloat16"). Users with a CUDA libtorch check here that it was picked up.
QString describeRuntimeChoice(const ll::pipeline::PipelineConfig& config);

}  // namespace ll::ui
