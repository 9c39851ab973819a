#include "core/models/gemma3n/prompts.h"

#include <stdexcept>

namespace ll::models::gemma3n {

namespace {

// Why these words: engineers check values, so the OCR prompt insists on characters as printed (no unit
// conversion, no "corrected" part numbers), keeps symbols that OCR tends to drop (⌀, ±, °, R, M-threads) and
// asks for an empty list rather than invented text when a crop has none.
const std::string kCropOcr =
    "You are reading a crop from an engineering drawing or technical document.\n"
    "Transcribe every piece of text visible in the image exactly as printed: dimensions, tolerances "
    "(keep ±, +/- limits and fits such as H7), units, diameters (⌀), radii, angles, thread callouts, surface "
    "finish symbols, part numbers, revision letters, labels, notes, table cells and title-block fields. "
    "Do not correct, convert or complete anything; if a character is unreadable write ? in its place.\n"
    "Answer with one JSON object and nothing else:\n"
    "{\"text\": \"all text in reading order, one line per printed line\", "
    "\"items\": [{\"kind\": \"dimension|tolerance|part_number|note|label|table|title_block|other\", "
    "\"value\": \"exact text\"}]}\n"
    "If the image contains no text, answer {\"text\": \"\", \"items\": []}.";

const std::string kSummaryHead =
    "You are assisting an engineer who reviews technical drawings and engineering documents.\n"
    "The image is one page. Below are the text the layout model read on the page and the text read inside "
    "each picture region.\n"
    "Answer with one JSON object and nothing else:\n"
    "{\"page_type\": \"what the page is (e.g. assembly drawing, part drawing, schematic, datasheet table, text)\", "
    "\"summary\": \"two to four sentences\", "
    "\"key_facts\": [\"important values, dimensions, tolerances, materials, part numbers, revisions\"], "
    "\"open_issues\": [\"anything the reviewer should check: unreadable or missing values, inconsistencies, "
    "missing tolerances or units\"]}\n"
    "Use only what is on the page; do not invent values.\n";

void appendLimited(std::string& out, const std::string& text, size_t& budget) {
  if (text.size() <= budget) {
    out += text;
    budget -= text.size();
    return;
  }
  size_t cut = budget;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
  out.append(text, 0, cut);
  out += "\n[... cut: the page has more text than fits ...]\n";
  budget = 0;
}

}  // namespace

const std::vector<VisionTaskInfo>& allVisionTasks() {
  static const std::vector<VisionTaskInfo> tasks{
      {VisionTask::CropOcr, "crop-ocr", 1024}, {VisionTask::PageSummary, "summary", 1024}, {VisionTask::Free, "free", 1024}};
  return tasks;
}

std::optional<VisionTask> visionTaskFromName(const std::string& name) {
  for (const auto& t : allVisionTasks())
    if (name == t.name) return t.task;
  return std::nullopt;
}

const char* visionTaskName(VisionTask task) {
  for (const auto& t : allVisionTasks())
    if (t.task == task) return t.name;
  throw std::invalid_argument("unknown Gemma 3n task");
}

const std::string& cropOcrPrompt() { return kCropOcr; }

std::string pageSummaryPrompt(const std::string& layoutText, const std::vector<std::string>& cropTexts,
                              size_t maxContextChars) {
  std::string out = kSummaryHead;
  size_t budget = maxContextChars;
  out += "\nLayout text of the page:\n";
  appendLimited(out, layoutText.empty() ? std::string("(none)") : layoutText, budget);
  out += "\n\nText read inside the picture regions:\n";
  if (cropTexts.empty()) out += "(no picture regions)\n";
  for (size_t i = 0; i < cropTexts.size() && budget > 0; ++i) appendLimited(out, cropTexts[i] + "\n", budget);
  return out;
}

std::string pageSummaryPromptWithContext(const std::string& context, size_t maxContextChars) {
  std::string out = kSummaryHead;
  out += "\n";
  size_t budget = maxContextChars;
  appendLimited(out, context.empty() ? std::string("(the page has no extracted text)") : context, budget);
  return out;
}

}  // namespace ll::models::gemma3n
