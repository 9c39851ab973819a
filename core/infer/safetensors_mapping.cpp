// Maps checkpoint files instead of reading them: a 10 GB checkpoint costs no host memory beyond the page
// cache, tensors bound for the GPU are copied straight out of the mapping, and CPU tensors can point into
// it. The mapping is private (copy-on-write), so model code that modifies a weight in place gets its own
// pages instead of a crash, and the file on disk is never changed.
#include "core/infer/safetensors_mapping.h"

#include "core/infer/safetensors_error.h"

#ifdef _WIN32
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#endif

namespace ll::infer {

#ifdef _WIN32

namespace {

std::wstring widen(const std::string& utf8) {
  if (utf8.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

std::string lastErrorText() {
  const DWORD code = GetLastError();
  char* buffer = nullptr;
  const DWORD n = FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                 nullptr, code, 0, reinterpret_cast<char*>(&buffer), 0, nullptr);
  std::string text = n && buffer ? std::string(buffer, n) : "error " + std::to_string(code);
  if (buffer) LocalFree(buffer);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '.')) text.pop_back();
  return text;
}

}  // namespace

std::shared_ptr<FileMapping> FileMapping::open(const std::string& path) {
  std::shared_ptr<FileMapping> m(new FileMapping);
  m->path_ = path;
  HANDLE file = CreateFileW(widen(path).c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, nullptr,
                            OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) throw SafetensorsError(path + ": cannot open: " + lastErrorText());
  LARGE_INTEGER size{};
  if (!GetFileSizeEx(file, &size)) {
    const std::string why = lastErrorText();
    CloseHandle(file);
    throw SafetensorsError(path + ": cannot read its size: " + why);
  }
  m->size_ = static_cast<size_t>(size.QuadPart);
  if (m->size_ == 0) {  // an empty file cannot be mapped; the header check reports it
    CloseHandle(file);
    return m;
  }
  HANDLE mapping = CreateFileMappingW(file, nullptr, PAGE_WRITECOPY, 0, 0, nullptr);
  const std::string mappingError = mapping ? std::string() : lastErrorText();
  CloseHandle(file);  // the mapping keeps the file open
  if (!mapping) throw SafetensorsError(path + ": cannot map: " + mappingError);
  void* view = MapViewOfFile(mapping, FILE_MAP_COPY, 0, 0, 0);
  const std::string viewError = view ? std::string() : lastErrorText();
  CloseHandle(mapping);  // the view keeps the mapping alive
  if (!view) throw SafetensorsError(path + ": cannot map: " + viewError);
  m->data_ = static_cast<uint8_t*>(view);
  return m;
}

FileMapping::~FileMapping() {
  if (data_) UnmapViewOfFile(data_);
}

#else

std::shared_ptr<FileMapping> FileMapping::open(const std::string& path) {
  std::shared_ptr<FileMapping> m(new FileMapping);
  m->path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw SafetensorsError(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const std::string why = S_ISDIR(st.st_mode) ? "it is a folder" : "not a regular file";
    ::close(fd);
    throw SafetensorsError(path + ": cannot map: " + why);
  }
  m->size_ = static_cast<size_t>(st.st_size);
  if (m->size_ == 0) {  // mmap refuses length 0; the header check reports the empty file
    ::close(fd);
    return m;
  }
  void* p = ::mmap(nullptr, m->size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  const int mapErrno = errno;
  ::close(fd);  // the mapping keeps its own reference to the file
  if (p == MAP_FAILED) throw SafetensorsError(path + ": cannot map: " + std::strerror(mapErrno));
  m->data_ = static_cast<uint8_t*>(p);
  return m;
}

FileMapping::~FileMapping() {
  if (data_) ::munmap(data_, size_);
}

#endif

}  // namespace ll::infer
