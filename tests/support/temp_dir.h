#pragma once
// A folder under the system temp directory that exists for one test and is removed with everything in it
// afterwards. Shared by the Qt-free tests (Qt tests use QTemporaryDir). Names carry a prefix, a random part
// and a counter, so tests run in parallel by ctest never share a folder.
#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace ll::test_support {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "ll-test") {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            (prefix + "-" + std::to_string(std::random_device{}()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace ll::test_support
