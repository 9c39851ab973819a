#pragma once
// Reads the JSON files of a model folder (config.json, model.safetensors.index.json, ...) with errors a
// user can act on: the file, the line and column, and the byte where parsing stopped.
#include <cstddef>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace ll::infer {

class JsonFileError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws JsonFileError: "<path>: invalid JSON at line L, column C (byte B): <reason>" or
// "<path>: cannot read: <reason>".
nlohmann::json readJsonFile(const std::string& path);

// "line L, column C (byte B): <reason>" for a parse error in `text`; `byteBase` is added to the byte
// (e.g. 8 for a safetensors header, which starts after the length field).
std::string describeJsonParseError(const nlohmann::json::parse_error& error, const std::string& text, size_t byteBase = 0);

}  // namespace ll::infer
