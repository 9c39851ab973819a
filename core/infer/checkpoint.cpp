// Finds the weight files of a model folder the way transformers does (model.safetensors first, then the
// sharded index), cross-checks the index against the shards, and refuses pickle checkpoints: loading
// those needs Python's unpickler, which can run arbitrary code from the file.
#include "core/infer/checkpoint.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>

#include "core/infer/json_file.h"

namespace ll::infer {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Why the folder has no usable weights, for the error message.
[[noreturn]] void explainMissingWeights(const std::string& dir) {
  std::vector<std::string> pickles, safetensors;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::u8path(dir), ec)) {
    const std::string name = entry.path().filename().u8string();
    if (endsWith(name, ".bin") || endsWith(name, ".bin.index.json") || endsWith(name, ".pt") || endsWith(name, ".pth") ||
        endsWith(name, ".ckpt"))
      pickles.push_back(name);
    else if (endsWith(name, ".safetensors"))
      safetensors.push_back(name);
  }
  std::sort(pickles.begin(), pickles.end());
  std::sort(safetensors.begin(), safetensors.end());
  if (!safetensors.empty())
    throw SafetensorsError(dir + ": has " + safetensors.front() + (safetensors.size() > 1 ? " and others" : "") + " but neither " +
                           kSingleFile + " nor " + kIndexFile + " to say which files form the model; copy the complete model folder");
  if (!pickles.empty())
    throw SafetensorsError(dir + ": has only PyTorch pickle weights (" + pickles.front() +
                           "), which LayoutLens does not load: unpickling can run code hidden in the file and needs Python. "
                           "Export the model once as safetensors (in Python: model.save_pretrained(out_dir, safe_serialization=True)) and use that folder");
  throw SafetensorsError(dir + ": no " + kSingleFile + " or " + kIndexFile + " here; pass the folder that holds the model's config.json and weights");
}

// Shard names come from a file we do not control; keep them inside the model folder.
void checkShardName(const std::string& indexPath, const std::string& tensor, const std::string& shard) {
  const fs::path p = fs::u8path(shard);
  bool escapes = p.empty() || p.is_absolute() || p.has_root_name();
  for (const auto& part : p)
    if (part == "..") escapes = true;
  if (escapes)
    throw SafetensorsError(indexPath + ": tensor '" + tensor + "' is mapped to '" + shard + "', which is not a file inside the model folder");
}

}  // namespace

Checkpoint Checkpoint::open(const std::string& modelDir) {
  Checkpoint ck;
  ck.directory_ = modelDir;
  const fs::path dir = fs::u8path(modelDir);
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw SafetensorsError(modelDir + ": model folder does not exist");
  if (!fs::is_directory(dir, ec)) throw SafetensorsError(modelDir + ": is not a folder; pass the folder that holds config.json and the weights");

  // shard file name -> tensors the index assigns to it (empty for a single file)
  std::vector<std::pair<std::string, std::vector<std::string>>> shards;
  std::string indexPath;
  if (fs::is_regular_file(dir / kSingleFile, ec)) {
    shards.push_back({kSingleFile, {}});
  } else if (fs::is_regular_file(dir / kIndexFile, ec)) {
    indexPath = (dir / kIndexFile).u8string();
    nlohmann::json index;
    try {
      index = readJsonFile(indexPath);
    } catch (const JsonFileError& e) {
      throw SafetensorsError(e.what());
    }
    const auto map = index.is_object() ? index.find("weight_map") : index.end();
    if (map == index.end() || !map->is_object() || map->empty())
      throw SafetensorsError(indexPath + ": has no \"weight_map\" object naming the shard of each tensor");
    std::map<std::string, size_t> shardSlot;
    for (auto it = map->begin(); it != map->end(); ++it) {
      if (!it->is_string()) throw SafetensorsError(indexPath + ": weight_map entry for tensor '" + it.key() + "' is not a file name");
      const std::string shard = it->get<std::string>();
      checkShardName(indexPath, it.key(), shard);
      auto [slot, added] = shardSlot.emplace(shard, shards.size());
      if (added) shards.push_back({shard, {}});
      shards[slot->second].second.push_back(it.key());
    }
  } else {
    explainMissingWeights(modelDir);
  }

  for (size_t i = 0; i < shards.size(); ++i) {
    const auto& [shardName, listed] = shards[i];
    const fs::path shardPath = dir / fs::u8path(shardName);
    if (!fs::is_regular_file(shardPath, ec))
      throw SafetensorsError(indexPath + ": names shard " + shardName + ", which is missing from " + modelDir +
                             ": the download is incomplete; download the model again");
    std::shared_ptr<const SafetensorsFile> file = SafetensorsFile::open(shardPath.u8string());
    for (const auto& name : listed)
      if (!file->find(name))
        throw SafetensorsError(indexPath + ": lists tensor '" + name + "' in " + shardName +
                               ", which does not hold it: the index and shards come from different versions; download the model again");
    for (const auto& info : file->tensors()) {
      const auto [it, added] = ck.index_.emplace(info.name, Entry{i, &info});
      if (!added)
        throw SafetensorsError(shardPath.u8string() + ": tensor '" + info.name + "' is also in " + ck.files_[it->second.file]->path() +
                               "; a model folder must hold each tensor once");
    }
    ck.files_.push_back(std::move(file));
  }
  return ck;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& entry : index_) out.push_back(entry.first);
  return out;
}

const TensorInfo* Checkpoint::find(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second.info;
}

const SafetensorsFile* Checkpoint::fileOf(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : files_[it->second.file].get();
}

uint64_t Checkpoint::totalBytes() const {
  uint64_t total = 0;
  for (const auto& entry : index_) total += entry.second.info->byteSize();
  return total;
}

at::Tensor Checkpoint::load(const std::string& name, const c10::Device& device, std::optional<c10::ScalarType> dtype) const {
  const auto it = index_.find(name);
  if (it == index_.end()) throw SafetensorsError(directory_ + ": the checkpoint has no tensor '" + name + "'");
  return files_[it->second.file]->load(name, device, dtype);
}

std::map<std::string, at::Tensor> Checkpoint::loadAll(const c10::Device& device, std::optional<c10::ScalarType> dtype,
                                                      const std::vector<std::string>& skipPrefixes) const {
  std::map<std::string, at::Tensor> out;
  // File by file, in file order: reads stay sequential and only one shard's pages are hot at a time.
  // (madvise(MADV_WILLNEED) on the next tensor was tried: no gain on the GPU machine, whose disk is the limit.)
  for (size_t f = 0; f < files_.size(); ++f)
    for (const auto& info : files_[f]->tensors()) {
      const bool skipped = std::any_of(skipPrefixes.begin(), skipPrefixes.end(),
                                       [&](const std::string& prefix) { return info.name.compare(0, prefix.size(), prefix) == 0; });
      if (!skipped) out.emplace(info.name, files_[f]->load(info.name, device, dtype));
    }
  return out;
}

void Checkpoint::requireShapes(const std::vector<std::pair<std::string, std::vector<int64_t>>>& expected) const {
  constexpr size_t kListed = 20;
  std::vector<std::string> problems;
  size_t missing = 0, misshaped = 0;
  for (const auto& [name, shape] : expected) {
    const TensorInfo* info = find(name);
    if (!info) {
      ++missing;
      problems.push_back("missing " + name + " " + shapeText(shape));
    } else if (info->shape != shape) {
      ++misshaped;
      problems.push_back(name + " is " + shapeText(info->shape) + ", expected " + shapeText(shape));
    }
  }
  if (problems.empty()) return;
  std::string message = directory_ + ": the checkpoint does not match the model (" + std::to_string(missing) + " missing, " +
                        std::to_string(misshaped) + " with the wrong shape): ";
  for (size_t i = 0; i < problems.size() && i < kListed; ++i) message += (i ? "; " : "") + problems[i];
  if (problems.size() > kListed) message += "; and " + std::to_string(problems.size() - kListed) + " more";
  throw SafetensorsError(message + ". Check that the folder holds the model its config.json names, complete and unmodified");
}

}  // namespace ll::infer
