// LayoutLens's side of the pipeline benchmark (tools/gpu/benchmark.sh): the three model stages of a page
// -- dots.ocr layout, Gemma 3n crop OCR of the page's picture regions, Gemma 3n page summary -- run through
// the same generators the app uses (DotsLayoutGenerator, Gemma3nGenerator: continuous batching, all pages
// of a stage in one scheduler run), on the pages and with the per-request output lengths of a plan file
// that the reference side (tools/gpu/reference_pipeline_bench.py) reads too. Random weights never stop at
// a natural place, so every request is forced to its planned length (stop tokens ignored on both sides).
//
// Per stage it measures: a prefill probe (every request forced to 1 token: image processing, vision tower
// and prompt prefill; run twice, the first paying the stage's first-use costs), a short probe (forced to 9
// tokens: 8 decode steps at the stage's batch size; also run twice, the first paying the decode graphs' first
// captures at that batch size) and the full run, with the peak GPU memory of the full run. Decode time = full
// - prefill probe. If the short probe predicts that the full run would not fit the time budget, the planned
// lengths are scaled down and the JSON says so (the report then extrapolates the full lengths from the
// measured step time).
//
// With --overlap 1, last, both models resident, the three stages overlapped (runOverlapped): the end-to-end
// wall time of all pages, layout of the slow pages still decoding while Gemma 3n reads the crops and
// summarises the pages already laid out. An experiment: it measured slower than the stages one after
// another (docs/benchmarks.md), so it is off unless asked for.
//
// With --trace-dir DIR, each stage runs its prefill probe once more after its measurements, under a Kineto
// trace (DIR/prefill_<stage>.json; tools/gpu/prefill_trace_summary.py says where its wall time went). Not
// part of the figures.
//
// Usage: layoutlens_bench --plan PLAN.json --dots DIR [--gemma DIR] [--device cuda|cpu] [--dtype bfloat16|float32]
//                         [--pages FIRST:COUNT] [--max-batch 18] [--budget-s 240] [--overlap 1]
//                         [--trace-dir DIR] --out RESULT.json
#include <ATen/ATen.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define LL_HAVE_CUDA_STATS 1
#endif

#include "core/infer/cuda_stream.h"
#include "core/infer/runtime_options.h"
#include "core/models/dots_ocr/dots_ocr_model.h"
#include "core/models/dots_ocr/image_processor.h"
#include "core/models/dots_ocr/layout_generator.h"
#include "core/models/gemma3n/gemma3n_generator.h"
#include "core/models/gemma3n/gemma3n_stream.h"
#include "core/models/gemma3n/prompts.h"
#include "tools/gpu/kernel_trace.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
namespace dots = ll::models::dots_ocr;
namespace gemma = ll::models::gemma3n;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

bool onCuda = false;

double peakGiB() {
#ifdef LL_HAVE_CUDA_STATS
  if (onCuda) return c10::cuda::CUDACachingAllocator::getDeviceStats(0).allocated_bytes[0].peak / double(1 << 30);
#endif
  return -1;
}

void resetPeak() {
#ifdef LL_HAVE_CUDA_STATS
  if (onCuda) c10::cuda::CUDACachingAllocator::resetPeakStats(0);
#endif
}

struct Page {
  std::string path;
  int64_t width = 0, height = 0;
  std::vector<uint8_t> rgb;
  int layoutTokens = 0, summaryTokens = 0;
  struct Crop {
    int64_t x0, y0, x1, y1;
    int tokens;
  };
  std::vector<Crop> crops;
};

// Binary PPM (P6, maxval 255): the plan step converts the rendered PNGs, so no image library is needed here.
std::vector<uint8_t> readPpm(const std::string& path, int64_t& w, int64_t& h) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open page image " + path);
  std::string magic;
  int maxval = 0;
  in >> magic;
  auto skip = [&] {
    while (in >> std::ws && in.peek() == '#') in.ignore(1 << 20, '\n');
  };
  skip();
  in >> w;
  skip();
  in >> h;
  skip();
  in >> maxval;
  in.get();
  if (magic != "P6" || maxval != 255 || w <= 0 || h <= 0)
    throw std::runtime_error(path + " is not a binary 8-bit PPM (P6, maxval 255)");
  std::vector<uint8_t> px(static_cast<size_t>(w * h * 3));
  in.read(reinterpret_cast<char*>(px.data()), static_cast<std::streamsize>(px.size()));
  if (!in) throw std::runtime_error(path + " is truncated");
  return px;
}

std::vector<int> scaled(const std::vector<int>& lengths, double f) {
  std::vector<int> out;
  for (int n : lengths) out.push_back(std::max(2, static_cast<int>(std::lround(n * f))));
  return out;
}

// One stage: prefill probe, short probe, full run. `run(lengths)` runs every request of the stage with the
// given forced lengths and returns the generated token count and the per-request prompt tokens.
struct RunResult {
  int64_t generated = 0;
  std::vector<int64_t> promptTokens;
  std::vector<std::string> errors;
};

json measureStage(const std::string& name, const std::vector<int>& planned,
                  const std::function<RunResult(const std::vector<int>&)>& run, double budgetS) {
  json j;
  j["requests"] = planned.size();
  j["planned_tokens"] = planned;
  auto timed = [&](const std::vector<int>& lengths, bool peak) {
    if (peak) resetPeak();
    const auto t0 = Clock::now();
    RunResult r = run(lengths);
    const double s = since(t0);
    for (const auto& e : r.errors) std::cout << "  " << name << " error: " << e << "\n";
    return std::make_pair(s, r);
  };
  // The first prefill probe pays what the stage's first use at its batch size costs (buffers, graph captures,
  // library plans), which the full run after it no longer does: the second probe is the full run's prefill.
  // (With the first one, crop OCR's decode time came out ~0.1 s short at 8 pages and its HBM figure 5 points high.)
  const double firstPrefillS = timed(std::vector<int>(planned.size(), 1), false).first;
  const auto [prefillS, pre] = timed(std::vector<int>(planned.size(), 1), false);
  // The same for the 8-step probe: its first run captures the decode graphs of the stage's batch size (crop OCR
  // at 8 pages, H100: a 12.8 ms step estimate from the first, 6.7 from the second, a 5.5 ms step in the full
  // run), which would scale lengths down for nothing. Layout's and the summaries' estimates stay ~2x the step
  // either way: every run with decode steps pays a fixed cost besides them (docs/benchmarks.md, 16th session).
  const double firstShortS = timed(std::vector<int>(planned.size(), 9), false).first;
  const auto [shortS, sh] = timed(std::vector<int>(planned.size(), 9), false);
  const double stepEst = std::max(1e-4, (shortS - prefillS) / 8.0);
  const int longest = *std::max_element(planned.begin(), planned.end());
  const double predicted = prefillS + (longest - 1) * stepEst;
  double factor = 1.0;
  if (predicted > budgetS) factor = std::max(0.05, (budgetS - prefillS) / std::max(1e-3, predicted - prefillS));
  const std::vector<int> lengths = factor < 1.0 ? scaled(planned, factor) : planned;
  std::cout << name << ": prefill probe " << prefillS << " s (first " << firstPrefillS << " s), 8-step probe " << shortS
            << " s (first " << firstShortS << " s; step ~" << stepEst * 1e3
            << " ms), predicted full " << predicted << " s" << (factor < 1.0 ? ", lengths scaled to fit the budget" : "")
            << std::endl;
  const auto [fullS, full] = timed(lengths, true);
  int64_t forcedTotal = 0, stepsMax = 0;
  for (int n : lengths) {
    forcedTotal += n;
    stepsMax = std::max<int64_t>(stepsMax, n);
  }
  j["prefill_probe_s"] = prefillS;
  j["prefill_probe_first_s"] = firstPrefillS;
  j["short_probe_s"] = shortS;
  j["short_probe_first_s"] = firstShortS;
  j["step_estimate_s"] = stepEst;
  j["full_s"] = fullS;
  j["decode_s"] = fullS - prefillS;
  j["run_tokens"] = lengths;
  j["length_scale"] = factor;
  j["generated_tokens"] = full.generated;
  j["forced_tokens"] = forcedTotal;
  j["decode_steps"] = stepsMax - 1;
  j["prompt_tokens"] = full.promptTokens;
  j["peak_gib"] = peakGiB();
  j["errors"] = full.errors;
  std::cout << name << ": " << planned.size() << " requests, " << full.generated << " tokens (forced " << forcedTotal
            << ") in " << fullS << " s, " << full.generated / fullS << " tok/s, peak " << peakGiB() << " GiB"
            << std::endl;
  if (full.generated != forcedTotal)
    std::cout << "  WARNING: " << name << " generated " << full.generated << " tokens, forced " << forcedTotal << "\n";
  return j;
}

// The stage's prefill probe (every request forced to 1 token) once more under a Kineto trace, saved as
// DIR/prefill_<stage>.json; nothing when `dir` is empty. The caller keeps the full run's texts (the probe's
// run overwrites them).
void tracePrefill(const std::string& dir, const std::string& name, size_t requests,
                  const std::function<RunResult(const std::vector<int>&)>& run) {
  if (dir.empty()) return;
  fs::create_directories(dir);
  const std::string path = dir + "/prefill_" + name + ".json";
  ll::tools::KernelTrace trace;
  const auto t0 = Clock::now();
  run(std::vector<int>(requests, 1));
  const double s = since(t0);
  trace.save(path);
  std::cout << name << ": traced prefill probe " << s << " s -> " << path << std::endl;
}

gemma::ImageView cropView(const Page& p, const Page::Crop& box) {
  gemma::ImageView v;
  v.rgb = p.rgb.data() + (box.y0 * p.width + box.x0) * 3;
  v.width = box.x1 - box.x0;
  v.height = box.y1 - box.y0;
  v.stride = p.width * 3;
  return v;
}

gemma::VisionGenerationRequest cropRequest(const Page& p, const Page::Crop& box, int forced) {
  gemma::VisionGenerationRequest r;
  r.image = cropView(p, box);
  r.prompt = gemma::cropOcrPrompt();
  r.forcedNewTokens = forced;
  return r;
}

// The crop OCR answers of a page as the summary prompt lists them: "[k] text", k = the crop's index in the run.
std::string cropLine(size_t k, const std::string& text) { return "[" + std::to_string(k) + "] " + text; }

gemma::VisionGenerationRequest summaryRequest(const Page& p, const std::string& layoutText,
                                              const std::vector<std::string>& cropTexts, int forced) {
  gemma::VisionGenerationRequest r;
  r.image = {p.rgb.data(), p.width, p.height, p.width * 3};
  // Random weights decode to dense multilingual text; cut the context to ~4 characters per planned
  // token (English-like) so the prompt is as long as a real page's. The reference uses the same length.
  size_t planned = static_cast<size_t>(p.layoutTokens);
  for (const auto& c : p.crops) planned += static_cast<size_t>(c.tokens);
  r.prompt = gemma::pageSummaryPrompt(layoutText, cropTexts, 4 * planned);
  r.forcedNewTokens = forced;
  return r;
}

// End to end as the stages overlap: the layout model on one thread and Gemma 3n on another, each on a CUDA
// stream of its own; a page's crops go to Gemma (Gemma3nStream) the moment its layout sequence ends, its
// summary once its crops are read, while the other pages still decode. Full planned lengths; the wall time
// from the first layout request to the last summary is the end-to-end figure.
json runOverlapped(const std::vector<Page>& pages, dots::DotsLayoutGenerator& layout, gemma::Gemma3nGenerator& g,
                   const c10::Device& device, int slots, int64_t maxLength) {
  const int n = static_cast<int>(pages.size());
  std::vector<size_t> firstCrop(n, 0);
  for (int i = 1; i < n; ++i) firstCrop[i] = firstCrop[i - 1] + pages[i - 1].crops.size();
  std::mutex mutex;
  std::vector<std::string> layoutText(n);
  std::vector<std::vector<std::string>> cropText(n);
  std::vector<size_t> cropsLeft(n);
  std::vector<bool> handed(n, false);
  std::vector<double> layoutEnd(n, -1), summaryEnd(n, -1);
  std::vector<std::string> errors;
  std::atomic<int64_t> layoutTokens{0}, cropTokens{0}, summaryTokens{0};
  std::atomic<int> summariesSubmitted{0};
  for (int i = 0; i < n; ++i) {
    cropText[i].resize(pages[i].crops.size());
    cropsLeft[i] = pages[i].crops.size();
  }
  gemma::Gemma3nStream stream(g, slots, maxLength);
  const auto t0 = Clock::now();
  auto noteError = [&](const std::string& what, const std::string& e) {
    if (e.empty()) return;
    std::lock_guard<std::mutex> lock(mutex);
    errors.push_back(what + ": " + e);
  };
  auto submitSummary = [&](int i) {
    gemma::VisionGenerationRequest r;
    {
      std::lock_guard<std::mutex> lock(mutex);
      std::vector<std::string> lines;
      for (size_t k = 0; k < cropText[i].size(); ++k) lines.push_back(cropLine(firstCrop[i] + k, cropText[i][k]));
      r = summaryRequest(pages[i], layoutText[i], lines, pages[i].summaryTokens);
    }
    stream.submit(r, [&, i](gemma::VisionGeneration a) {
      summaryTokens += a.generatedTokens;
      noteError("summary", a.error);
      std::lock_guard<std::mutex> lock(mutex);
      summaryEnd[i] = since(t0);
    });
    if (++summariesSubmitted == n) stream.close();
  };
  auto pageLaidOut = [&](size_t i, const dots::LayoutGeneration& res) {
    layoutTokens += res.generatedTokens;
    noteError("layout", res.error);
    {
      std::lock_guard<std::mutex> lock(mutex);
      layoutText[i] = res.text;
      handed[i] = true;
      layoutEnd[i] = since(t0);
    }
    if (pages[i].crops.empty()) return submitSummary(static_cast<int>(i));
    for (size_t k = 0; k < pages[i].crops.size(); ++k) {
      const auto& box = pages[i].crops[k];
      stream.submit(cropRequest(pages[i], box, box.tokens), [&, i, k](gemma::VisionGeneration a) {
        cropTokens += a.generatedTokens;
        noteError("crop OCR", a.error);
        bool last = false;
        {
          std::lock_guard<std::mutex> lock(mutex);
          cropText[i][k] = a.text;
          last = --cropsLeft[i] == 0;
        }
        if (last) submitSummary(static_cast<int>(i));
      });
    }
  };
  std::string gemmaFailure;
  std::thread gemmaThread([&] {
    ll::infer::useOwnStream(device);
    try {
      stream.run();
    } catch (const std::exception& e) {
      gemmaFailure = e.what();
    }
  });
  double layoutWall = 0;
  std::thread layoutThread([&] {
    ll::infer::useOwnStream(device);
    std::vector<dots::LayoutGenerationRequest> reqs;
    for (const auto& p : pages) {
      dots::LayoutGenerationRequest r;
      r.image = {p.rgb.data(), p.width, p.height, p.width * 3};
      r.forcedNewTokens = p.layoutTokens;
      reqs.push_back(r);
    }
    try {
      layout.generate(reqs, nullptr, pageLaidOut);
    } catch (const std::exception& e) {
      noteError("layout run", e.what());
    }
    layoutWall = since(t0);
  });
  layoutThread.join();
  // Pages the layout model never handed over (failed before generation) still get their summary.
  for (int i = 0; i < n; ++i)
    if (!handed[i]) submitSummary(i);
  gemmaThread.join();
  const double wall = since(t0);
  json j;
  j["wall_s"] = wall;
  j["layout_wall_s"] = layoutWall;
  j["layout_end_s"] = layoutEnd;
  j["summary_end_s"] = summaryEnd;
  j["tokens"] = {{"layout", layoutTokens.load()}, {"crop_ocr", cropTokens.load()}, {"summary", summaryTokens.load()}};
  j["gemma_arrival_batches"] = stream.stats().arrivalBatches;
  j["slots"] = slots;
  j["max_length"] = maxLength;
  j["errors"] = errors;
  if (!gemmaFailure.empty()) j["gemma_failure"] = gemmaFailure;
  std::cout << "overlapped: " << n << " pages end to end in " << wall << " s (" << wall / n << " s/page), layout done at "
            << layoutWall << " s, " << stream.stats().arrivalBatches << " Gemma arrival batches, " << errors.size()
            << " errors" << std::endl;
  for (size_t e = 0; e < std::min<size_t>(errors.size(), 3); ++e) std::cout << "  overlapped error: " << errors[e] << "\n";
  return j;
}

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "layoutlens_bench: " << why
            << "\nusage: layoutlens_bench --plan PLAN.json --dots DIR [--gemma DIR] [--device cuda|cpu]"
               " [--dtype bfloat16|float32] [--pages FIRST:COUNT] [--max-batch 18] [--budget-s 240] [--overlap 1]"
               " [--trace-dir DIR] --out RESULT.json\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> a{{"--device", "cuda"}, {"--dtype", "bfloat16"}, {"--max-batch", "18"},
                                       {"--budget-s", "240"}, {"--pages", "0:1000"}};
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || i + 1 >= argc) usage("bad argument " + k);
    a[k] = argv[++i];
  }
  for (const char* k : {"--plan", "--dots", "--out"})
    if (!a.count(k)) usage(std::string("missing ") + k);
  const auto tStart = Clock::now();
  const double budget = std::stod(a["--budget-s"]);
  const int maxBatch = std::stoi(a["--max-batch"]);
  c10::Device device(a["--device"]);
  if (device.is_cuda() && !device.has_index()) device = c10::Device(c10::kCUDA, 0);  // models compare devices
  onCuda = device.is_cuda();
  const at::ScalarType dtype = a["--dtype"] == "float32" ? at::kFloat : at::kBFloat16;
  const std::string traceDir = a.count("--trace-dir") ? a["--trace-dir"] : std::string();

  // Plan: pages, crop boxes and the forced lengths (written by reference_pipeline_bench.py --phase plan).
  json plan = json::parse(std::ifstream(a["--plan"]));
  const auto colon = a["--pages"].find(':');
  const size_t first = std::stoul(a["--pages"].substr(0, colon)), count = std::stoul(a["--pages"].substr(colon + 1));
  std::vector<Page> pages;
  for (size_t i = first; i < plan["pages"].size() && pages.size() < count; ++i) {
    const auto& p = plan["pages"][i];
    Page page;
    page.path = p["ppm"].get<std::string>();
    page.rgb = readPpm(page.path, page.width, page.height);
    page.layoutTokens = p["layout_tokens"];
    page.summaryTokens = p["summary_tokens"];
    for (const auto& c : p["crops"]) {
      const auto b = c["box"];
      Page::Crop crop{b[0], b[1], b[2], b[3], c["tokens"]};
      if (crop.x0 < 0 || crop.y0 < 0 || crop.x1 > page.width || crop.y1 > page.height || crop.x1 <= crop.x0 ||
          crop.y1 <= crop.y0)
        throw std::runtime_error("crop box outside page " + page.path + " in the plan");
      page.crops.push_back(crop);
    }
    pages.push_back(std::move(page));
  }
  if (pages.empty()) usage("the plan selects no pages");
  const int n = static_cast<int>(pages.size());
  json out;
  out["side"] = "layoutlens";
  out["pages"] = n;
  out["page_size"] = {pages[0].width, pages[0].height};
  out["device"] = a["--device"];
  out["dtype"] = a["--dtype"];
  out["max_batch"] = maxBatch;
  std::cout << "layoutlens_bench: " << n << " pages of " << pages[0].width << "x" << pages[0].height << " on "
            << device.str() << ", " << a["--dtype"] << ", max batch " << maxBatch << ", budget " << budget << " s"
            << std::endl;
  auto writeOut = [&] {
    out["wall_s"] = since(tStart);
    std::ofstream(a["--out"]) << out.dump(1);
  };

  // ---- layout (dots.ocr)
  std::vector<std::string> layoutText(n);
  ll::models::qwen2::DecoderOptions dopt;
  dopt.device = device;
  dopt.dtype = dtype;
  dopt.attention = ll::infer::AttentionImpl::Sdpa;
  auto t0 = Clock::now();
  auto layout = dots::DotsLayoutGenerator::load(a["--dots"], dopt, maxBatch);
  json lj;
  lj["load_s"] = since(t0);
  lj["weights_gib"] = peakGiB();
  {
    // Warm-up (kernel selection, allocator) on one page, not timed.
    dots::LayoutGenerationRequest w;
    w.image = {pages[0].rgb.data(), pages[0].width, pages[0].height, pages[0].width * 3};
    w.forcedNewTokens = 2;
    layout->generate({w});
    // The vision tower alone on one page (for the TFLOP/s figure): processor, then the tower, synchronised.
    const auto processed = dots::preprocessImage(pages[0].rgb.data(), pages[0].width, pages[0].height, pages[0].width * 3);
    for (int rep = 0; rep < 2; ++rep) {
      t0 = Clock::now();
      const at::Tensor px = processed.pixelValues.to(device);
      const at::Tensor f = layout->model().visionFeatures(px, {processed.grid});
      (void)f.sum().item<float>();
      lj["vision_s_per_page"] = since(t0);
    }
    lj["vision_patches"] = processed.pixelValues.size(0);
    lj["model_input"] = {processed.resized.width, processed.resized.height};
  }
  std::vector<int> planned;
  for (const auto& p : pages) planned.push_back(p.layoutTokens);
  const double layoutBudget = budget * 0.45 - since(tStart);
  auto layoutRun = [&](const std::vector<int>& lengths) {
    std::vector<dots::LayoutGenerationRequest> reqs;
    for (int i = 0; i < n; ++i) {
      dots::LayoutGenerationRequest r;
      r.image = {pages[i].rgb.data(), pages[i].width, pages[i].height, pages[i].width * 3};
      r.forcedNewTokens = lengths[i];
      reqs.push_back(r);
    }
    RunResult rr;
    const auto res = layout->generate(reqs);
    for (int i = 0; i < n; ++i) {
      rr.generated += res[i].generatedTokens;
      rr.promptTokens.push_back(res[i].promptTokens);
      if (!res[i].error.empty()) rr.errors.push_back(res[i].error);
      layoutText[i] = res[i].text;
    }
    return rr;
  };
  lj.update(measureStage("layout", planned, layoutRun, std::max(20.0, layoutBudget)));
  {
    const auto keep = layoutText;
    tracePrefill(traceDir, "layout", planned.size(), layoutRun);
    layoutText = keep;
  }
  out["layout"] = lj;
  writeOut();
  layout.reset();  // its weights and KV cache leave the GPU before Gemma 3n loads

  if (!a.count("--gemma")) {
    std::cout << "no --gemma: crop OCR and summaries skipped" << std::endl;
    out["gemma_skipped"] = "no --gemma given";
    writeOut();
    return 0;
  }

  // ---- Gemma 3n: crop OCR, then page summaries
  try {
    gemma::Gemma3nOptions gopt;
    gopt.device = device;
    gopt.dtype = dtype;
    gopt.attention = ll::infer::AttentionImpl::Sdpa;
    t0 = Clock::now();
    resetPeak();
    auto g = gemma::Gemma3nGenerator::load(a["--gemma"], gopt, std::max(maxBatch, 3 * n));
    json gj;
    gj["load_s"] = since(t0);
    gj["weights_gib"] = peakGiB();
    gj["describe"] = g->describe();
    out["gemma"] = gj;
    struct CropRef {
      int page;
      Page::Crop box;
    };
    std::vector<CropRef> crops;
    for (int i = 0; i < n; ++i)
      for (const auto& c : pages[i].crops) crops.push_back({i, c});
    {
      g->generate({cropRequest(pages[crops[0].page], crops[0].box, 2)});
    }
    std::vector<std::vector<std::string>> cropText(n);
    std::vector<int> cropPlanned;
    for (const auto& c : crops) cropPlanned.push_back(c.box.tokens);
    auto cropRun = [&](const std::vector<int>& lengths) {
      std::vector<gemma::VisionGenerationRequest> reqs;
      for (size_t k = 0; k < crops.size(); ++k) reqs.push_back(cropRequest(pages[crops[k].page], crops[k].box, lengths[k]));
      RunResult rr;
      const auto res = g->generate(reqs);
      for (auto& t : cropText) t.clear();
      for (size_t k = 0; k < res.size(); ++k) {
        rr.generated += res[k].generatedTokens;
        rr.promptTokens.push_back(res[k].promptTokens);
        if (!res[k].error.empty()) rr.errors.push_back(res[k].error);
        cropText[crops[k].page].push_back(cropLine(k, res[k].text));
      }
      return rr;
    };
    const double cropBudget = std::max(15.0, (budget - since(tStart)) * 0.4);
    out["crop_ocr"] = measureStage("crop_ocr", cropPlanned, cropRun, cropBudget);
    {
      const auto keep = cropText;
      tracePrefill(traceDir, "crop_ocr", cropPlanned.size(), cropRun);
      cropText = keep;
    }
    writeOut();

    std::vector<int> sumPlanned;
    for (const auto& p : pages) sumPlanned.push_back(p.summaryTokens);
    auto sumRun = [&](const std::vector<int>& lengths) {
      std::vector<gemma::VisionGenerationRequest> reqs;
      for (int i = 0; i < n; ++i) reqs.push_back(summaryRequest(pages[i], layoutText[i], cropText[i], lengths[i]));
      RunResult rr;
      const auto res = g->generate(reqs);
      for (const auto& r : res) {
        rr.generated += r.generatedTokens;
        rr.promptTokens.push_back(r.promptTokens);
        if (!r.error.empty()) rr.errors.push_back(r.error);
      }
      return rr;
    };
    const double sumBudget = std::max(15.0, budget - since(tStart) - 5.0);
    out["summary"] = measureStage("summary", sumPlanned, sumRun, sumBudget);
    tracePrefill(traceDir, "summary", sumPlanned.size(), sumRun);
    writeOut();

    // ---- end to end with the stages overlapped (both models resident), when asked for
    double stagesS = 0;
    bool fullLengths = true;
    for (const char* k : {"crop_ocr", "summary"}) {
      stagesS += out[k]["full_s"].get<double>();
      fullLengths = fullLengths && out[k]["length_scale"].get<double>() >= 1.0;
    }
    stagesS += lj["full_s"].get<double>();
    fullLengths = fullLengths && lj["length_scale"].get<double>() >= 1.0;
    const double left = budget - since(tStart);
    if (!a.count("--overlap") || a["--overlap"] == "0") {
      out["overlapped"] = {{"skipped", "not asked for (--overlap 1, BENCH_OVERLAP=1)"}};
    } else if (!fullLengths || stagesS + lj["load_s"].get<double>() + 20 > left) {
      out["overlapped"] = {{"skipped", "not enough of the time budget left for a run at the full lengths"}};
      std::cout << "overlapped run skipped: " << left << " s left, the stages took " << stagesS << " s" << std::endl;
    } else {
      t0 = Clock::now();
      auto layout2 = dots::DotsLayoutGenerator::load(a["--dots"], dopt, maxBatch);
      // The Gemma pool at the stream's size and both models' first graphs, outside the timing.
      int64_t maxLength = 0;
      for (const char* k : {"crop_ocr", "summary"})
        for (const auto& pt : out[k]["prompt_tokens"]) maxLength = std::max<int64_t>(maxLength, pt.get<int64_t>());
      int mostNew = 0;
      for (const auto& p : pages) {
        mostNew = std::max(mostNew, p.summaryTokens);
        for (const auto& c : p.crops) mostNew = std::max(mostNew, c.tokens);
      }
      maxLength += mostNew + 64;  // + headroom: the overlapped prompts are the same as the stages' ones
      const int slots = std::max(maxBatch, 3 * n);
      {
        dots::LayoutGenerationRequest w;
        w.image = {pages[0].rgb.data(), pages[0].width, pages[0].height, pages[0].width * 3};
        w.forcedNewTokens = 2;
        layout2->generate({w});
        gemma::Gemma3nStream warm(*g, slots, maxLength);
        warm.submit(cropRequest(pages[0], pages[0].crops.at(0), 2), [](gemma::VisionGeneration) {});
        warm.close();
        warm.run();
      }
      const double prepS = since(t0);
      json oj = runOverlapped(pages, *layout2, *g, device, slots, maxLength);
      oj["reload_and_warmup_s"] = prepS;
      oj["stages_one_after_another_s"] = stagesS;
      out["overlapped"] = oj;
    }
  } catch (const std::exception& e) {
    std::cout << "Gemma 3n stages failed: " << e.what() << std::endl;
    out["gemma_error"] = e.what();
  }
  writeOut();
  std::cout << "layoutlens_bench: done in " << since(tStart) << " s, wrote " << a["--out"] << std::endl;
  return 0;
}
