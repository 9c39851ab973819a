// The libtorch side of the safetensors reader: dtype mapping, tensors over the mapping, and the writer
// used by tests and fixture tools. Format rules live in safetensors_header.cpp.
#include "core/infer/safetensors.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "core/infer/safetensors_header.h"
#include "core/infer/safetensors_mapping.h"

#define LL_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace ll::infer {
namespace {

struct DTypePair {
  const char* name;
  c10::ScalarType type;
};

const std::vector<DTypePair>& dtypeTable() {
  static const std::vector<DTypePair> table{
      {"F64", c10::ScalarType::Double}, {"F32", c10::ScalarType::Float},  {"F16", c10::ScalarType::Half},
      {"BF16", c10::ScalarType::BFloat16}, {"I64", c10::ScalarType::Long}, {"I32", c10::ScalarType::Int},
      {"I16", c10::ScalarType::Short},  {"I8", c10::ScalarType::Char},    {"U8", c10::ScalarType::Byte},
      {"BOOL", c10::ScalarType::Bool},
#if LL_TORCH_AT_LEAST(2, 1)
      {"F8_E4M3", c10::ScalarType::Float8_e4m3fn}, {"F8_E5M2", c10::ScalarType::Float8_e5m2},
#endif
#if LL_TORCH_AT_LEAST(2, 3)
      {"U16", c10::ScalarType::UInt16}, {"U32", c10::ScalarType::UInt32}, {"U64", c10::ScalarType::UInt64},
#endif
  };
  return table;
}

std::string unsupportedDTypeReason(const std::string& dtypeName) {
  if (dtypeName.rfind("F8_", 0) == 0)
    return "dtype " + dtypeName + " (FP8) needs libtorch 2.1 or newer for E4M3/E5M2 (this is " TORCH_VERSION
           "); use a BF16 checkpoint instead";
  return "dtype " + dtypeName + " has no libtorch " TORCH_VERSION " equivalent; use a BF16 or F32 export of this model";
}

}  // namespace

std::optional<c10::ScalarType> scalarTypeForSafetensors(const std::string& dtypeName) {
  for (const auto& p : dtypeTable())
    if (dtypeName == p.name) return p.type;
  return std::nullopt;
}

std::string safetensorsDTypeName(c10::ScalarType type) {
  for (const auto& p : dtypeTable())
    if (type == p.type) return p.name;
  throw SafetensorsError(std::string("libtorch dtype ") + c10::toString(type) + " cannot be stored in safetensors");
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile);
  file->path_ = path;
  file->mapping_ = FileMapping::open(path);
  SafetensorsHeader header = parseSafetensorsHeader(file->mapping_->data(), file->mapping_->size(), path);
  file->dataOffset_ = header.dataOffset;
  file->metadata_ = std::move(header.metadata);
  file->tensors_.reserve(header.tensors.size());
  for (auto& e : header.tensors) {
    const auto type = scalarTypeForSafetensors(e.dtypeName);
    if (!type) throw SafetensorsError(path + ": tensor '" + e.name + "': " + unsupportedDTypeReason(e.dtypeName));
    file->tensors_.push_back(TensorInfo{std::move(e.name), std::move(e.dtypeName), *type, std::move(e.shape), e.begin, e.end});
  }
  return file;
}

SafetensorsFile::~SafetensorsFile() = default;

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  const auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                                   [](const TensorInfo& t, const std::string& n) { return t.name < n; });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

uint64_t SafetensorsFile::fileSize() const { return mapping_->size(); }
uint64_t SafetensorsFile::dataSize() const { return mapping_->size() - dataOffset_; }

at::Tensor SafetensorsFile::load(const std::string& name, const c10::Device& device, std::optional<c10::ScalarType> dtype) const {
  const TensorInfo* info = find(name);
  if (!info) throw SafetensorsError(path_ + ": no tensor named '" + name + "'");
  uint8_t* data = mapping_->data() + dataOffset_ + info->dataBegin;
  const auto options = at::TensorOptions().dtype(info->dtype).device(at::kCPU);
  const c10::ScalarType target = dtype.value_or(info->dtype);
  const size_t itemSize = c10::elementSize(info->dtype);
  const bool aligned = reinterpret_cast<uintptr_t>(data) % itemSize == 0;

  if (device.is_cpu()) {
    if (target != info->dtype) return at::from_blob(data, info->shape, options).to(target);
    if (!aligned) return at::from_blob(data, info->shape, options).clone();
    std::shared_ptr<FileMapping> keepAlive = mapping_;
    return at::from_blob(data, info->shape, [keepAlive](void*) {}, options);
  }
  // The temporary from_blob view dies after the synchronous copy, so nothing outlives the mapping.
  at::Tensor onDevice = at::from_blob(data, info->shape, options).to(device, info->dtype);
  return target == info->dtype ? onDevice : onDevice.to(target);
}

void writeSafetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<at::Tensor> hostTensors;
  hostTensors.reserve(tensors.size());
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__") throw SafetensorsError(path + ": '__metadata__' is reserved and cannot name a tensor");
    if (!names.insert(name).second) throw SafetensorsError(path + ": tensor '" + name + "' is given twice");
    if (!tensor.defined()) throw SafetensorsError(path + ": tensor '" + name + "' is undefined");
    at::Tensor host = tensor.to(at::kCPU).contiguous();
    const uint64_t bytes = host.numel() * host.element_size();
    header[name] = {{"dtype", safetensorsDTypeName(host.scalar_type())}, {"shape", host.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    hostTensors.push_back(std::move(host));
  }
  std::string headerText = header.dump();
  headerText.append((8 - headerText.size() % 8) % 8, ' ');  // readers may then map 8-aligned tensors

  // A unique temporary name in the target folder, so the rename is atomic and parallel writers don't collide.
  static std::atomic<unsigned> counter{0};
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  const std::filesystem::path target = std::filesystem::u8path(path);
  std::filesystem::path temp = target;
  temp += ".tmp-" + std::to_string(stamp) + "-" + std::to_string(counter++);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw SafetensorsError(path + ": cannot write: " + std::strerror(errno));
    uint8_t lengthField[8];
    const uint64_t headerLength = headerText.size();
    for (int i = 0; i < 8; ++i) lengthField[i] = static_cast<uint8_t>(headerLength >> (8 * i));
    out.write(reinterpret_cast<const char*>(lengthField), 8);
    out.write(headerText.data(), static_cast<std::streamsize>(headerText.size()));
    for (const auto& t : hostTensors)
      out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * t.element_size()));
    out.flush();
    if (!out) {
      const std::string why = std::strerror(errno);
      out.close();
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      throw SafetensorsError(path + ": cannot write: " + why);
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, target, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw SafetensorsError(path + ": cannot replace it with the new file: " + ec.message());
  }
}

}  // namespace ll::infer
