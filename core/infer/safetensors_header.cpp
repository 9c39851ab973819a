// The validation mirrors what the reference safetensors library enforces, so a file it writes always
// passes and a file it would refuse is refused here too, but with a message that names the file and the
// tensor instead of an error code.
#include "core/infer/safetensors_header.h"

#include <algorithm>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "core/infer/json_file.h"
#include "core/infer/safetensors_error.h"

namespace ll::infer {
namespace {

using json = nlohmann::json;

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string rangeText(const SafetensorsEntry& e) {
  return "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + ")";
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw SafetensorsError(path + ": " + what);
}

[[noreturn]] void failTensor(const std::string& path, const std::string& name, const std::string& what) {
  throw SafetensorsError(path + ": tensor '" + name + "': " + what + " (the file is damaged or was not written by a safetensors writer; download or export it again)");
}

SafetensorsEntry parseEntry(const std::string& path, const std::string& name, const json& value, uint64_t dataSize) {
  SafetensorsEntry e;
  e.name = name;
  if (!value.is_object()) failTensor(path, name, "header entry is not an object");
  const auto dtype = value.find("dtype");
  if (dtype == value.end() || !dtype->is_string()) failTensor(path, name, "header entry has no string 'dtype'");
  e.dtypeName = dtype->get<std::string>();
  if (e.dtypeName == "F4" || e.dtypeName == "F6_E2M3" || e.dtypeName == "F6_E3M2")
    failTensor(path, name, "dtype " + e.dtypeName + " packs several values per byte, which LayoutLens does not support; use a BF16 or F16 export");
  e.itemSize = safetensorsItemSize(e.dtypeName);
  if (e.itemSize == 0) failTensor(path, name, "unknown dtype '" + e.dtypeName + "'");

  const auto shape = value.find("shape");
  if (shape == value.end() || !shape->is_array()) failTensor(path, name, "header entry has no 'shape' list");
  const uint64_t maxElements = std::numeric_limits<uint64_t>::max() / e.itemSize;
  for (const auto& d : *shape) {
    if (!d.is_number_integer()) failTensor(path, name, "shape " + shape->dump() + " has a non-integer dimension");
    if (d.is_number_unsigned() ? d.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                               : d.get<int64_t>() < 0)
      failTensor(path, name, "shape " + shape->dump() + " has a negative or too large dimension");
    const auto dim = static_cast<uint64_t>(d.get<int64_t>());
    if (dim != 0 && e.numel > maxElements / dim) failTensor(path, name, "shape " + shape->dump() + " overflows 64-bit byte counts");
    e.numel *= dim;
    e.shape.push_back(static_cast<int64_t>(dim));
  }

  const auto offsets = value.find("data_offsets");
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned())
    failTensor(path, name, "header entry needs 'data_offsets' as two non-negative integers");
  e.begin = (*offsets)[0].get<uint64_t>();
  e.end = (*offsets)[1].get<uint64_t>();
  if (e.end < e.begin) failTensor(path, name, "data_offsets " + rangeText(e) + " end before they begin");
  if (e.end > dataSize)
    failTensor(path, name, "data_offsets " + rangeText(e) + " reach past the end of the data section (" + std::to_string(dataSize) +
                               " bytes); the file is probably truncated");
  const uint64_t expected = e.numel * e.itemSize;
  if (e.end - e.begin != expected)
    failTensor(path, name, "holds " + std::to_string(e.end - e.begin) + " bytes but shape " + shapeText(e.shape) + " of " + e.dtypeName +
                               " needs " + std::to_string(expected));
  return e;
}

}  // namespace

size_t safetensorsItemSize(const std::string& dtypeName) {
  static const std::map<std::string, size_t> sizes{
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"F8_E8M0", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8},     {"U64", 8}, {"C64", 8},
  };
  const auto it = sizes.find(dtypeName);
  return it == sizes.end() ? 0 : it->second;
}

SafetensorsHeader parseSafetensorsHeader(const uint8_t* file, uint64_t fileSize, const std::string& path) {
  if (fileSize < 8)
    fail(path, "is " + std::to_string(fileSize) + " bytes long, too short to be a safetensors file (it needs an 8-byte header length)");
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i) headerLength = (headerLength << 8) | file[i];  // little-endian on every host
  if (headerLength > kMaxSafetensorsHeaderBytes)
    fail(path, "header length field says " + std::to_string(headerLength) + " bytes, over the " +
                   std::to_string(kMaxSafetensorsHeaderBytes) + "-byte limit: not a safetensors file, or a damaged one");
  if (headerLength > fileSize - 8)
    fail(path, "header length field says " + std::to_string(headerLength) + " bytes but only " + std::to_string(fileSize - 8) +
                   " follow it: the file is truncated or not a safetensors file");

  SafetensorsHeader header;
  header.dataOffset = 8 + headerLength;
  header.dataSize = fileSize - header.dataOffset;

  const std::string text(reinterpret_cast<const char*>(file) + 8, static_cast<size_t>(headerLength));
  if (text.empty() || text[0] != '{') fail(path, "header does not start with '{': not a safetensors file, or a damaged one");
  // nlohmann keeps the last of duplicate keys silently; two entries with one name are corruption.
  std::set<std::string> seen;
  std::string duplicate;
  const json::parser_callback_t noteDuplicates = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key && !seen.insert(parsed.get<std::string>()).second && duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  json root;
  try {
    root = json::parse(text, noteDuplicates);
  } catch (const json::parse_error& e) {
    fail(path, "header is not valid JSON at " + describeJsonParseError(e, text, 8));
  }
  if (!root.is_object()) fail(path, "header is not a JSON object");
  if (!duplicate.empty()) failTensor(path, duplicate, "appears twice in the header");

  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) fail(path, "__metadata__ is not a JSON object");
      for (auto m = it->begin(); m != it->end(); ++m) header.metadata[m.key()] = m->is_string() ? m->get<std::string>() : m->dump();
      continue;
    }
    header.tensors.push_back(parseEntry(path, it.key(), *it, header.dataSize));
  }

  // The tensors must tile the data section: sorted by offset, each starts where the previous ended.
  std::vector<const SafetensorsEntry*> byOffset;
  for (const auto& e : header.tensors) byOffset.push_back(&e);
  std::stable_sort(byOffset.begin(), byOffset.end(), [](const SafetensorsEntry* a, const SafetensorsEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t covered = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const auto* e : byOffset) {
    if (e->begin < covered)
      failTensor(path, e->name, "data_offsets " + rangeText(*e) + " overlap tensor '" + previous->name + "' " + rangeText(*previous));
    if (e->begin > covered)
      failTensor(path, e->name, "data_offsets " + rangeText(*e) + " leave bytes [" + std::to_string(covered) + ", " + std::to_string(e->begin) +
                                    ") of the data section unused" + (previous ? " after tensor '" + previous->name + "'" : std::string()));
    covered = e->end;
    previous = e;
  }
  if (covered != header.dataSize)
    fail(path, "the tensors cover " + std::to_string(covered) + " bytes of a " + std::to_string(header.dataSize) +
                   "-byte data section" + (previous ? " (last tensor '" + previous->name + "')" : std::string()) +
                   ": the file has trailing bytes or is damaged");
  return header;
}

}  // namespace ll::infer
