// `layoutlens-cli models list|verify`: shows which models the local Hugging Face cache holds and checks a
// model folder (config, every shard header) before a long job depends on it.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "cli/command.h"
#include "cli/models_download.h"
#include "core/infer/checkpoint.h"
#include "core/infer/hub_resolver.h"
#include "core/infer/json_file.h"
#include "core/models/model_config.h"
#include "core/models/model_registry.h"

namespace {

using namespace ll::cli;

const char* kUsage =
    "usage: layoutlens-cli models list\n"
    "       layoutlens-cli models verify DIR_OR_REPO_ID\n"
    "       layoutlens-cli models download ORG/NAME [options]\n"
    "\n"
    "list    models in the Hugging Face cache ($HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub):\n"
    "        repo id, revision, model_type and size\n"
    "verify  resolves a model folder, cache folder or repo id, checks config.json and every safetensors\n"
    "        header, and prints tensor count, dtypes and total bytes (exit 6 on any problem)\n";

// The download usage is appended from models_download.cpp so the options live next to their parser.
std::string fullUsage() { return std::string(kUsage) + ll::cli::kModelsDownloadUsage; }

std::string humanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.2f %s", value, units[unit]);
  return text;
}

std::string pad(const std::string& s, size_t width) { return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' '); }

// model_type straight from config.json, so unsupported models are listed too.
std::string modelTypeOf(const std::string& dir) {
  try {
    const auto json = ll::infer::readJsonFile(dir + "/config.json");
    const auto type = json.is_object() ? json.find("model_type") : json.end();
    if (type == json.end() || !type->is_string()) return "?";
    const std::string name = type->get<std::string>();
    return ll::models::findArchitecture(name) ? name : name + " (unsupported)";
  } catch (const std::exception&) {
    return "? (bad config.json)";
  }
}

int listModels() {
  const auto roots = ll::infer::hubCacheRoots();
  const auto models = ll::infer::listCachedModels();
  if (!models.empty()) {
    std::cout << pad("REPO ID", 40) << pad("REVISION", 14) << pad("MODEL TYPE", 24) << "SIZE\n";
    for (const auto& m : models) {
      if (m.directory.empty()) {
        std::cout << pad(m.repoId, 40) << pad("-", 14) << pad("-", 24) << "-  (" << m.problem << ")\n";
        continue;
      }
      std::cout << pad(m.repoId, 40) << pad(m.revision.substr(0, 12), 14) << pad(modelTypeOf(m.directory), 24) << humanBytes(m.bytes) << "\n";
    }
  } else {
    std::cout << "no models in the Hugging Face cache; download one with `layoutlens-cli models download <org/name>` (or `hf download <org/name>`)\n";
  }
  std::cout << "searched:";
  for (const auto& r : roots) std::cout << " " << r.path << " [" << r.origin << "]";
  std::cout << (roots.empty() ? " nothing (HF_HUB_CACHE, HF_HOME and HOME are unset)\n" : "\n");
  return kExitOk;
}

int verifyModel(const std::string& arg) {
  try {
    const auto resolved = ll::infer::resolveModel(arg);
    const auto config = ll::models::readModelConfig(resolved.directory);
    const auto checkpoint = ll::infer::Checkpoint::open(resolved.directory);
    std::map<std::string, size_t> dtypes;
    for (const auto& file : checkpoint.files())
      for (const auto& t : file->tensors()) ++dtypes[t.dtypeName];
    std::cout << "model:      " << resolved.directory << "\n";
    if (!resolved.repoId.empty())
      std::cout << "repo:       " << resolved.repoId << (resolved.revision.empty() ? "" : " @ " + resolved.revision) << "\n";
    std::cout << "model_type: " << config.modelType << " (" << ll::models::findArchitecture(config.modelType)->description << ")\n";
    std::cout << "shards:     " << checkpoint.files().size() << "\n";
    std::cout << "tensors:    " << checkpoint.size() << "\n";
    std::cout << "dtypes:    ";
    for (const auto& [name, count] : dtypes) std::cout << " " << name << " " << count;
    std::cout << "\n";
    std::cout << "bytes:      " << checkpoint.totalBytes() << " (" << humanBytes(checkpoint.totalBytes()) << ")\n";
    std::cout << "ok: config.json and every safetensors header are valid\n";
    return kExitOk;
  } catch (const ll::infer::ModelNotFoundError& e) {
    return fail(kExitModelError, e.what());
  } catch (const ll::models::ModelConfigError& e) {
    return fail(kExitModelError, e.what());
  } catch (const ll::infer::SafetensorsError& e) {
    return fail(kExitModelError, e.what());
  }
}

int runModels(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << fullUsage();
    return kExitOk;
  }
  if (args.size() == 1 && args[0] == "list") return listModels();
  if (args.size() == 2 && args[0] == "verify") return verifyModel(args[1]);
  if (!args.empty() && args[0] == "download") return ll::cli::runModelsDownload(std::vector<std::string>(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "verify") return fail(kExitUsage, "models verify needs exactly one model folder or repo id, e.g. `models verify rednote-hilab/dots.ocr`");
  return fail(kExitUsage, args.empty() ? std::string("models needs a subcommand: list, verify or download (see `layoutlens-cli models --help`)")
                                       : "unknown models subcommand '" + args[0] + "': use list, verify or download (see `layoutlens-cli models --help`)");
}

}  // namespace

LL_REGISTER_COMMAND("models", "list, verify or download models (Hugging Face cache)", runModels);
