// resolveModel and listCachedModels against a fake Hugging Face cache (refs/main, snapshots/, blobs/ with
// symlinks) built in a temp folder, with HF_HUB_CACHE, HF_HOME and HOME set per test.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "core/infer/hub_resolver.h"

namespace fs = std::filesystem;
using ll::infer::ModelNotFoundError;
using ll::infer::resolveModel;

namespace {

void setEnv(const char* name, const std::optional<std::string>& value) {
#ifdef _WIN32
  _putenv_s(name, value ? value->c_str() : "");
#else
  if (value)
    setenv(name, value->c_str(), 1);
  else
    unsetenv(name);
#endif
}

void writeText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class HubResolver : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    root_ = fs::temp_directory_path() / ("ll-hub-test-" + std::to_string(reinterpret_cast<uintptr_t>(this)) + "-" + std::to_string(counter++));
    fs::create_directories(root_);
    for (const char* name : {"HF_HUB_CACHE", "HF_HOME", "HOME", "XDG_CACHE_HOME", "USERPROFILE"}) {
      const char* v = std::getenv(name);
      saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
      setEnv(name, std::nullopt);
    }
    hubCache_ = root_ / "hubcache";
    hfHome_ = root_ / "hfhome";
    home_ = root_ / "home";
    setEnv("HF_HUB_CACHE", hubCache_.string());
    setEnv("HF_HOME", hfHome_.string());
    setEnv("HOME", home_.string());
  }
  void TearDown() override {
    for (const auto& [name, value] : saved_) setEnv(name.c_str(), value);
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // models--<folder>/ with one snapshot per revision, files stored in blobs/ and linked from the snapshot
  // as the hub does; refs/main names `mainRevision` unless it is empty.
  fs::path makeCachedModel(const fs::path& cacheRoot, const std::string& folder, const std::vector<std::string>& revisions,
                           const std::string& mainRevision, const std::string& modelType = "qwen2") {
    const fs::path repo = cacheRoot / ("models--" + folder);
    for (const auto& rev : revisions) {
      const fs::path blob = repo / "blobs" / ("config-" + rev);
      writeText(blob, "{\"model_type\": \"" + modelType + "\", \"revision\": \"" + rev + "\"}");
      writeText(repo / "blobs" / ("weights-" + rev), std::string(100, 'x'));
      const fs::path snap = repo / "snapshots" / rev;
      fs::create_directories(snap);
      std::error_code ec;
      fs::create_symlink(fs::path("../../blobs") / ("config-" + rev), snap / "config.json", ec);
      if (ec) fs::copy_file(blob, snap / "config.json");  // filesystems without symlinks: the hub copies too
      fs::create_symlink(fs::path("../../blobs") / ("weights-" + rev), snap / "model.safetensors", ec);
      if (ec) fs::copy_file(repo / "blobs" / ("weights-" + rev), snap / "model.safetensors");
    }
    if (!mainRevision.empty()) writeText(repo / "refs" / "main", mainRevision + "\n");
    return repo;
  }

  std::string errorOf(const std::string& arg, std::vector<std::string>* searched = nullptr) {
    try {
      resolveModel(arg);
    } catch (const ModelNotFoundError& e) {
      if (searched) *searched = e.searched;
      return e.what();
    }
    return "(no ModelNotFoundError)";
  }

  fs::path root_, hubCache_, hfHome_, home_;
  std::map<std::string, std::optional<std::string>> saved_;
};

std::string abs(const fs::path& p) { return fs::absolute(p).lexically_normal().string(); }

}  // namespace

TEST_F(HubResolver, PlainFolderWithConfig) {
  writeText(root_ / "mymodel" / "config.json", "{}");
  const auto r = resolveModel((root_ / "mymodel").string());
  EXPECT_EQ(r.directory, abs(root_ / "mymodel"));
  EXPECT_EQ(r.repoId, "");
  EXPECT_EQ(r.revision, "");
}

TEST_F(HubResolver, SnapshotFolderKnowsItsRepoAndRevision) {
  const fs::path repo = makeCachedModel(hubCache_, "Org--Model", {"1111aaaa"}, "1111aaaa");
  const auto r = resolveModel((repo / "snapshots" / "1111aaaa").string());
  EXPECT_EQ(r.directory, abs(repo / "snapshots" / "1111aaaa"));
  EXPECT_EQ(r.repoId, "Org/Model");
  EXPECT_EQ(r.revision, "1111aaaa");
}

TEST_F(HubResolver, CacheFolderFollowsRefsMain) {
  const fs::path repo = makeCachedModel(root_ / "elsewhere", "org--model", {"aaaa", "bbbb", "cccc"}, "bbbb");
  const auto r = resolveModel(repo.string());
  EXPECT_EQ(r.directory, abs(repo / "snapshots" / "bbbb"));
  EXPECT_EQ(r.repoId, "org/model");
  EXPECT_EQ(r.revision, "bbbb");
}

TEST_F(HubResolver, CacheFolderWithoutRefsUsesTheOnlySnapshot) {
  const fs::path one = makeCachedModel(root_ / "c1", "org--one", {"abcd"}, "");
  EXPECT_EQ(resolveModel(one.string()).revision, "abcd");
  const fs::path two = makeCachedModel(root_ / "c2", "org--two", {"abcd", "ef01"}, "");
  const std::string e = errorOf(two.string());
  EXPECT_NE(e.find("2 snapshots"), std::string::npos) << e;
  EXPECT_NE(e.find("pass the snapshot folder"), std::string::npos) << e;
}

TEST_F(HubResolver, RefsMainToAMissingSnapshot) {
  makeCachedModel(hubCache_, "org--model", {"aaaa"}, "ffff");
  const std::string e = errorOf("org/model");
  EXPECT_NE(e.find("ffff"), std::string::npos) << e;
  EXPECT_NE(e.find("did not finish"), std::string::npos) << e;
  EXPECT_NE(e.find("hf download org/model"), std::string::npos) << e;
}

TEST_F(HubResolver, RepoIdSearchesTheCachesInOrder) {
  makeCachedModel(home_ / ".cache" / "huggingface" / "hub", "org--model", {"home1"}, "home1");
  EXPECT_EQ(resolveModel("org/model").revision, "home1");
  makeCachedModel(hfHome_ / "hub", "org--model", {"hfhome1"}, "hfhome1");
  EXPECT_EQ(resolveModel("org/model").revision, "hfhome1");
  makeCachedModel(hubCache_, "org--model", {"hubcache1"}, "hubcache1");
  const auto r = resolveModel("org/model");
  EXPECT_EQ(r.revision, "hubcache1");
  EXPECT_EQ(r.repoId, "org/model");
  EXPECT_EQ(r.directory, abs(hubCache_ / "models--org--model" / "snapshots" / "hubcache1"));
}

TEST_F(HubResolver, RepoIdIsCaseInsensitive) {
  makeCachedModel(hubCache_, "Rednote-Hilab--Dots.OCR", {"c0ffee"}, "c0ffee");
  const auto r = resolveModel("rednote-hilab/dots.ocr");
  EXPECT_EQ(r.revision, "c0ffee");
  EXPECT_EQ(r.repoId, "Rednote-Hilab/Dots.OCR");  // the spelling on disk
}

TEST_F(HubResolver, LegacyRepoIdWithoutOrganisation) {
  makeCachedModel(hubCache_, "gpt2", {"0123"}, "0123");
  EXPECT_EQ(resolveModel("gpt2").repoId, "gpt2");
}

TEST_F(HubResolver, MissListsEveryPlaceAndHowToGetTheModel) {
  fs::create_directories(hubCache_);
  std::vector<std::string> searched;
  const std::string e = errorOf("google/gemma-3n-E4B-it", &searched);
  const std::vector<std::string> expected{abs(hubCache_), abs(hfHome_ / "hub"), abs(home_ / ".cache" / "huggingface" / "hub")};
  EXPECT_EQ(searched, expected);
  for (const auto& place : expected) EXPECT_NE(e.find(place), std::string::npos) << e;
  EXPECT_NE(e.find("models--google--gemma-3n-E4B-it"), std::string::npos) << e;
  EXPECT_NE(e.find("[HF_HOME/hub, does not exist]"), std::string::npos) << e;
  EXPECT_NE(e.find("hf download google/gemma-3n-E4B-it"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST_F(HubResolver, DuplicateCacheRootsAreSearchedOnce) {
  setEnv("HF_HUB_CACHE", (hfHome_ / "hub").string());
  std::vector<std::string> searched;
  errorOf("org/model", &searched);
  EXPECT_EQ(searched.size(), 2u);
}

TEST_F(HubResolver, BadArguments) {
  writeText(root_ / "noconfig" / "weights.safetensors", "x");
  EXPECT_NE(errorOf((root_ / "noconfig").string()).find("has no config.json"), std::string::npos);
  EXPECT_NE(errorOf((root_ / "noconfig" / "weights.safetensors").string()).find("is a file"), std::string::npos);
  EXPECT_NE(errorOf((root_ / "missing" / "model").string() + "/x").find("no such folder"), std::string::npos);
  EXPECT_NE(errorOf("").find("no model given"), std::string::npos);
  const fs::path repo = makeCachedModel(hubCache_, "org--broken", {"aaaa"}, "aaaa");
  fs::remove(repo / "snapshots" / "aaaa" / "config.json");
  EXPECT_NE(errorOf("org/broken").find("has no config.json"), std::string::npos);
}

TEST_F(HubResolver, ListsCachedModels) {
  makeCachedModel(hubCache_, "zeta--model", {"z1"}, "z1", "gemma3n");
  makeCachedModel(hubCache_, "Alpha--model", {"a1", "a2"}, "a2", "dots_ocr");
  makeCachedModel(hubCache_, "org--broken", {"b1"}, "missing");
  makeCachedModel(home_ / ".cache" / "huggingface" / "hub", "org--inhome", {"h1"}, "h1");
  fs::create_directories(hubCache_ / "datasets--org--data");
  const auto models = ll::infer::listCachedModels();
  ASSERT_EQ(models.size(), 4u);
  EXPECT_EQ(models[0].repoId, "Alpha/model");
  EXPECT_EQ(models[0].revision, "a2");
  EXPECT_EQ(models[0].directory, abs(hubCache_ / "models--Alpha--model" / "snapshots" / "a2"));
  const auto configSize = fs::file_size(hubCache_ / "models--Alpha--model" / "blobs" / "config-a2");
  EXPECT_EQ(models[0].bytes, configSize + 100u);
  EXPECT_EQ(models[1].repoId, "org/broken");
  EXPECT_TRUE(models[1].directory.empty());
  EXPECT_NE(models[1].problem.find("missing"), std::string::npos) << models[1].problem;
  EXPECT_EQ(models[2].repoId, "zeta/model");
  EXPECT_EQ(models[3].repoId, "org/inhome");  // later root, listed after the first root's models
}
