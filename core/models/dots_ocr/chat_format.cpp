// The prompt text is built as a string (tokenized later with added tokens matched first) rather than as
// ids, so it can be logged, compared with the reference's rendered prompt and cached by text.
#include "core/models/dots_ocr/chat_format.h"

#include <stdexcept>

namespace ll::models::dots_ocr {

int64_t imagePadTokenCount(int64_t t, int64_t h, int64_t w, int64_t mergeSize) {
  if (t <= 0 || h <= 0 || w <= 0 || mergeSize <= 0)
    throw std::invalid_argument("image grid (" + std::to_string(t) + ", " + std::to_string(h) + ", " +
                                std::to_string(w) + ") must be positive");
  if (h % mergeSize != 0 || w % mergeSize != 0)
    throw std::invalid_argument("image grid " + std::to_string(h) + "x" + std::to_string(w) +
                                " patches does not divide into " + std::to_string(mergeSize) + "x" +
                                std::to_string(mergeSize) + " merge windows; resize the image with smartResize");
  return t * (h / mergeSize) * (w / mergeSize);
}

ChatPrompt buildImagePrompt(const std::string& taskPrompt, int64_t imagePadTokens) {
  if (imagePadTokens <= 0) throw std::invalid_argument("an image prompt needs at least one image token");
  const std::string pad = tokens::kImagePad;
  ChatPrompt p;
  p.imagePadTokens = imagePadTokens;
  p.text.reserve(pad.size() * static_cast<size_t>(imagePadTokens) + taskPrompt.size() + 64);
  p.text += tokens::kUser;
  p.text += tokens::kImageStart;
  for (int64_t i = 0; i < imagePadTokens; ++i) p.text += pad;
  p.text += tokens::kImageEnd;
  p.text += taskPrompt;
  p.text += tokens::kUserEnd;
  p.text += tokens::kAssistant;
  return p;
}

ChatPrompt buildImagePrompt(const std::string& taskPrompt, int64_t gridT, int64_t gridH, int64_t gridW) {
  return buildImagePrompt(taskPrompt, imagePadTokenCount(gridT, gridH, gridW));
}

const GenerationDefaults& generationDefaults() {
  static const GenerationDefaults defaults;
  return defaults;
}

}  // namespace ll::models::dots_ocr
