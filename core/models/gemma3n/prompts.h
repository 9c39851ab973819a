#pragma once
// The two Gemma 3n tasks of the pipeline, with their prompts kept as data in one place (like the reference's
// prompts module): crop OCR (read every piece of text in a Picture crop, exactly) and the page summary (from
// the page image, its layout text and the crop texts). Both ask for one JSON object so the answer can be
// parsed; answers that are not JSON are repaired or kept raw by core/layout/vision_answer (never dropped).
#include <optional>
#include <string>
#include <vector>

namespace ll::models::gemma3n {

enum class VisionTask { CropOcr, PageSummary, Free };

struct VisionTaskInfo {
  VisionTask task;
  const char* name;  // command-line name: "crop-ocr", "summary", "free"
  int defaultMaxNewTokens;
};

const std::vector<VisionTaskInfo>& allVisionTasks();
std::optional<VisionTask> visionTaskFromName(const std::string& name);
const char* visionTaskName(VisionTask task);

// The crop OCR instruction (the crop image comes before it in the user turn).
const std::string& cropOcrPrompt();

// The page summary instruction with the page's layout text and the OCR text of each crop ("[id] text"
// lines) appended. Long inputs are cut at `maxContextChars` characters (on a UTF-8 boundary) with a note,
// so a 300-cell page cannot overflow the context.
std::string pageSummaryPrompt(const std::string& layoutText, const std::vector<std::string>& cropTexts,
                              size_t maxContextChars = 24000);
// The same instruction followed by a context the caller already assembled (the pipeline writes the layout
// text and the "[id] text" crop lines itself); cut the same way.
std::string pageSummaryPromptWithContext(const std::string& context, size_t maxContextChars = 24000);

}  // namespace ll::models::gemma3n
