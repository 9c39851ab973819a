// Strict parse first (valid output is used exactly as written); only when that fails does the tolerant
// reader salvage cells, followed by the reference cleaner's de-duplication of looping output.
#include "core/layout/layout_parser.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/layout/tolerant_json_reader.h"

namespace ll::layout {
namespace {

using nlohmann::json;

// Collects repairs as "what (N cells)" so a 500-cell page with one recurring problem gives one phrase.
class Notes {
 public:
  void add(const std::string& what, int count = 1) {
    auto it = index_.find(what);
    if (it == index_.end()) {
      index_.emplace(what, items_.size());
      items_.emplace_back(what, count);
    } else {
      items_[it->second].second += count;
    }
  }
  bool empty() const { return items_.empty(); }
  std::string joined() const {
    std::string out;
    for (const auto& [what, count] : items_) {
      if (!out.empty()) out += "; ";
      out += what;
      if (count > 1) out += " (" + std::to_string(count) + " times)";
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, int>> items_;
  std::map<std::string, size_t> index_;
};

bool isWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string trimmed(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && isWs(s[b])) ++b;
  while (e > b && isWs(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// "```json\n[...]\n```" -> "[...]"; a fence that was opened but, being cut off, never closed also goes.
std::string stripCodeFence(const std::string& text, Notes& notes) {
  std::string t = text;
  if (t.size() >= 3 && t.compare(0, 3, "\xEF\xBB\xBF") == 0) t.erase(0, 3);
  t = trimmed(t);
  if (t.compare(0, 3, "```") != 0) return t;
  const size_t newline = t.find('\n');
  t = newline == std::string::npos ? std::string() : t.substr(newline + 1);
  t = trimmed(t);
  if (t.size() >= 3 && t.compare(t.size() - 3, 3, "```") == 0) t = trimmed(t.substr(0, t.size() - 3));
  notes.add("removed a Markdown code fence");
  return t;
}

// Deeply nested garbage ("[[[[...") would make any recursive consumer of a parsed tree slow; the
// tolerant reader enforces its own limit, so such text skips the strict parse.
bool nestingWithin(const std::string& s, int limit) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') inString = true;
    else if (c == '[' || c == '{') { if (++depth > limit) return false; }
    else if (c == ']' || c == '}') --depth;
  }
  return true;
}

// Replaces invalid UTF-8 with U+FFFD: texts go into Qt strings and JSON reports, which need valid UTF-8.
std::string validUtf8(const std::string& s, bool& changed) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) { out.push_back(static_cast<char>(c)); ++i; continue; }
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    bool ok = len != 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok) {
      // Overlong forms, surrogates and values past U+10FFFF are invalid too.
      static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp < 0xE000);
    }
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      changed = true;
      ++i;
    }
  }
  return out;
}

// Strict JSON reads an unescaped "\frac" as form feed + "rac" and "\beta" as backspace + "eta"; neither
// control character occurs in page text, so they are turned back into the LaTeX the model meant.
std::string restoreLatexControls(const std::string& s, bool& changed) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if ((c == '\f' || c == '\b') && i + 1 < s.size() && std::isalpha(static_cast<unsigned char>(s[i + 1]))) {
      out.push_back('\\');
      out.push_back(c == '\f' ? 'f' : 'b');
      changed = true;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool readCoordinate(const json& v, double& out) {
  if (!v.is_number()) return false;
  out = v.get<double>();
  return std::isfinite(out);
}

std::optional<LayoutCell> toCell(const json& item, Notes& notes) {
  if (!item.is_object()) {
    notes.add("dropped a list item that is not a cell object");
    return std::nullopt;
  }
  const auto bboxIt = item.find("bbox");
  if (bboxIt == item.end()) {
    notes.add("dropped a cell without a bbox");
    return std::nullopt;
  }
  if (!bboxIt->is_array() || bboxIt->size() != 4) {
    notes.add("dropped a cell whose bbox does not have 4 numbers");
    return std::nullopt;
  }
  double v[4];
  for (size_t k = 0; k < 4; ++k) {
    if (!readCoordinate((*bboxIt)[k], v[k])) {
      notes.add("dropped a cell whose bbox has a non-numeric or infinite value");
      return std::nullopt;
    }
  }
  LayoutCell cell;
  cell.bbox = {v[0], v[1], v[2], v[3]};
  if (cell.bbox.x1 > cell.bbox.x2 || cell.bbox.y1 > cell.bbox.y2) {
    if (cell.bbox.x1 > cell.bbox.x2) std::swap(cell.bbox.x1, cell.bbox.x2);
    if (cell.bbox.y1 > cell.bbox.y2) std::swap(cell.bbox.y1, cell.bbox.y2);
    notes.add("swapped inverted bbox corners");
  }

  const auto catIt = item.find("category");
  if (catIt == item.end() || !catIt->is_string()) {
    cell.category = LayoutCategory::Text;
    notes.add("read a cell without a category as Text");
  } else {
    bool changed = false;
    cell.rawCategory = validUtf8(catIt->get<std::string>(), changed);
    if (const auto known = categoryFromName(cell.rawCategory)) {
      cell.category = *known;
    } else {
      cell.category = LayoutCategory::Text;
      notes.add("read unknown category '" + cell.rawCategory.substr(0, 40) + "' as Text");
    }
  }

  const auto textIt = item.find("text");
  if (textIt != item.end() && !textIt->is_null()) {
    std::string text;
    if (textIt->is_string()) {
      text = textIt->get<std::string>();
    } else {
      text = textIt->dump(-1, ' ', false, json::error_handler_t::replace);
      notes.add("converted a non-string text to a string");
    }
    bool latex = false, utf8 = false;
    text = restoreLatexControls(text, latex);
    text = validUtf8(text, utf8);
    if (latex) notes.add("restored LaTeX backslashes read as control characters");
    if (utf8) notes.add("replaced invalid UTF-8 in text");
    cell.text = std::move(text);
    cell.hasText = true;
  }
  return cell;
}

// Reference cleaner step 6: a looping model repeats cells. A (category, text) pair seen 5 or more times
// keeps its first cell; a bbox seen twice keeps its first cell.
std::vector<LayoutCell> dropRepeats(std::vector<LayoutCell> cells, Notes& notes) {
  if (cells.size() <= 1) return cells;
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> byText;
  std::map<std::tuple<double, double, double, double>, std::vector<size_t>> byBox;
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto& c = cells[i];
    if (c.hasText) byText[{categoryName(c.category), c.text}].push_back(i);
    byBox[{c.bbox.x1, c.bbox.y1, c.bbox.x2, c.bbox.y2}].push_back(i);
  }
  std::set<size_t> drop;
  for (const auto& [key, positions] : byText)
    if (positions.size() >= 5) drop.insert(positions.begin() + 1, positions.end());
  for (const auto& [key, positions] : byBox)
    if (positions.size() >= 2) drop.insert(positions.begin() + 1, positions.end());
  if (drop.empty()) return cells;
  std::vector<LayoutCell> kept;
  kept.reserve(cells.size() - drop.size());
  for (size_t i = 0; i < cells.size(); ++i)
    if (!drop.count(i)) kept.push_back(std::move(cells[i]));
  notes.add("dropped " + std::to_string(drop.size()) + " repeated cells");
  return kept;
}

const char* jsonTypeName(const json& j) {
  if (j.is_object()) return "an object";
  if (j.is_string()) return "a string";
  if (j.is_number()) return "a number";
  if (j.is_boolean()) return "a boolean";
  return "null";
}

// Valid JSON that is not an array: a single cell, or cells under some key ({"layout": [...]}).
std::optional<json> cellArrayFrom(const json& doc, Notes& notes) {
  if (doc.is_array()) return doc;
  if (doc.is_object()) {
    if (doc.contains("bbox")) {
      notes.add("read a single cell object that was not in a list");
      return json::array({doc});
    }
    for (const auto& [key, value] : doc.items()) {
      if (value.is_array() && !value.empty() && value.front().is_object() && value.front().contains("bbox")) {
        notes.add("read the cells from the '" + key + "' field");
        return value;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

const char* parseStatusName(ParseStatus s) {
  switch (s) {
    case ParseStatus::Ok: return "ok";
    case ParseStatus::Repaired: return "repaired";
    case ParseStatus::Failed: return "failed";
  }
  return "failed";
}

LayoutParseResult parseLayoutOutput(const std::string& raw) {
  LayoutParseResult result;
  result.raw = raw;
  Notes notes;
  try {
    const std::string text = stripCodeFence(raw, notes);
    if (text.empty()) {
      result.status = ParseStatus::Failed;
      result.reason = raw.empty() ? "the model returned no text" : "the model returned only whitespace";
      result.shouldRetryWithLargerBudget = true;
      return result;
    }

    // 1. Strict JSON.
    if (nestingWithin(text, kMaxJsonDepth)) {
      json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (!doc.is_discarded()) {
        const auto cellsJson = cellArrayFrom(doc, notes);
        if (!cellsJson) {
          result.status = ParseStatus::Failed;
          result.reason = std::string("the output is ") + jsonTypeName(doc) + ", not a list of layout cells";
          result.shouldRetryWithLargerBudget = true;
          return result;
        }
        for (const auto& item : *cellsJson)
          if (auto cell = toCell(item, notes)) result.cells.push_back(std::move(*cell));
        if (result.cells.empty() && !cellsJson->empty()) {
          result.status = ParseStatus::Failed;
          result.reason = "no usable cell: " + notes.joined();
          result.shouldRetryWithLargerBudget = true;
          return result;
        }
        result.status = notes.empty() ? ParseStatus::Ok : ParseStatus::Repaired;
        result.reason = notes.joined();
        return result;
      }
    }

    // 2. Tolerant reading, then the reference cleaner's repeat removal.
    TolerantArray salvaged = readTolerantArray(text);
    if (!salvaged.foundJson) {
      result.status = ParseStatus::Failed;
      result.reason = "the output contains no JSON list of layout cells";
      result.shouldRetryWithLargerBudget = true;
      return result;
    }
    for (const auto& r : salvaged.repairs) notes.add(r);
    result.truncated = salvaged.truncated;
    std::vector<LayoutCell> cells;
    for (const auto& item : salvaged.elements)
      if (auto cell = toCell(item, notes)) cells.push_back(std::move(*cell));
    if (salvaged.incompleteTail) {
      // Like the reference, a cut-off last cell is dropped, unless it is the only one: then whatever was
      // read of it (bbox, category, start of the text) is better than nothing.
      if (cells.empty() && salvaged.elements.empty()) {
        Notes tailNotes;
        if (auto cell = toCell(*salvaged.incompleteTail, tailNotes)) {
          cells.push_back(std::move(*cell));
          notes.add("kept the only cell although its text was cut off");
        } else {
          notes.add("dropped the cut-off last cell");
        }
      } else {
        notes.add("dropped the cut-off last cell");
      }
    }
    if (salvaged.truncated) notes.add("the output was cut off");
    cells = dropRepeats(std::move(cells), notes);
    result.cells = std::move(cells);
    // More tokens only help output that was cut off (or that yielded nothing at all).
    result.shouldRetryWithLargerBudget = salvaged.truncated;
    if (result.cells.empty()) {
      result.status = ParseStatus::Failed;
      result.reason = "no cell could be recovered: " + notes.joined();
      result.shouldRetryWithLargerBudget = true;
    } else {
      result.status = ParseStatus::Repaired;
      result.reason = notes.joined();
    }
    return result;
  } catch (const std::exception& e) {
    // Defensive: nothing above is expected to throw, but a page must never be lost to a parser bug.
    result.cells.clear();
    result.status = ParseStatus::Failed;
    result.reason = std::string("internal parser error: ") + e.what();
    result.shouldRetryWithLargerBudget = true;
    return result;
  }
}

std::string joinCellTexts(const std::vector<LayoutCell>& cells) {
  std::string out;
  for (const auto& c : cells) {
    if (!c.hasText) continue;
    if (!out.empty()) out += "\n\n";
    out += c.text;
  }
  return out;
}

}  // namespace ll::layout
