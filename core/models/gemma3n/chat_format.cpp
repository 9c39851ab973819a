#include "core/models/gemma3n/chat_format.h"

#include <stdexcept>

#include "core/infer/tokenizer/tokenizer.h"

namespace ll::models::gemma3n {

namespace {

std::string trimmed(const std::string& s) {
  const char* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

void appendEncoded(std::vector<int64_t>& out, const infer::Tokenizer& tokenizer, const std::string& text) {
  if (text.empty()) return;
  for (int32_t id : tokenizer.encode(text, false)) out.push_back(id);
}

int64_t requireToken(const infer::Tokenizer& tokenizer, const char* token) {
  const auto id = tokenizer.tokenToId(token);
  if (!id)
    throw std::runtime_error(std::string("the tokenizer has no ") + token +
                             " token: use the tokenizer.json that comes with the Gemma 3n checkpoint");
  return *id;
}

}  // namespace

GemmaPrompt buildUserPrompt(const infer::Tokenizer& tokenizer, const ChatTokenIds& ids, const std::string& text,
                            int images, const std::string& system) {
  if (images < 0) throw std::invalid_argument("negative image count");
  requireToken(tokenizer, "<start_of_turn>");
  requireToken(tokenizer, "<end_of_turn>");
  GemmaPrompt p;
  p.ids.push_back(ids.bos);
  std::string run = "<start_of_turn>user\n";
  if (!trimmed(system).empty()) run += trimmed(system) + "\n\n";
  for (int i = 0; i < images; ++i) {
    run += "\n\n";
    appendEncoded(p.ids, tokenizer, run);
    p.ids.push_back(ids.startOfImage);
    for (int64_t k = 0; k < ids.softTokensPerImage; ++k) {
      p.imagePositions.push_back(static_cast<int64_t>(p.ids.size()));
      p.ids.push_back(ids.imageSoft);
    }
    p.ids.push_back(ids.endOfImage);
    run = "\n\n";
  }
  run += trimmed(text) + "<end_of_turn>\n<start_of_turn>model\n";
  appendEncoded(p.ids, tokenizer, run);
  return p;
}

std::vector<int64_t> stopTokenIds(const infer::Tokenizer& tokenizer, const std::vector<int64_t>& configEosIds) {
  std::vector<int64_t> out = configEosIds;
  for (const char* t : {"<eos>", "<end_of_turn>"})
    if (const auto id = tokenizer.tokenToId(t)) {
      bool have = false;
      for (auto e : out) have = have || e == *id;
      if (!have) out.push_back(*id);
    }
  return out;
}

const SamplingDefaults& samplingDefaults() {
  static const SamplingDefaults d;
  return d;
}

}  // namespace ll::models::gemma3n
