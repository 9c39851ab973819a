#pragma once
// How a dots.ocr request is written out for the model (specs/dots-ocr.md §5.1, §5.3, §5.5): the vLLM form
// that all published numbers used, "<|user|><|img|>" + "<|imgpad|>" x N + "<|endofimg|>{prompt}<|endofuser|>
// <|assistant|>", with no system prompt; N is the number of merged image tokens (patches / 4). Also the
// special token ids and the reference's generation settings (stop ids, budgets), kept as data.
#include <cstdint>
#include <string>
#include <vector>

namespace ll::models::dots_ocr {

namespace tokens {
inline constexpr const char* kImagePad = "<|imgpad|>";
inline constexpr const char* kImageStart = "<|img|>";
inline constexpr const char* kImageEnd = "<|endofimg|>";
inline constexpr const char* kUser = "<|user|>";
inline constexpr const char* kUserEnd = "<|endofuser|>";
inline constexpr const char* kAssistant = "<|assistant|>";
inline constexpr const char* kAssistantEnd = "<|endofassistant|>";
inline constexpr const char* kEndOfText = "<|endoftext|>";

inline constexpr int64_t kEndOfTextId = 151643;
inline constexpr int64_t kImagePadId = 151665;  // config.json image_token_id
inline constexpr int64_t kImageStartId = 151666;
inline constexpr int64_t kImageEndId = 151667;
inline constexpr int64_t kUserId = 151670;
inline constexpr int64_t kUserEndId = 151671;
inline constexpr int64_t kAssistantId = 151672;
inline constexpr int64_t kAssistantEndId = 151673;
}  // namespace tokens

// <|imgpad|> tokens for an image grid (t, h, w) in patches: one per merge window of merge x merge patches.
// Throws std::invalid_argument if the grid does not divide into whole windows.
int64_t imagePadTokenCount(int64_t t, int64_t h, int64_t w, int64_t mergeSize = 2);

struct ChatPrompt {
  std::string text;            // to tokenize with special tokens recognised
  int64_t imagePadTokens = 0;  // how many <|imgpad|> the text holds; the vision rows must match
};

// One image and one task prompt, in the vLLM form above.
ChatPrompt buildImagePrompt(const std::string& taskPrompt, int64_t imagePadTokens);
// The same, with the pad count computed from the image grid.
ChatPrompt buildImagePrompt(const std::string& taskPrompt, int64_t gridT, int64_t gridH, int64_t gridW);

// §5.5. The stop ids are generation_config.json's eos_token_id list: both end generation.
struct GenerationDefaults {
  std::vector<int64_t> stopTokenIds{tokens::kEndOfTextId, tokens::kAssistantEndId};
  int64_t maxLength = 32768;           // generation_config.json max_length (prompt + output)
  int64_t hfMaxNewTokens = 24000;      // demo_hf.py / parser --use_hf: greedy
  int64_t vllmMaxTokens = 32768;       // inference.py / demo_vllm.py
  int64_t benchmarkMaxTokens = 16384;  // parser.py CLI and the OmniDocBench runs
  double temperature = 0.1;            // vLLM paths; the HF path is greedy
  double topP = 1.0;                   // parser.py / benchmarks (0.9 in inference.py)
  bool skipSpecialTokensWhenDecoding = true;
};

const GenerationDefaults& generationDefaults();

}  // namespace ll::models::dots_ocr
