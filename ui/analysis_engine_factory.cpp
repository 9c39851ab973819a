// The real engine factory (see analysis_engine_factory.h): core/pipeline's ModelEngine, loaded with the
// model settings of Preferences. A load failure comes back as the engine's own one-line message.
#include "ui/analysis_engine_factory.h"

#include <QCoreApplication>
#include <exception>

#include "core/infer/runtime_options.h"
#include "core/pipeline/model_engine.h"

namespace ll::ui {

EngineHandle createModelEngine(const ll::pipeline::PipelineConfig& config, QString* error) {
  // The engine's own message for this case speaks of command-line options; say where the window's setting is.
  if (config.dots_model_path.trimmed().isEmpty()) {
    if (error)
      *error = QCoreApplication::translate("ll::ui::AnalysisEngineFactory",
                                           "no layout model is set. Choose the dots.ocr model folder (or a Hugging Face repo id) in "
                                           "Preferences > Models > Layout model (dots.ocr).");
    return {};
  }
  ll::pipeline::ModelEngineSettings settings = ll::pipeline::ModelEngineSettings::fromConfig(config);
  // As in `layoutlens-cli run`: the default Gemma id is a suggestion; when it is not in the Hugging Face
  // cache the layout still runs and crop OCR and summaries are recorded as skipped with the reason.
  settings.gemmaOptional = config.gemma_model_id == ll::pipeline::PipelineConfig().gemma_model_id;
  EngineHandle handle;
  try {
    handle.engine = ll::pipeline::ModelEngine::load(settings);
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return {};
  }
  auto* engine = static_cast<ll::pipeline::ModelEngine*>(handle.engine.get());
  handle.memoryInUse = [engine] { return engine->memoryInUse(); };
  return handle;
}

QString describeRuntimeChoice(const ll::pipeline::PipelineConfig& config) {
  QString line = QString::fromStdString(ll::infer::describeRuntime());
  try {
    const c10::Device device = ll::infer::resolveDevice(ll::infer::parseDeviceChoice(config.device_map.toStdString()));
    std::string why;
    c10::ScalarType dtype = ll::infer::effectiveDType(ll::infer::parseDType(config.torch_dtype.toStdString()), device, &why);
    if (device.is_cpu()) dtype = c10::ScalarType::Float;
    line += QStringLiteral("; models on %1 in %2").arg(QString::fromStdString(device.str()),
                                                         QString::fromStdString(ll::infer::dtypeName(dtype)));
  } catch (const std::exception& e) {
    line += QStringLiteral("; the device settings cannot be used: %1").arg(QString::fromUtf8(e.what()));
  }
  return line;
}

}  // namespace ll::ui
