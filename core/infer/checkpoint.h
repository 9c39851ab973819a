#pragma once
// A Hugging Face model folder's weights as one set of named tensors, whether they sit in a single
// model.safetensors or in shards listed by model.safetensors.index.json. Model code asks for tensors by
// name and never needs to know which file holds them.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/infer/safetensors.h"

namespace ll::infer {

// A model folder: model.safetensors, or model.safetensors.index.json + shards. Refuses .bin/.pt (pickle) with a
// message saying why and that a safetensors export is needed.
class Checkpoint {
 public:
  // Opens (maps) every shard and validates every header. Throws SafetensorsError.
  static Checkpoint open(const std::string& modelDir);

  const std::string& directory() const { return directory_; }
  std::vector<std::string> names() const;  // sorted
  size_t size() const { return index_.size(); }
  const TensorInfo* find(const std::string& name) const;
  bool contains(const std::string& name) const { return find(name) != nullptr; }
  // The shard that holds `name` (nullptr if absent); see SafetensorsFile::load for memory use.
  const SafetensorsFile* fileOf(const std::string& name) const;
  const std::vector<std::shared_ptr<const SafetensorsFile>>& files() const { return files_; }  // index order
  uint64_t totalBytes() const;  // sum of all tensors' bytes

  // Throws SafetensorsError if absent.
  at::Tensor load(const std::string& name, const c10::Device& device, std::optional<c10::ScalarType> dtype = std::nullopt) const;
  // Loads every tensor whose name does not start with one of skipPrefixes (e.g. "model.audio_tower.");
  // shard by shard so peak host memory stays near one shard.
  std::map<std::string, at::Tensor> loadAll(const c10::Device& device, std::optional<c10::ScalarType> dtype,
                                            const std::vector<std::string>& skipPrefixes = {}) const;
  // Verifies that every (name, shape) in `expected` exists with that shape; throws one error naming ALL the
  // missing and misshaped tensors (first 20, then a count).
  void requireShapes(const std::vector<std::pair<std::string, std::vector<int64_t>>>& expected) const;

 private:
  struct Entry {
    size_t file;
    const TensorInfo* info;
  };
  std::string directory_;
  std::vector<std::shared_ptr<const SafetensorsFile>> files_;
  std::map<std::string, Entry> index_;
};

}  // namespace ll::infer
