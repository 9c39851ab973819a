// Decode-speed benchmark of the generation engine on a Qwen2 decoder with dots.ocr's text geometry
// (1536 hidden, 28 layers, 12/2 heads, 8960 MLP, 151936 vocab) and random weights: per-step decode
// time by batch size, prefill time, and end-to-end continuous-batching throughput. Speed is measured
// here, never asserted in tests. Usage: qwen2_decode_bench [cuda|cpu] [bfloat16|float32] [layers] [graphs|profile]
// With "graphs" it only compares decode steps with CUDA graphs on and off (lines starting "graphs:").
// With "profile [CONTEXT=5500] [BATCH=8] [TRACE=qwen2_trace.json]" it measures the step of a layout page
// (a pool of 18 slots, BATCH of them at ~CONTEXT tokens): with the per-step read-back the scheduler does,
// without it (GPU-bound), and writes a Kineto trace of a few steps for tools/gpu/trace_summary.py.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/infer/cuda_graph.h"
#include "core/infer/generation/generation_scheduler.h"
#include "core/models/qwen2/qwen2_causal_lm.h"
#include "tools/gpu/kernel_trace.h"

using namespace ll::infer;
using ll::models::qwen2::DecoderOptions;
using ll::models::qwen2::Qwen2CausalLM;
using ll::models::qwen2::Qwen2Config;
using ll::models::qwen2::StaticDecode;

namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::map<std::string, at::Tensor> randomWeights(const Qwen2Config& c, const DecoderOptions& o) {
  const auto opts = at::TensorOptions().dtype(o.dtype).device(o.device);
  const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim, i = c.intermediateSize;
  std::map<std::string, at::Tensor> w;
  auto rnd = [&](std::vector<int64_t> shape) { return at::randn(shape, opts) * 0.02; };
  w["model.embed_tokens.weight"] = rnd({c.vocabSize, h});
  w["model.norm.weight"] = at::ones({h}, opts);
  w["lm_head.weight"] = rnd({c.vocabSize, h});
  for (int64_t l = 0; l < c.numLayers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    w[p + "input_layernorm.weight"] = at::ones({h}, opts);
    w[p + "post_attention_layernorm.weight"] = at::ones({h}, opts);
    w[p + "self_attn.q_proj.weight"] = rnd({q, h});
    w[p + "self_attn.k_proj.weight"] = rnd({kv, h});
    w[p + "self_attn.v_proj.weight"] = rnd({kv, h});
    w[p + "self_attn.q_proj.bias"] = rnd({q});
    w[p + "self_attn.k_proj.bias"] = rnd({kv});
    w[p + "self_attn.v_proj.bias"] = rnd({kv});
    w[p + "self_attn.o_proj.weight"] = rnd({h, q});
    w[p + "mlp.gate_proj.weight"] = rnd({i, h});
    w[p + "mlp.up_proj.weight"] = rnd({i, h});
    w[p + "mlp.down_proj.weight"] = rnd({h, i});
  }
  return w;
}

std::vector<int64_t> prompt(int64_t n, int64_t seed) {
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < n; ++i) ids.push_back((seed * 7919 + i * 104729) % 150000);
  return ids;
}

// The same decode steps three ways: eager (the step as before graphs), the static whole-pool step
// computed directly (LAYOUTLENS_CUDA_GRAPHS=0 for it), and the static step replayed as CUDA graphs. Each
// way prefills the batch's slots afresh (ragged ~1k contexts) and feeds the same token schedule, so the
// logits of every step are comparable; one slot pool of 32 as in dots.ocr layout runs.
void compareGraphs(Qwen2CausalLM& model) {
  const int slots = 32;
  model.reserveSlots(slots, 2048);
  if (!cudaGraphsWanted(model.device()))
    std::printf("graphs: not wanted on %s (no CUDA, or LAYOUTLENS_CUDA_GRAPHS=0): the graph column runs the eager step\n",
                model.device().str().c_str());
  std::vector<int> all;
  for (int i = 0; i < slots; ++i) all.push_back(*model.acquireSlot());
  const int warmup = 3, steps = 20;
  struct Run {
    double ms = 0, firstMs = 0;
    std::vector<at::Tensor> logits;
  };
  for (int batch : {1, 8, 18, 32}) {
    const std::vector<int> ss(all.begin(), all.begin() + batch);
    auto run = [&](StaticDecode mode, bool graphs) {
      const char* old = std::getenv("LAYOUTLENS_CUDA_GRAPHS");
      const std::string saved = old ? old : "";
      if (!graphs) setenv("LAYOUTLENS_CUDA_GRAPHS", "0", 1);
      model.setStaticDecode(mode);
      for (int i = 0; i < batch; ++i) model.prefill(ss[i], PrefillInput{prompt(1000 - (i * 37) % 160, i), {}});
      Run r;
      Clock::time_point start = Clock::now();
      for (int k = 0; k < warmup + steps; ++k) {
        if (k == warmup) start = Clock::now();
        std::vector<int64_t> toks;
        for (int i = 0; i < batch; ++i) toks.push_back((k * 7919 + i * 104729 + 13) % 150000);
        const auto t = Clock::now();
        const at::Tensor l = model.decode(ss, toks);
        l.argmax(1).cpu();  // what the scheduler does with every step (and a sync)
        if (k == 0) r.firstMs = msSince(t);
        r.logits.push_back(l);
      }
      r.ms = msSince(start) / steps;
      if (old) setenv("LAYOUTLENS_CUDA_GRAPHS", saved.c_str(), 1);
      else unsetenv("LAYOUTLENS_CUDA_GRAPHS");
      return r;
    };
    const Run eager = run(StaticDecode::Never, false);
    const Run direct = run(StaticDecode::Always, false);
    const Run graph = run(StaticDecode::Auto, true);
    double dDirect = 0, dGraph = 0, magnitude = 0;
    for (size_t k = 0; k < eager.logits.size(); ++k) {
      dDirect = std::max(dDirect, (direct.logits[k] - eager.logits[k]).abs().max().item<double>());
      dGraph = std::max(dGraph, (graph.logits[k] - eager.logits[k]).abs().max().item<double>());
      magnitude = std::max(magnitude, eager.logits[k].abs().max().item<double>());
    }
    std::printf("graphs: batch %2d eager %.2f ms/step graph %.2f ms/step (%.1fx) max|dlogit| %.2e | static without graphs "
                "%.2f ms/step max|dlogit| %.2e | max|logit| %.2f, %d+%d steps, %d slots, first graph step %.1f ms\n",
                batch, eager.ms, graph.ms, eager.ms / graph.ms, dGraph, direct.ms, dDirect, magnitude, warmup, steps, slots,
                graph.firstMs);
  }
  if (model.decodeGraphsFailed()) std::printf("graphs: capture FAILED: %s\n", model.decodeGraphsFailure().c_str());
  for (int s : all) model.releaseSlot(s);
}

// Where a layout decode step's time goes: a pool of 18 slots (dots.ocr's layout batch), `batch` of them at
// ~`context` tokens (a letter page's ~4,800 image tokens plus what was generated), graphs as configured.
void profileStep(Qwen2CausalLM& model, int64_t context, int batch, const std::string& tracePath) {
  const int slots = 18;
  model.reserveSlots(slots, context + 256);
  std::vector<int> ss;
  for (int i = 0; i < batch; ++i) {
    ss.push_back(*model.acquireSlot());
    model.prefill(ss.back(), PrefillInput{prompt(context - (i * 37) % 160, i), {}});
  }
  std::vector<int64_t> toks(static_cast<size_t>(batch), 42);
  auto steps = [&](int n, bool readBack) {
    const auto t = Clock::now();
    at::Tensor l;
    for (int k = 0; k < n; ++k) {
      l = model.decode(ss, toks);
      if (readBack) l.argmax(1).cpu();
    }
    l.argmax(1).cpu();
    return msSince(t) / n;
  };
  steps(4, true);  // warm-up and graph capture
  const double synced = steps(30, true), free = steps(30, false);
  std::printf("profile: qwen2 batch %d of %d slots at ~%lld keys: %.2f ms/step with argmax read-back per step, %.2f "
              "ms/step without (graphs %s)\n",
              batch, slots, static_cast<long long>(context), synced, free,
              cudaGraphsWanted(model.device()) ? "on" : "off");
  ll::tools::KernelTrace trace;
  steps(5, true);
  trace.save(tracePath);
  std::printf("profile: trace of 5 steps (+1 read-back) in %s\n", tracePath.c_str());
  for (int s : ss) model.releaseSlot(s);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string device = argc > 1 ? argv[1] : "cuda";
  const std::string dtype = argc > 2 ? argv[2] : "bfloat16";
  Qwen2Config c;
  c.hiddenSize = 1536;
  c.numLayers = argc > 3 ? std::stoll(argv[3]) : 28;
  c.numHeads = 12;
  c.numKvHeads = 2;
  c.headDim = 128;
  c.intermediateSize = 8960;
  c.vocabSize = 151936;
  c.ropeTheta = 1e6;
  DecoderOptions o;
  o.device = resolveDevice(parseDeviceChoice(device));
  o.dtype = parseDType(dtype);
  at::manual_seed(0);
  auto model = Qwen2CausalLM::fromWeights(c, randomWeights(c, o), o);
  if (argc > 4 && std::string(argv[4]) == "graphs") {
    std::printf("qwen2 decode bench (graphs): %s %s, %lld layers\n", device.c_str(), dtype.c_str(),
                static_cast<long long>(c.numLayers));
    compareGraphs(*model);
    return 0;
  }
  if (argc > 4 && std::string(argv[4]) == "profile") {
    const int64_t context = argc > 5 ? std::stoll(argv[5]) : 5500;
    const int batch = argc > 6 ? std::atoi(argv[6]) : 8;
    profileStep(*model, context, batch, argc > 7 ? argv[7] : "qwen2_trace.json");
    return 0;
  }
  const int slots = 64;
  const int64_t context = 1024;
  model->reserveSlots(slots, 2048);
  std::printf("qwen2 decode bench: %s %s, %lld layers, attention backend: %s\n", device.c_str(), dtype.c_str(),
              static_cast<long long>(c.numLayers), attentionBackendDescription());

  // Prefill of one 1024-token prompt (after a warm-up), then of prompts whose length changes each time
  // (what real requests look like: a kernel with per-shape set-up cost shows here).
  for (int rep = 0; rep < 2; ++rep) {
    const int s = *model->acquireSlot();
    const auto t = Clock::now();
    model->prefill(s, PrefillInput{prompt(context, rep), {}}).argmax().item<int64_t>();
    if (rep == 1) std::printf("prefill %lld tokens: %.2f ms\n", static_cast<long long>(context), msSince(t));
    model->releaseSlot(s);
  }
  {
    const auto t = Clock::now();
    int64_t tokens = 0;
    for (int i = 0; i < 16; ++i) {
      const int s = *model->acquireSlot();
      const int64_t n = 256 + (i * 97) % 768;
      tokens += n;
      model->prefill(s, PrefillInput{prompt(n, i), {}}).argmax().item<int64_t>();
      model->releaseSlot(s);
    }
    std::printf("prefill of 16 prompts of 256..1023 tokens: %.2f ms each on average, %.0f tokens/s\n",
                msSince(t) / 16, tokens * 1000.0 / msSince(t));
  }

  // Decode step time by batch size, every sequence at ~1024 tokens of context.
  std::vector<int> all;
  for (int i = 0; i < slots; ++i) {
    all.push_back(*model->acquireSlot());
    model->prefill(all.back(), PrefillInput{prompt(context, i), {}});
  }
  for (int batch : {1, 8, 32, 64}) {
    std::vector<int> ss(all.begin(), all.begin() + batch);
    std::vector<int64_t> toks(batch, 42);
    for (int w = 0; w < 3; ++w) model->decode(ss, toks).argmax(1).cpu();  // warm-up
    const int steps = 20;
    const auto t = Clock::now();
    for (int k = 0; k < steps; ++k) model->decode(ss, toks).argmax(1).cpu();
    const double ms = msSince(t) / steps;
    std::printf("decode batch %2d at ~1k context: %.2f ms/step, %.0f tokens/s\n", batch, ms, batch * 1000.0 / ms);
  }
  for (int s : all) model->releaseSlot(s);

  // End to end: 96 requests with 256..1024-token prompts and 64..320 new tokens through 32 slots.
  for (int batch : {1, 32}) {
    SchedulerOptions so;
    so.maxBatch = batch;
    GenerationScheduler scheduler(*model, so);
    std::vector<GenerationRequest> reqs;
    const int n = batch == 1 ? 4 : 96;
    for (int i = 0; i < n; ++i) {
      GenerationRequest r;
      r.promptIds = prompt(256 + (i * 97) % 768, i);
      r.maxNewTokens = 64 + (i * 53) % 256;
      reqs.push_back(std::move(r));
    }
    const auto t = Clock::now();
    const auto results = scheduler.generate(std::move(reqs));
    const double ms = msSince(t);
    int64_t tokens = 0;
    for (const auto& r : results) tokens += static_cast<int64_t>(r.tokens.size());
    const auto st = scheduler.stats();
    std::printf("scheduler max batch %2d: %d requests, %lld tokens in %.0f ms = %.0f tokens/s "
                "(prefill %.0f ms total, decode %.0f ms in %lld steps, mean batch %.1f)\n",
                batch, n, static_cast<long long>(tokens), ms, tokens * 1000.0 / ms, st.prefillMs, st.decodeMs,
                static_cast<long long>(st.decodeSteps), double(st.decodedTokens) / std::max<int64_t>(1, st.decodeSteps));
  }
  return 0;
}
