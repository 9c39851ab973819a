#include "core/layout/vision_answer.h"

#include "core/layout/tolerant_json_reader.h"

namespace ll::layout {

namespace {

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::optional<nlohmann::json> strictObject(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// "```json\n{...}\n```" -> "{...}"; nullopt when there is no fence.
std::optional<std::string> withoutFence(const std::string& s) {
  const auto open = s.find("```");
  if (open == std::string::npos) return std::nullopt;
  const auto lineEnd = s.find('\n', open);
  if (lineEnd == std::string::npos) return std::nullopt;
  const auto close = s.find("```", lineEnd);
  return trim(s.substr(lineEnd + 1, close == std::string::npos ? std::string::npos : close - lineEnd - 1));
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

const char* answerStatusName(AnswerStatus status) {
  switch (status) {
    case AnswerStatus::Ok: return "ok";
    case AnswerStatus::Repaired: return "repaired";
    case AnswerStatus::Raw: return "raw";
  }
  return "raw";
}

VisionAnswerParse parseVisionAnswer(const std::string& text) {
  VisionAnswerParse out;
  std::string body = trim(text);
  if (body.empty()) {
    out.reason = "the answer is empty";
    return out;
  }
  if (auto j = strictObject(body)) {
    out.status = AnswerStatus::Ok;
    out.json = std::move(j);
    return out;
  }
  std::vector<std::string> repairs;
  if (auto inner = withoutFence(body)) {
    body = *inner;
    repairs.push_back("removed a Markdown code fence");
    if (auto j = strictObject(body)) {
      out.status = AnswerStatus::Repaired;
      out.json = std::move(j);
      out.reason = join(repairs);
      return out;
    }
  }
  const auto first = body.find('{');
  if (first == std::string::npos) {
    out.reason = "the answer holds no JSON object; kept as text";
    return out;
  }
  const auto last = body.rfind('}');
  if (last != std::string::npos && last > first) {
    if (auto j = strictObject(body.substr(first, last - first + 1))) {
      repairs.push_back("removed text around the JSON object");
      out.status = AnswerStatus::Repaired;
      out.json = std::move(j);
      out.reason = join(repairs);
      return out;
    }
  }
  // Damaged or cut-off object: the tolerant reader reads it as the first element of an array.
  const TolerantArray arr = readTolerantArray("[" + body.substr(first) + "]");
  std::optional<nlohmann::json> object;
  if (!arr.elements.empty() && arr.elements.front().is_object()) object = arr.elements.front();
  else if (arr.incompleteTail && arr.incompleteTail->is_object()) object = arr.incompleteTail;
  if (object && !object->empty()) {
    if (first > 0) repairs.push_back("removed text before the JSON object");
    for (const auto& r : arr.repairs) repairs.push_back(r);
    if (arr.incompleteTail && arr.elements.empty()) repairs.push_back("closed a JSON object that was cut off");
    out.status = AnswerStatus::Repaired;
    out.json = std::move(object);
    out.reason = join(repairs);
    return out;
  }
  out.reason = "the answer is not valid JSON and could not be repaired; kept as text";
  return out;
}

std::string ocrTextOf(const VisionAnswerParse& parsed, const std::string& original) {
  if (parsed.json && parsed.json->is_object()) {
    const auto& j = *parsed.json;
    if (j.contains("text") && j["text"].is_string() && !j["text"].get<std::string>().empty()) return j["text"].get<std::string>();
    if (j.contains("items") && j["items"].is_array()) {
      std::string out;
      for (const auto& item : j["items"])
        if (item.is_object() && item.contains("value") && item["value"].is_string())
          out += (out.empty() ? "" : "\n") + item["value"].get<std::string>();
      if (!out.empty()) return out;
    }
    if (j.contains("text") && j["text"].is_string()) return {};
  }
  return trim(original);
}

}  // namespace ll::layout
