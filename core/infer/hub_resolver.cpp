// Follows the Hugging Face hub cache layout (models--org--name/{refs/main, snapshots/<commit>/, blobs/})
// so models downloaded with the hub tools work without copying or renaming anything.
#include "core/infer/hub_resolver.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

namespace ll::infer {
namespace fs = std::filesystem;

namespace {

constexpr const char* kCachePrefix = "models--";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string env(const char* name) {
#ifdef _WIN32
  // getenv answers in the ANSI code page, which cannot hold every folder name (a cache under "模型" or
  // "Müller" breaks); the UTF-16 environment can, converted to the UTF-8 used everywhere here.
  const std::wstring wideName(name, name + std::strlen(name));
  const wchar_t* v = _wgetenv(wideName.c_str());
  return v ? fs::path(v).u8string() : std::string();
#else
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
#endif
}

std::string absoluteText(const fs::path& p) {
  std::error_code ec;
  const fs::path a = fs::absolute(p, ec);
  return (ec ? p : a).lexically_normal().u8string();
}

bool isDir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

bool hasConfig(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "config.json", ec);
}

// "models--org--name" -> "org/name"; repo names cannot contain "--", so the first one separates.
std::string repoIdFromFolderName(const std::string& folder) {
  std::string rest = folder.substr(std::string(kCachePrefix).size());
  const auto sep = rest.find("--");
  if (sep != std::string::npos) rest.replace(sep, 2, "/");
  return rest;
}

std::string downloadHint(const std::string& repoId) {
  return "download it on a machine with network access (`hf download " + repoId +
         "`) and copy its models--* folder into one of these caches, or pass the model's folder";
}

// models--org--name -> its snapshot, via refs/main (or the only snapshot there is).
ResolvedModel resolveCacheFolder(const fs::path& cacheFolder) {
  const std::string folderText = absoluteText(cacheFolder);
  const std::string repoId = repoIdFromFolderName(cacheFolder.filename().u8string());
  const fs::path snapshots = cacheFolder / "snapshots";
  std::string revision;
  std::ifstream ref(cacheFolder / "refs" / "main");
  if (ref) {
    std::getline(ref, revision);
    while (!revision.empty() && std::isspace(static_cast<unsigned char>(revision.back()))) revision.pop_back();
    if (revision.empty()) throw ModelNotFoundError(folderText + ": refs/main is empty; " + downloadHint(repoId), {folderText});
    if (!isDir(snapshots / fs::u8path(revision)))
      throw ModelNotFoundError(folderText + ": refs/main names revision " + revision + " but snapshots/" + revision +
                                   " is missing: the download did not finish; " + downloadHint(repoId),
                               {folderText});
  } else {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(snapshots, ec))
      if (isDir(e.path())) found.push_back(e.path().filename().u8string());
    std::sort(found.begin(), found.end());
    if (found.empty())
      throw ModelNotFoundError(folderText + ": has no refs/main and no snapshots: the download did not finish; " + downloadHint(repoId),
                               {folderText});
    if (found.size() > 1)
      throw ModelNotFoundError(folderText + ": has no refs/main and " + std::to_string(found.size()) + " snapshots (" + found.front() +
                                   ", ...); pass the snapshot folder you want, e.g. " + (snapshots / found.front()).u8string(),
                               {folderText});
    revision = found.front();
  }
  const fs::path snapshot = snapshots / fs::u8path(revision);
  if (!hasConfig(snapshot))
    throw ModelNotFoundError(absoluteText(snapshot) + ": has no config.json: the download is incomplete; " + downloadHint(repoId),
                             {folderText});
  return {absoluteText(snapshot), repoId, revision};
}

bool looksLikeRepoId(const std::string& s) {
  static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
  return std::regex_match(s, pattern) && s.find("..") == std::string::npos;
}

}  // namespace

std::vector<HubCacheRoot> hubCacheRoots() {
  std::vector<HubCacheRoot> roots;
  auto add = [&](const std::string& base, const char* suffix, const char* origin) {
    if (base.empty()) return;
    fs::path p = fs::u8path(base);
    if (suffix) p /= fs::u8path(suffix);
    const std::string text = absoluteText(p);
    if (std::none_of(roots.begin(), roots.end(), [&](const HubCacheRoot& r) { return r.path == text; })) roots.push_back({text, origin});
  };
  add(env("HF_HUB_CACHE"), nullptr, "HF_HUB_CACHE");
  add(env("HF_HOME"), "hub", "HF_HOME/hub");
  add(env("XDG_CACHE_HOME"), "huggingface/hub", "XDG_CACHE_HOME/huggingface/hub");
  std::string home = env("HOME");
#ifdef _WIN32
  if (home.empty()) home = env("USERPROFILE");
#endif
  add(home, ".cache/huggingface/hub", "~/.cache/huggingface/hub");
  return roots;
}

ResolvedModel resolveModel(const std::string& dirOrRepoId) {
  if (dirOrRepoId.empty()) throw ModelNotFoundError("no model given: pass a model folder or a Hugging Face repo id such as org/name", {});
  const fs::path given = fs::u8path(dirOrRepoId);
  if (isDir(given)) {
    const std::string text = absoluteText(given);
    if (hasConfig(given)) {
      ResolvedModel r{text, "", ""};
      // A snapshot inside a hub cache still knows its repo and revision.
      const fs::path normal = fs::u8path(text);
      const fs::path parent = normal.parent_path();
      const std::string cacheName = parent.parent_path().filename().u8string();
      if (parent.filename() == "snapshots" && cacheName.rfind(kCachePrefix, 0) == 0) {
        r.repoId = repoIdFromFolderName(cacheName);
        r.revision = normal.filename().u8string();
      }
      return r;
    }
    if (isDir(given / "snapshots")) return resolveCacheFolder(fs::u8path(text));
    throw ModelNotFoundError(text + ": has no config.json; pass a model folder (config.json and weights), a Hugging Face cache folder "
                                    "(models--org--name) or a repo id such as org/name",
                             {text});
  }
  std::error_code ec;
  if (fs::exists(given, ec))
    throw ModelNotFoundError(absoluteText(given) + ": is a file; pass the folder that holds config.json and the weights", {absoluteText(given)});
  if (!looksLikeRepoId(dirOrRepoId))
    throw ModelNotFoundError(absoluteText(given) + ": no such folder (and not a repo id like org/name)", {absoluteText(given)});

  std::string folderName = dirOrRepoId;
  const auto slash = folderName.find('/');
  if (slash != std::string::npos) folderName.replace(slash, 1, "--");
  folderName = kCachePrefix + folderName;
  const std::string wanted = lower(folderName);

  std::vector<std::string> searched;
  std::string places;
  for (const auto& root : hubCacheRoots()) {
    searched.push_back(root.path);
    const bool exists = isDir(fs::u8path(root.path));
    places += (places.empty() ? "" : ", ") + root.path + " [" + root.origin + (exists ? "" : ", does not exist") + "]";
    if (!exists) continue;
    fs::path match;
    for (const auto& e : fs::directory_iterator(fs::u8path(root.path), ec)) {
      const std::string name = e.path().filename().u8string();
      if (lower(name) != wanted || !isDir(e.path())) continue;
      // Prefer the exact spelling; otherwise the first case variant in name order, so the choice is stable.
      if (name == folderName || match.empty() || (match.filename().u8string() != folderName && name < match.filename().u8string()))
        match = e.path();
    }
    if (!match.empty()) return resolveCacheFolder(match);
  }
  if (searched.empty())
    throw ModelNotFoundError("model '" + dirOrRepoId + "' not found: no Hugging Face cache to look in (HF_HUB_CACHE, HF_HOME and HOME are unset); " +
                                 downloadHint(dirOrRepoId),
                             searched);
  throw ModelNotFoundError("model '" + dirOrRepoId + "' not found: no folder of that name, and no " + folderName + " (any letter case) in " + places + "; " +
                               downloadHint(dirOrRepoId),
                           searched);
}

std::vector<CachedModel> listCachedModels() {
  std::vector<CachedModel> all;
  for (const auto& root : hubCacheRoots()) {
    std::vector<CachedModel> inRoot;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::u8path(root.path), ec)) {
      const std::string name = e.path().filename().u8string();
      if (name.rfind(kCachePrefix, 0) != 0 || !isDir(e.path())) continue;
      CachedModel m;
      m.repoId = repoIdFromFolderName(name);
      m.cacheFolder = absoluteText(e.path());
      try {
        const ResolvedModel r = resolveCacheFolder(e.path());
        m.directory = r.directory;
        m.revision = r.revision;
        std::error_code walk;
        for (fs::recursive_directory_iterator it(fs::u8path(m.directory), walk), end; !walk && it != end; it.increment(walk)) {
          std::error_code sizeError;
          if (it->is_regular_file(sizeError)) {  // follows the snapshot's symlinks into blobs/
            const auto size = it->file_size(sizeError);
            if (!sizeError) m.bytes += size;
          }
        }
      } catch (const ModelNotFoundError& err) {
        m.problem = err.what();
      }
      inRoot.push_back(std::move(m));
    }
    std::sort(inRoot.begin(), inRoot.end(), [](const CachedModel& a, const CachedModel& b) { return lower(a.repoId) < lower(b.repoId); });
    all.insert(all.end(), inRoot.begin(), inRoot.end());
  }
  return all;
}

}  // namespace ll::infer
