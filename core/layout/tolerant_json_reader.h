#pragma once
// A forgiving reader for the JSON array dots.ocr writes when strict parsing fails. It reads element by
// element so that every complete element survives a cut-off or a damaged neighbour, and it repairs the
// mistakes the model actually makes: missing commas between objects, a missing opening bracket, LaTeX
// backslashes that are not JSON escapes (\alpha, \frac), quotes inside strings that were not escaped,
// raw newlines inside strings, and text before the array. It never throws and never recurses deeper than
// kMaxDepth, so arbitrary bytes are safe input.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ll::layout {

struct TolerantArray {
  std::vector<nlohmann::json> elements;         // complete elements, in order
  std::optional<nlohmann::json> incompleteTail;  // the element the text ended inside, closed as far as read
  bool foundJson = false;        // an array or object start was found at all
  bool truncated = false;        // the text ended before the array was closed
  std::vector<std::string> repairs;  // what was changed, one short phrase each, no duplicates
};

constexpr int kMaxJsonDepth = 64;

TolerantArray readTolerantArray(std::string_view text);

}  // namespace ll::layout
