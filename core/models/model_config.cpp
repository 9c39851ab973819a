// config.json is the one file every Hugging Face model folder has; its model_type picks the architecture.
#include "core/models/model_config.h"

#include <filesystem>

#include "core/infer/json_file.h"
#include "core/models/model_registry.h"

namespace ll::models {

ModelConfigFile readModelConfig(const std::string& modelDir) {
  ModelConfigFile config;
  config.path = (std::filesystem::u8path(modelDir) / "config.json").u8string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::u8path(config.path), ec))
    throw ModelConfigError(config.path + ": missing; pass the folder of a Hugging Face model, which holds config.json next to the weights");
  try {
    config.json = ll::infer::readJsonFile(config.path);
  } catch (const ll::infer::JsonFileError& e) {
    throw ModelConfigError(e.what());
  }
  if (!config.json.is_object()) throw ModelConfigError(config.path + ": is not a JSON object; is this a model's config.json?");
  const auto type = config.json.find("model_type");
  if (type == config.json.end() || !type->is_string())
    throw ModelConfigError(config.path + ": has no \"model_type\" string, so the architecture is unknown; is this a transformers model folder?");
  config.modelType = type->get<std::string>();
  if (!findArchitecture(config.modelType)) {
    try {
      architectureFor(config.modelType, config.path);
    } catch (const std::runtime_error& e) {
      throw ModelConfigError(e.what());
    }
  }
  return config;
}

}  // namespace ll::models
