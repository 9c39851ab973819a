#pragma once
// Reads Hugging Face .safetensors files: the header is validated when the file is opened, the data is
// memory-mapped and each tensor is copied straight from the mapping to where it is needed.
// Keep this header out of Qt code: it pulls in ATen's Tensor (the CLI and tools include it, not the GUI).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "core/infer/safetensors_error.h"

namespace ll::infer {

class FileMapping;

struct TensorInfo {
  std::string name;
  std::string dtypeName;  // as written in the file: "BF16", "F32", ...
  c10::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t dataBegin = 0, dataEnd = 0;  // relative to the data section

  uint64_t byteSize() const { return dataEnd - dataBegin; }
};

// The libtorch dtype for a safetensors dtype name; nullopt when this libtorch has no such type (FP8 needs
// libtorch >= 2.1, U16/U32/U64 >= 2.3) or the name is unknown.
std::optional<c10::ScalarType> scalarTypeForSafetensors(const std::string& dtypeName);
// The safetensors name of a libtorch dtype ("BF16"); throws SafetensorsError for types the format lacks.
std::string safetensorsDTypeName(c10::ScalarType type);

class SafetensorsFile {  // memory-mapped, header validated on open
 public:
  // Throws SafetensorsError naming the file (and tensor) for any problem with the file or its header,
  // including dtypes this libtorch cannot represent.
  static std::unique_ptr<SafetensorsFile> open(const std::string& path);
  ~SafetensorsFile();

  const std::string& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // sorted by name
  const TensorInfo* find(const std::string& name) const;               // nullptr if absent
  const std::map<std::string, std::string>& metadata() const { return metadata_; }  // "__metadata__"
  uint64_t fileSize() const;
  uint64_t dataSize() const;  // bytes of the data section = the sum of all tensors' bytes

  // Copies the tensor from the mapping to `device`, converting to `dtype` if given; throws
  // SafetensorsError if there is no tensor `name`. Host memory use, by case:
  //  - CPU, no conversion: no copy at all. The tensor points into the mapping and keeps it alive after this
  //    object is gone; the mapping is copy-on-write, so writing to the tensor is safe and leaves the file
  //    alone (only the pages written are copied). A tensor whose offset is not aligned to its element size
  //    is copied once into an aligned tensor.
  //  - CPU with conversion: the converted tensor is the only new memory.
  //  - other devices (CUDA): from_blob over the mapping, then one copy to the device in the file's dtype,
  //    then the conversion on the device. Nothing is staged on the host beyond the driver's own buffers.
  at::Tensor load(const std::string& name, const c10::Device& device, std::optional<c10::ScalarType> dtype = std::nullopt) const;

 private:
  SafetensorsFile() = default;
  std::string path_;
  std::shared_ptr<FileMapping> mapping_;
  uint64_t dataOffset_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Writes `tensors` (any device, any layout) to `path` in safetensors format, header padded so the data
// section is 8-byte aligned. Atomic: writes a temporary file next to `path` and renames it over `path`.
// Throws SafetensorsError for duplicate names, unsupported dtypes or I/O errors. For tests and fixtures.
void writeSafetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace ll::infer
