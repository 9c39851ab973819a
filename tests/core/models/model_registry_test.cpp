// The architecture registry and readModelConfig: the model_type of config.json picks the architecture,
// and every way config.json can be wrong gives one message naming the file.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/models/model_config.h"
#include "support/temp_dir.h"
#include "core/models/model_registry.h"

namespace fs = std::filesystem;
using ll::models::ModelConfigError;
using ll::models::readModelConfig;

namespace {

struct TempDir : ll::test_support::TempDir {
  TempDir() : ll::test_support::TempDir("ll-model-config-test") {}
  std::string config() const { return file("config.json"); }
  void writeConfig(const std::string& text) const { std::ofstream(config(), std::ios::binary) << text; }
};


std::string errorOf(const std::string& dir) {
  try {
    readModelConfig(dir);
  } catch (const ModelConfigError& e) {
    return e.what();
  }
  return "(no ModelConfigError)";
}

}  // namespace

TEST(ModelRegistry, KnowsTheArchitecturesTheAppRuns) {
  for (const char* type : {"dots_ocr", "gemma3n", "qwen2"}) {
    const auto* a = ll::models::findArchitecture(type);
    ASSERT_NE(a, nullptr) << type;
    EXPECT_EQ(a->model_type, type);
    EXPECT_FALSE(a->description.empty());
    EXPECT_EQ(&ll::models::architectureFor(type, "config.json"), a);
  }
  EXPECT_EQ(ll::models::findArchitecture("llama"), nullptr);
  EXPECT_EQ(ll::models::findArchitecture("Gemma3n"), nullptr) << "model_type is matched exactly, as transformers does";
}

TEST(ModelRegistry, UnknownTypeListsTheSupportedOnes) {
  try {
    ll::models::architectureFor("llama", "/m/config.json");
    FAIL();
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'llama'"), std::string::npos) << m;
    EXPECT_NE(m.find("/m/config.json"), std::string::npos) << m;
    for (const auto& a : ll::models::supportedArchitectures()) EXPECT_NE(m.find(a.model_type), std::string::npos) << m;
  }
}

TEST(ModelConfig, ReadsModelTypeAndTheWholeFile) {
  TempDir dir;
  dir.writeConfig(R"({"architectures": ["DotsOCRForCausalLM"], "model_type": "dots_ocr", "hidden_size": 1536, "vision_config": {"model_type": "dots_vit"}})");
  const auto config = readModelConfig(dir.str());
  EXPECT_EQ(config.path, dir.config());
  EXPECT_EQ(config.modelType, "dots_ocr");
  EXPECT_EQ(config.json.at("hidden_size").get<int>(), 1536);
  EXPECT_EQ(config.json.at("vision_config").at("model_type"), "dots_vit");
}

TEST(ModelConfig, EveryProblemNamesTheFile) {
  TempDir dir;
  std::string e = errorOf(dir.str());
  EXPECT_NE(e.find(dir.config()), std::string::npos) << e;
  EXPECT_NE(e.find("missing"), std::string::npos) << e;

  dir.writeConfig("{\n  \"model_type\": \"gemma3n\",\n  \"x\": [1, 2,]\n}");
  e = errorOf(dir.str());
  EXPECT_NE(e.find(dir.config()), std::string::npos) << e;
  EXPECT_NE(e.find("line 3, column 14 (byte 42)"), std::string::npos) << e;

  dir.writeConfig(R"({"architectures": ["X"]})");
  e = errorOf(dir.str());
  EXPECT_NE(e.find("no \"model_type\""), std::string::npos) << e;

  dir.writeConfig(R"({"model_type": 3})");
  EXPECT_NE(errorOf(dir.str()).find("no \"model_type\""), std::string::npos);

  dir.writeConfig(R"([1])");
  EXPECT_NE(errorOf(dir.str()).find("not a JSON object"), std::string::npos);

  dir.writeConfig(R"({"model_type": "llama"})");
  e = errorOf(dir.str());
  EXPECT_NE(e.find("'llama'"), std::string::npos) << e;
  EXPECT_NE(e.find(dir.config()), std::string::npos) << e;
  EXPECT_NE(e.find("dots_ocr"), std::string::npos) << e;
}
