#pragma once
// A whole file mapped into memory, shared by the tensors that point into it. Torch-free so the
// platform code (POSIX mmap, Windows file mappings) can be compiled and tested on its own.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ll::infer {

class FileMapping {
 public:
  // Maps `path` copy-on-write: readers see the file, a writer gets private pages and never changes the
  // file. Throws SafetensorsError naming the file and the system's reason.
  static std::shared_ptr<FileMapping> open(const std::string& path);
  ~FileMapping();
  FileMapping(const FileMapping&) = delete;
  FileMapping& operator=(const FileMapping&) = delete;

  const std::string& path() const { return path_; }
  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  FileMapping() = default;
  std::string path_;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace ll::infer
