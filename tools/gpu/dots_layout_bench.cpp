// dots.ocr layout stage at full size on the GPU: seconds per page at batch 1 and with 18 pages on the
// continuous-batching scheduler, and peak GPU memory for a 200-DPI letter page and for a page at the
// processor's maximum pixel count. Random bf16 weights with the released shapes (written once to a folder
// so the real loading path runs); output lengths are the requested budgets because random weights almost
// never emit a stop token (the actual counts are printed). Run by tools/gpu/dots_layout_bench.sh.
#include <ATen/ATen.h>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define LL_HAVE_CUDA_STATS 1
#endif

#include "core/infer/safetensors.h"
#include "core/models/dots_ocr/chat_format.h"
#include "core/models/dots_ocr/dots_ocr_model.h"
#include "core/models/dots_ocr/layout_generator.h"
#include "core/models/dots_ocr_test_support.h"

namespace fs = std::filesystem;
using namespace ll::models::dots_ocr;
using Clock = std::chrono::steady_clock;

namespace {

double peakGiB() {
#ifdef LL_HAVE_CUDA_STATS
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
  return stats.allocated_bytes[0].peak / double(1 << 30);
#else
  return -1;
#endif
}

void resetPeak() {
#ifdef LL_HAVE_CUDA_STATS
  c10::cuda::CUDACachingAllocator::resetPeakStats(0);
#endif
}

void makeModelFolder(const fs::path& dir, const fs::path& qwenTokenizer) {
  fs::create_directories(dir);
  const DotsOcrConfig c = testing::releasedConfig();
  std::ofstream(dir / "config.json") << toConfigJson(c);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (auto& [name, t] : testing::randomWeights(c, 11)) tensors.emplace_back(name, t.to(at::kBFloat16));
  ll::infer::writeSafetensors((dir / "model.safetensors").string(), tensors);
  std::ifstream in(qwenTokenizer);
  nlohmann::json tok = nlohmann::json::parse(in);
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& t : tok["added_tokens"])
    if (t["id"].get<int64_t>() < tokens::kImagePadId) kept.push_back(t);
  tok["added_tokens"] = kept;
  std::ofstream(dir / "tokenizer.json") << tok.dump();
}

// A page-like image: white with dark strokes, so the processor's work is realistic (content does not
// change the cost of a transformer).
std::vector<uint8_t> pageImage(int w, int h, int seed) {
  std::vector<uint8_t> px(size_t(w) * h * 3, 255);
  std::mt19937 rng(seed);
  for (int k = 0; k < 4000; ++k) {
    const int y = rng() % h, x0 = rng() % w, len = 20 + rng() % 300;
    for (int x = x0; x < std::min(w, x0 + len); ++x)
      for (int c = 0; c < 3; ++c) px[(size_t(y) * w + x) * 3 + c] = 20;
  }
  return px;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: dots_layout_bench MODEL_DIR QWEN_TOKENIZER_JSON\n";
    return 2;
  }
  const fs::path dir = argv[1];
  auto t0 = Clock::now();
  if (!fs::exists(dir / "model.safetensors")) makeModelFolder(dir, argv[2]);
  std::cout << "model folder ready in " << std::chrono::duration<double>(Clock::now() - t0).count() << " s\n";

  ll::models::qwen2::DecoderOptions options;
  options.device = c10::Device(c10::kCUDA, 0);
  options.dtype = at::kBFloat16;
  options.attention = ll::infer::AttentionImpl::Sdpa;
  t0 = Clock::now();
  auto gen = DotsLayoutGenerator::load(dir.string(), options, 18);
  std::cout << "loaded in " << std::chrono::duration<double>(Clock::now() - t0).count() << " s, weights "
            << peakGiB() << " GiB\n";

  const int W = 1700, H = 2200;  // US letter at 200 DPI
  auto run = [&](const char* label, int pages, std::vector<int> budgets, int w, int h) {
    std::vector<std::vector<uint8_t>> images;
    std::vector<LayoutGenerationRequest> reqs;
    for (int i = 0; i < pages; ++i) images.push_back(pageImage(w, h, i));
    for (int i = 0; i < pages; ++i) {
      LayoutGenerationRequest r;
      r.image = {images[i].data(), w, h, int64_t(w) * 3};
      r.maxNewTokens = budgets[i];
      reqs.push_back(r);
    }
    resetPeak();
    const auto start = Clock::now();
    const auto res = gen->generate(reqs);
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    int64_t tokens = 0, prompt = 0;
    for (const auto& r : res) {
      tokens += r.generatedTokens;
      prompt += r.promptTokens;
      if (!r.error.empty()) std::cout << "  error: " << r.error << "\n";
    }
    std::cout << label << ": pages " << pages << ", image " << w << "x" << h << ", model input " << res[0].modelWidth
              << "x" << res[0].modelHeight << ", prompt tokens/page " << prompt / pages << ", generated " << tokens
              << " tokens, " << secs << " s total, " << secs / pages << " s/page, " << tokens / secs
              << " tok/s, peak GPU " << peakGiB() << " GiB\n";
  };
  run("warm-up", 1, {16}, W, H);
  run("letter batch 1", 1, {1500}, W, H);
  std::mt19937 rng(5);
  std::vector<int> budgets;
  int64_t sum = 0;
  for (int i = 0; i < 18; ++i) {
    budgets.push_back(500 + int(rng() % 2501));
    sum += budgets.back();
  }
  std::cout << "18-page budgets (seeded, 500-3000): mean " << sum / 18 << "\n";
  run("letter 18 pages, continuous batching", 18, budgets, W, H);
  run("max-size page (3360x3360 = 11.29 MP), 16 tokens", 1, {16}, 3360, 3360);
  return 0;
}
