#pragma once
// Parses and validates a safetensors header without libtorch, so every rule about the format (and
// every message about a broken file) lives in one place that also builds for tools and cross builds.
// Format: 8-byte little-endian header length N, N bytes of JSON, then the data section.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ll::infer {

struct SafetensorsEntry {
  std::string name;
  std::string dtypeName;  // as in the file: "BF16", "F32", ...
  size_t itemSize = 0;    // bytes per element
  std::vector<int64_t> shape;
  uint64_t numel = 1;
  uint64_t begin = 0, end = 0;  // relative to the data section
};

struct SafetensorsHeader {
  uint64_t dataOffset = 0;  // 8 + header length: where the data section starts in the file
  uint64_t dataSize = 0;
  std::vector<SafetensorsEntry> tensors;  // sorted by name
  std::map<std::string, std::string> metadata;
};

// Headers larger than this are refused: real ones are a few MB even for thousands of tensors, so a larger
// value means a corrupt length field (or not a safetensors file) and must not make us parse gigabytes.
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull * 1000 * 1000;

// Bytes per element of a safetensors dtype name; 0 when the name is not a byte-sized safetensors dtype.
size_t safetensorsItemSize(const std::string& dtypeName);

// Checks the length field against the file size and the cap, the JSON, and every tensor: known dtype,
// non-negative shape without overflow, offsets inside the data section, end - begin == numel * itemsize,
// and that the tensors cover the data section exactly, without overlaps or gaps.
// Throws SafetensorsError naming `path` (and the tensor) and what is wrong.
SafetensorsHeader parseSafetensorsHeader(const uint8_t* file, uint64_t fileSize, const std::string& path);

}  // namespace ll::infer
