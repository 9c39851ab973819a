#pragma once
// Turns what a user types for a model (a folder, a Hugging Face cache folder, or a repo id such as
// rednote-hilab/dots.ocr) into the snapshot folder that holds config.json and the weights, without any
// network access: models come from the local Hugging Face cache that `hf download` fills.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ll::infer {

struct ResolvedModel {
  std::string directory;  // absolute path of the folder with config.json
  // "org/name" when resolved from a repo id or found inside a cache (models--org--name/snapshots/<hash>);
  // "" for a plain folder.
  std::string repoId;
  std::string revision;  // commit hash from the snapshot folder's name, if known
};

class ModelNotFoundError : public std::runtime_error {
 public:
  ModelNotFoundError(const std::string& message, std::vector<std::string> searchedPlaces)
      : std::runtime_error(message), searched(std::move(searchedPlaces)) {}
  std::vector<std::string> searched;  // every folder that was looked at
};

// Accepts: a snapshot folder (has config.json), a cache folder models--org--name (follows refs/main ->
// snapshots/<hash>), or a repo id org/name looked up under $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub
// (in that order; also $XDG_CACHE_HOME/huggingface/hub before the last, as huggingface_hub does;
// repo ids are case-insensitive on the hub: match models--org--name case-insensitively).
// A miss lists every place it looked and says how to get the model.
ResolvedModel resolveModel(const std::string& dirOrRepoId);

struct HubCacheRoot {
  std::string path;
  std::string origin;  // "HF_HUB_CACHE", "HF_HOME/hub", "XDG_CACHE_HOME/huggingface/hub", "~/.cache/huggingface/hub"
};
// The cache folders resolveModel searches, in order; unset variables are skipped, duplicates removed.
std::vector<HubCacheRoot> hubCacheRoots();

struct CachedModel {
  std::string repoId;       // "org/name" from the folder name
  std::string cacheFolder;  // .../models--org--name
  std::string directory;    // the snapshot refs/main points to; "" if it cannot be resolved
  std::string revision;
  uint64_t bytes = 0;       // size of the snapshot's files (following the cache's symlinks into blobs/)
  std::string problem;      // why `directory` is empty
};
// Every models--* folder in every cache root: root by root in search order, by repo id within a root.
std::vector<CachedModel> listCachedModels();

}  // namespace ll::infer
