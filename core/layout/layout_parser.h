#pragma once
// Turns dots.ocr's raw layout output (a JSON array of {"bbox","category","text"} objects) into layout
// cells. The model's output is often not valid JSON: it runs out of token budget mid-string, loops,
// forgets commas between objects, wraps the array in a code fence or leaves LaTeX backslashes unescaped.
// The reference pipeline (dots_ocr/utils/layout_utils.py + output_cleaner.py, specs/dots-ocr.md §6.2)
// then salvages what it can; this parser does the same with its own tolerant reader, records what it had
// to change, and always keeps the raw text so nothing the model wrote is ever lost.
#include <string>
#include <vector>

#include "core/layout/layout_category.h"

namespace ll::layout {

// A box in the coordinate system it was produced in (here: model-input pixels, i.e. the smart_resize
// size of the page image). Doubles so model integers and mapped values are both exact.
struct PixelBox {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  double width() const { return x2 - x1; }
  double height() const { return y2 - y1; }
  bool operator==(const PixelBox& o) const { return x1 == o.x1 && y1 == o.y1 && x2 == o.x2 && y2 == o.y2; }
};

struct LayoutCell {
  PixelBox bbox;  // model-input pixels, x1 <= x2 and y1 <= y2
  LayoutCategory category = LayoutCategory::Text;
  std::string text;          // Markdown / LaTeX / HTML depending on the category; empty for Picture
  bool hasText = false;      // false when the model omitted "text" (Picture, layout-only prompt)
  std::string rawCategory;   // the category string exactly as the model wrote it
};

enum class ParseStatus {
  Ok,        // the output was valid JSON and every cell was used as written
  Repaired,  // cells were recovered or adjusted; `reason` says what was done
  Failed,    // no cell could be recovered; `raw` is the only result
};

const char* parseStatusName(ParseStatus s);

struct LayoutParseResult {
  std::vector<LayoutCell> cells;
  std::string raw;  // the model output, byte for byte
  ParseStatus status = ParseStatus::Failed;
  std::string reason;  // empty when Ok; otherwise every repair or failure, separated by "; "
  // The caller should generate once more with base + extra_max_new_tokens: true when the output was
  // cut off (the token budget ran out) or nothing could be recovered. The reference retries whenever
  // strict parsing fails; a repair that needed no more tokens (a code fence, a missing comma, LaTeX
  // backslashes) is not retried, since greedy decoding would write the same text again.
  bool shouldRetryWithLargerBudget = false;
  bool truncated = false;  // the output ended inside the JSON (token budget exhausted)
};

// Parses one model response. Never throws for any input.
LayoutParseResult parseLayoutOutput(const std::string& raw);

// The cells' texts joined by a blank line, in reading order: the reference's Markdown fallback for a
// page whose layout could only be partly recovered.
std::string joinCellTexts(const std::vector<LayoutCell>& cells);

}  // namespace ll::layout
