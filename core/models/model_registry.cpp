// The registry of architectures LayoutLens implements, keyed by config.json model_type.
#include "core/models/model_registry.h"

#include <stdexcept>

namespace ll::models {

const std::vector<ArchitectureInfo>& supportedArchitectures() {
  static const std::vector<ArchitectureInfo> list{
      {"qwen2", "Qwen2 decoder-only language model"},
      {"dots_ocr", "dots.ocr layout and OCR vision-language model (rednote-hilab/dots.ocr)"},
      {"gemma3n", "Gemma 3n multimodal model (google/gemma-3n-E4B-it, E2B-it)"},
  };
  return list;
}

const ArchitectureInfo* findArchitecture(const std::string& modelType) {
  for (const auto& a : supportedArchitectures())
    if (a.model_type == modelType) return &a;
  return nullptr;
}

const ArchitectureInfo& architectureFor(const std::string& modelType, const std::string& configPath) {
  if (const ArchitectureInfo* a = findArchitecture(modelType)) return *a;
  std::string names;
  for (const auto& a : supportedArchitectures()) names += (names.empty() ? "" : ", ") + a.model_type;
  throw std::runtime_error("model type '" + modelType + "' (in " + configPath + ") is not supported; supported: " + names);
}

}  // namespace ll::models
