// Decode-step benchmark of the Gemma 3n text decoder with and without CUDA graphs
// (text_decoder_graphs.cpp). Loads a Gemma 3n checkpoint folder (random full-size E4B weights are
// fine), prefills every slot with a prompt of ragged length, then for batch sizes 1, 8 and 32 (slots
// in scattered order) runs the same token steps eagerly, as the static step without capture, and
// through the captured graphs, rewinding the slots between runs, and prints grep-able lines:
//   graphs: batch 8 eager 52.1 ms/step graph 6.3 ms/step max|dlogit| 2.0e-02
//   static: batch 8 static 50.3 ms/step max|dlogit| 1.0e-02
// Each timed step ends with argmax(logits).cpu() as the scheduler's sampling would.
// Usage: gemma3n_decode_bench MODEL_DIR [steps=16] [slots=32] [device=cuda] [dtype=bfloat16]
// With LL_TRACE_DIR set, Kineto traces of 4 graphed and 4 eager steps at batch 8 go there
// (gemma3n_graph_trace.json, gemma3n_eager_trace.json; tools/gpu/trace_summary.py reads them).
// With LL_LOGITS_OUT set, the eager run's last logits at batch 8 are written there as raw float32 [8, vocab]:
// runs with and without the fused kernels, and in float32, are compared by tools/gpu/compare_logits.py.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/infer/cuda_graph.h"
#include "core/models/gemma3n/text_decoder.h"
#include "tools/gpu/kernel_trace.h"

using ll::infer::PrefillInput;
using namespace ll::models::gemma3n;

namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Run {
  double msPerStep = 0;
  at::Tensor lastLogits;  // float32 CPU [batch, vocab] of the last step
};

// `steps` decode steps of `slots` with fixed tokens, then the slots are rewound to where they started.
Run decodeSteps(Gemma3nTextDecoder& m, const std::vector<int>& slots, int steps, bool timed) {
  const int64_t textIds = m.config().vision.vocabOffset;  // text ids only: vision ids take the eager path
  std::vector<int64_t> start;
  for (int s : slots) start.push_back(m.cachedLength(s));
  Run r;
  at::Tensor logits;
  const auto t0 = Clock::now();
  for (int step = 0; step < steps; ++step) {
    std::vector<int64_t> tokens;
    for (size_t i = 0; i < slots.size(); ++i) tokens.push_back(3 + (step * 131 + static_cast<int64_t>(i) * 17) % (textIds - 3));
    logits = m.decode(slots, tokens);
    (void)logits.argmax(-1).cpu();  // the per-step sync of sampling
  }
  if (timed) r.msPerStep = msSince(t0) / steps;
  r.lastLogits = logits.cpu();
  for (size_t i = 0; i < slots.size(); ++i) m.truncateSlot(slots[i], start[i]);
  return r;
}

Run measure(Gemma3nTextDecoder& m, DecodeMode mode, const std::vector<int>& slots, int steps) {
  m.setDecodeMode(mode);
  decodeSteps(m, slots, mode == DecodeMode::Eager ? 2 : steps, false);  // warm-up; captures every bucket the run needs
  return decodeSteps(m, slots, steps, true);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gemma3n_decode_bench MODEL_DIR [steps=16] [slots=32] [device=cuda] [dtype=bfloat16]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int steps = argc > 2 ? std::atoi(argv[2]) : 16;
  const int slotCount = argc > 3 ? std::atoi(argv[3]) : 32;
  const std::string device = argc > 4 ? argv[4] : "cuda";
  const std::string dtype = argc > 5 ? argv[5] : "bfloat16";
  try {
    Gemma3nOptions o;
    o.device = c10::Device(device);
    o.dtype = dtype == "float32" ? at::kFloat : at::kBFloat16;
    auto t = Clock::now();
    auto model = Gemma3nTextDecoder::load(dir, o);
    std::printf("loaded %s in %.1f s (%lld layers, vocab %lld, %s on %s); graphs compiled %d wanted %d\n", dir.c_str(),
                msSince(t) / 1000, static_cast<long long>(model->config().text.numLayers),
                static_cast<long long>(model->vocabSize()), dtype.c_str(), device.c_str(), ll::infer::cudaGraphsCompiled(),
                ll::infer::cudaGraphsWanted(o.device));

    // Ragged prompts of 300..3500 tokens (text ids), one per slot.
    const int64_t maxPrompt = 3500, maxLength = maxPrompt + 2 * steps + 64;
    model->reserveSlots(slotCount, maxLength);
    std::mt19937 rng(7);
    const int64_t textIds = model->config().vision.vocabOffset;
    t = Clock::now();
    int64_t prefillTokens = 0;
    for (int s = 0; s < slotCount; ++s) {
      const int64_t n = 300 + static_cast<int64_t>(rng() % (maxPrompt - 300 + 1));
      PrefillInput in;
      in.tokenIds.push_back(2);
      for (int64_t i = 1; i < n; ++i) in.tokenIds.push_back(3 + static_cast<int64_t>(rng() % (textIds - 3)));
      const int slot = *model->acquireSlot();
      (void)model->prefill(slot, in).argmax().item<int64_t>();
      prefillTokens += n;
    }
    std::printf("prefilled %d slots (%lld tokens) in %.1f s\n", slotCount, static_cast<long long>(prefillTokens),
                msSince(t) / 1000);

    std::vector<int> order(static_cast<size_t>(slotCount));
    for (int s = 0; s < slotCount; ++s) order[static_cast<size_t>(s)] = s;
    std::shuffle(order.begin(), order.end(), rng);  // batches are scattered slots, not a prefix
    for (int batch : {1, 8, 32}) {
      if (batch > slotCount) continue;
      const std::vector<int> slots(order.begin(), order.begin() + batch);
      const Run eager = measure(*model, DecodeMode::Eager, slots, steps);
      if (const char* path = std::getenv("LL_LOGITS_OUT"); path && batch == 8) {
        const at::Tensor l = eager.lastLogits.to(at::kFloat).contiguous();
        std::ofstream(path, std::ios::binary)
            .write(static_cast<const char*>(l.data_ptr()), static_cast<std::streamsize>(l.numel() * sizeof(float)));
        std::printf("logits: batch 8 eager, %lld values in %s\n", static_cast<long long>(l.numel()), path);
      }
      const Run still = measure(*model, DecodeMode::Static, slots, steps);
      std::printf("static: batch %d static %.1f ms/step max|dlogit| %.1e (max|logit| %.2f)\n", batch, still.msPerStep,
                  (still.lastLogits - eager.lastLogits).abs().max().item<double>(),
                  eager.lastLogits.abs().max().item<double>());
      if (!ll::infer::cudaGraphsWanted(o.device)) {
        std::printf("graphs: batch %d eager %.1f ms/step graph off (not compiled, not CUDA, or LAYOUTLENS_CUDA_GRAPHS=0)\n",
                    batch, eager.msPerStep);
        continue;
      }
      const Run graph = measure(*model, DecodeMode::Auto, slots, steps);
      std::printf("graphs: batch %d eager %.1f ms/step graph %.2f ms/step max|dlogit| %.1e (captured %d, failed %d)\n", batch,
                  eager.msPerStep, graph.msPerStep, (graph.lastLogits - eager.lastLogits).abs().max().item<double>(),
                  model->capturedGraphCount(), model->graphCaptureFailed());
      std::fflush(stdout);
      if (const char* dir = std::getenv("LL_TRACE_DIR"); dir && batch == 8) {
        for (const DecodeMode mode : {DecodeMode::Auto, DecodeMode::Eager}) {
          model->setDecodeMode(mode);
          decodeSteps(*model, slots, 2, false);
          ll::tools::KernelTrace trace;
          decodeSteps(*model, slots, 4, false);
          const std::string path =
              std::string(dir) + (mode == DecodeMode::Auto ? "/gemma3n_graph_trace.json" : "/gemma3n_eager_trace.json");
          trace.save(path);
          std::printf("trace: 4 steps at batch 8 in %s\n", path.c_str());
        }
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gemma3n_decode_bench failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
