#pragma once
// Maps a checkpoint's config.json `model_type` to the architecture that implements it. An unknown
// model_type is a clear error that lists the supported ones.
#include <string>
#include <vector>

namespace ll::models {

struct ArchitectureInfo {
  std::string model_type;   // config.json "model_type"
  std::string description;  // for messages and `layoutlens-cli models list`
};

const std::vector<ArchitectureInfo>& supportedArchitectures();
// nullptr when no architecture implements `modelType` (for listings that show unsupported models too).
const ArchitectureInfo* findArchitecture(const std::string& modelType);
// Throws std::runtime_error("model type 'x' (in <config path>) is not supported; supported: ...").
const ArchitectureInfo& architectureFor(const std::string& modelType, const std::string& configPath);

}  // namespace ll::models
