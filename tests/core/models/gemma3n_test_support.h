#pragma once
// The tiny random Gemma 3n of the parity run (tests/fixtures/gemma3n_tiny, checked against transformers by
// gemma3n_parity_test) as a model folder with the tiny test tokenizer, and synthetic RGB test images:
// shared by the generator and stream tests.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "support/temp_dir.h"

namespace ll::test_support {

inline std::filesystem::path gemmaTinyFixture() {
  return std::filesystem::path(LAYOUTLENS_TEST_DATA_DIR) / "gemma3n_tiny";
}

// A model folder = the fixture's config + weights + the tiny tokenizer.
struct TinyGemmaFolder {
  TempDir dir{"ll-gemma-gen"};
  TinyGemmaFolder() {
    namespace fs = std::filesystem;
    for (const char* f : {"config.json", "model.safetensors"}) fs::copy_file(gemmaTinyFixture() / f, dir.path() / f);
    fs::copy_file(fs::path(LAYOUTLENS_TEST_DATA_DIR) / "gemma3n_tokenizer_tiny" / "tokenizer.json",
                  dir.path() / "tokenizer.json");
  }
};

inline std::vector<uint8_t> testImage(int w, int h, int seed) {
  std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>((i * 37 + seed * 101) % 251);
  return rgb;
}

}  // namespace ll::test_support
