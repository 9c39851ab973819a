// What breaks first when the Qt-free core runs on Windows: UTF-8 paths with non-ASCII characters (the
// narrow Windows APIs use the ANSI code page), CRLF line endings in files written by Windows tools,
// environment variables with non-ASCII folders, and paths longer than MAX_PATH. Runs on Linux with the
// other core tests and, cross-built with mingw-w64, under wine (tools/mingw), so these bugs show up in CI.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/infer/hub_resolver.h"
#include "core/infer/json_file.h"
#include "core/layout/layout_parser.h"
#include "support/temp_dir.h"

#ifdef _WIN32
#include <windows.h>
#endif

namespace fs = std::filesystem;
using ll::test_support::TempDir;

namespace {

const std::string kNonAscii = u8"Modelle \u00fc\u00df \u6a21\u578b \u2713";  // "Modelle üß 模型 ✓"

void writeText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Sets a variable from UTF-8, the way a user's environment holds it (UTF-16 on Windows).
void setEnvUtf8(const char* name, const std::string& value) {
#ifdef _WIN32
  const std::wstring wname = fs::u8path(name).wstring();
  const std::wstring wvalue = fs::u8path(value).wstring();
  ASSERT_TRUE(SetEnvironmentVariableW(wname.c_str(), wvalue.c_str()));
  ASSERT_EQ(_wputenv_s(wname.c_str(), wvalue.c_str()), 0);
#else
  ASSERT_EQ(setenv(name, value.c_str(), 1), 0);
#endif
}

void unsetEnv(const char* name) {
#ifdef _WIN32
  const std::wstring wname = fs::u8path(name).wstring();
  SetEnvironmentVariableW(wname.c_str(), nullptr);
  _wputenv_s(wname.c_str(), L"");
#else
  unsetenv(name);
#endif
}

class EnvGuard {
 public:
  explicit EnvGuard(const char* name) : name_(name) {
    const char* v = std::getenv(name);
    had_ = v != nullptr;
    if (had_) old_ = v;
  }
  ~EnvGuard() {
    if (had_) setEnvUtf8(name_, old_);
    else unsetEnv(name_);
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

}  // namespace

TEST(WindowsPortability, ModelFolderWithNonAsciiNameResolves) {
  TempDir tmp("ll-portability");
  const fs::path dir = tmp.path() / fs::u8path(kNonAscii);
  writeText(dir / "config.json", "{\"model_type\": \"dots_ocr\"}");
  const std::string given = (tmp.path() / fs::u8path(kNonAscii)).u8string();
  const auto resolved = ll::infer::resolveModel(given);
  EXPECT_EQ(fs::u8path(resolved.directory).filename().u8string(), kNonAscii);
  EXPECT_EQ(ll::infer::readJsonFile(resolved.directory + "/config.json")["model_type"], "dots_ocr");
}

TEST(WindowsPortability, RefsMainWrittenWithCrlfResolves) {
  TempDir tmp("ll-portability");
  const std::string commit = "0123456789abcdef0123456789abcdef01234567";
  const fs::path cache = tmp.path() / "models--acme--tiny";
  writeText(cache / "refs" / "main", commit + "\r\n");
  writeText(cache / "snapshots" / commit / "config.json", "{\r\n  \"model_type\": \"gemma3n\"\r\n}\r\n");
  const auto resolved = ll::infer::resolveModel(cache.u8string());
  EXPECT_EQ(resolved.revision, commit);
  EXPECT_EQ(resolved.repoId, "acme/tiny");
  EXPECT_EQ(ll::infer::readJsonFile(resolved.directory + "/config.json")["model_type"], "gemma3n");
}

TEST(WindowsPortability, CacheRootFromNonAsciiEnvironmentVariable) {
  TempDir tmp("ll-portability");
  const fs::path root = tmp.path() / fs::u8path(kNonAscii) / "hub";
  const std::string commit = "89abcdef0123456789abcdef0123456789abcdef";
  writeText(root / "models--rednote-hilab--dots.ocr" / "refs" / "main", commit);
  writeText(root / "models--rednote-hilab--dots.ocr" / "snapshots" / commit / "config.json", "{}");
  EnvGuard guard("HF_HUB_CACHE");
  setEnvUtf8("HF_HUB_CACHE", root.u8string());
  const auto roots = ll::infer::hubCacheRoots();
  ASSERT_FALSE(roots.empty());
  EXPECT_EQ(fs::u8path(roots.front().path), root.lexically_normal());
  const auto resolved = ll::infer::resolveModel("rednote-hilab/dots.ocr");
  EXPECT_EQ(resolved.revision, commit);
}

TEST(WindowsPortability, PathsLongerThanMaxPathResolve) {
  TempDir tmp("ll-portability");
  fs::path dir = tmp.path();
  while (dir.u8string().size() < 300) dir /= "a-fairly-long-folder-name-for-drawings";
  writeText(dir / "config.json", "{\"model_type\": \"dots_ocr\"}");
  ASSERT_TRUE(fs::exists(dir / "config.json")) << "could not create a path of " << dir.u8string().size() << " characters";
  const auto resolved = ll::infer::resolveModel(dir.u8string());
  EXPECT_GT(resolved.directory.size(), 260u);
  EXPECT_EQ(ll::infer::readJsonFile(resolved.directory + "/config.json")["model_type"], "dots_ocr");
}

TEST(WindowsPortability, LayoutOutputWithCrlfParsesLikeLf) {
  const std::string lf = "[{\"bbox\": [10, 20, 110, 220], \"category\": \"Text\", \"text\": \"Bracket\\nRev B\"},\n"
                         " {\"bbox\": [5, 5, 50, 50], \"category\": \"Picture\"}]";
  std::string crlf;
  for (char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  const auto a = ll::layout::parseLayoutOutput(lf);
  const auto b = ll::layout::parseLayoutOutput(crlf);
  ASSERT_EQ(a.cells.size(), 2u);
  ASSERT_EQ(b.cells.size(), 2u);
  EXPECT_EQ(b.status, ll::layout::ParseStatus::Ok) << b.reason;
  EXPECT_EQ(b.cells[0].text, "Bracket\nRev B");
  EXPECT_EQ(b.cells[1].bbox, a.cells[1].bbox);
}
