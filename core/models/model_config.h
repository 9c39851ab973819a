#pragma once
// Reads a model folder's config.json and checks its model_type against the registry before any weights
// are touched, so the wrong model gives one clear message instead of a cascade of missing tensors.
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace ll::models {

class ModelConfigError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ModelConfigFile {
  std::string path;       // .../config.json
  std::string modelType;  // "dots_ocr", "gemma3n", ...
  nlohmann::json json;    // the whole file, for the architecture's own config parser
};

// Throws ModelConfigError naming the file: missing/unreadable, invalid JSON (line and column), no string
// "model_type", or a model_type that no registered architecture implements (listing the supported ones).
ModelConfigFile readModelConfig(const std::string& modelDir);

}  // namespace ll::models
