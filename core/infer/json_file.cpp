// nlohmann's own messages carry a byte index and an internal error code; users need the file and a
// line/column they can open in an editor.
#include "core/infer/json_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ll::infer {

std::string describeJsonParseError(const nlohmann::json::parse_error& error, const std::string& text, size_t byteBase) {
  // nlohmann counts bytes read, so the offending byte is at index byte-1.
  const size_t end = std::min(text.size(), error.byte == 0 ? size_t{0} : static_cast<size_t>(error.byte - 1));
  size_t line = 1, lineStart = 0;
  for (size_t i = 0; i < end; ++i)
    if (text[i] == '\n') {
      ++line;
      lineStart = i + 1;
    }
  std::string reason = error.what();
  const auto at = reason.find("parse error");
  if (at != std::string::npos) {
    const auto colon = reason.find(": ", at);
    if (colon != std::string::npos) reason = reason.substr(colon + 2);
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(end - lineStart + 1) + " (byte " +
         std::to_string(end + byteBase) + "): " + reason;
}

nlohmann::json readJsonFile(const std::string& path) {
  std::ifstream in(std::filesystem::u8path(path), std::ios::binary);
  if (!in) throw JsonFileError(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw JsonFileError(path + ": cannot read: " + std::strerror(errno));
  const std::string text = buffer.str();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw JsonFileError(path + ": invalid JSON at " + describeJsonParseError(e, text));
  }
}

}  // namespace ll::infer
