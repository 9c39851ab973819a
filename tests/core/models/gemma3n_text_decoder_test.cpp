// The Gemma 3n text decoder on a tiny random model (CPU, float32) whose config keeps every feature:
// AltUp, LAuReL, PLE, sparsity on the first layers, sliding window 4, two KV-shared layers (one
// sliding, one full), vision hard tokens in a small vocab. Checks: layer 0 against an independent
// hand-written computation; PLE / vision / AltUp-init formulas; cached prefill + batched decode of
// slots with different lengths against the cache-free forward; that shared layers read exactly their
// producer's K/V; that the sliding window bounds how far a token's influence reaches; soft-capping;
// and the folder loader (unused tensors present, a missing tensor named).
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <map>
#include <string>
#include <vector>

#include "core/infer/safetensors.h"
#include "core/models/gemma3n/fused_ops.h"
#include "core/models/gemma3n/text_decoder.h"

using namespace ll::models::gemma3n;
using ll::infer::AttentionImpl;
using ll::infer::PrefillInput;
using nlohmann::json;
namespace fused = ll::models::gemma3n::fused;

namespace {

const char* const kLm = "model.language_model.";

json tinyJson() {
  return json::parse(R"({
    "model_type": "gemma3n", "boi_token_id": 255, "eoi_token_id": 256, "image_token_id": 257,
    "text_config": {
      "hidden_size": 32, "num_hidden_layers": 6, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8,
      "intermediate_size": [64, 96, 64, 96, 64, 96], "vocab_size": 300, "vocab_size_per_layer_input": 256,
      "hidden_size_per_layer_input": 4, "altup_num_inputs": 4, "altup_active_idx": 0, "altup_coef_clip": 120.0,
      "altup_correct_scale": true, "laurel_rank": 4, "num_kv_shared_layers": 2, "sliding_window": 4,
      "final_logit_softcapping": 30.0, "rms_norm_eps": 1e-6,
      "activation_sparsity_pattern": [0.95, 0.95, 0.0, 0.0, 0.0, 0.0],
      "layer_types": ["sliding_attention", "sliding_attention", "full_attention", "sliding_attention",
                      "sliding_attention", "full_attention"],
      "rope_parameters": {"full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
                          "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}},
    "vision_config": {"hidden_size": 24, "vocab_size": 16, "vocab_offset": 256, "rms_norm_eps": 1e-6},
    "audio_config": {"vocab_size": 16, "vocab_offset": 272}
  })");
}

Gemma3nConfig tinyConfig() { return Gemma3nConfig::fromJson(tinyJson(), "tiny"); }

// Matrices ~ N(0, 1/fan_in), 1-D weights ~ U(0.5, 1.5) (correct_output_scale included: its default
// 0 would switch PLE off), AltUp coefficient matrices ~ N(0, 0.2^2), embedding tables ~ N(0, 0.5^2).
std::map<std::string, at::Tensor> randomWeights(const Gemma3nConfig& c, uint64_t seed) {
  at::manual_seed(seed);
  std::map<std::string, at::Tensor> w;
  for (const auto& [name, shape] : Gemma3nTextDecoder::requiredTensors(c)) {
    at::Tensor t;
    if (shape.size() == 1) {
      t = at::rand(shape) + 0.5;
    } else if (name.find("coefs") != std::string::npos) {
      t = at::randn(shape) * 0.2;
    } else if (name.find("embed") != std::string::npos && name.find("projection") == std::string::npos) {
      t = at::randn(shape) * 0.5;
    } else {
      t = at::randn(shape) / std::sqrt(static_cast<double>(shape[1]));
    }
    w[name] = t;
  }
  return w;
}

std::unique_ptr<Gemma3nTextDecoder> makeModel(const Gemma3nConfig& c, const std::map<std::string, at::Tensor>& w,
                                              AttentionImpl impl = AttentionImpl::Sdpa) {
  Gemma3nOptions o;
  o.attention = impl;
  return Gemma3nTextDecoder::fromWeights(c, w, o);
}

std::string layerName(int l, const std::string& rest) { return std::string(kLm) + "layers." + std::to_string(l) + "." + rest; }

double maxDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

// ---- independent reference pieces (plain formulas, no code shared with the decoder) ----
at::Tensor refRms(const at::Tensor& x, const at::Tensor& w) {
  at::Tensor y = x / at::sqrt((x * x).mean({-1}, true) + 1e-6);
  return w.defined() ? y * w : y;
}
at::Tensor refGelu(const at::Tensor& x) {
  return 0.5 * x * (1 + at::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}
at::Tensor refRope(const at::Tensor& x /*[T, H, d]*/, double theta) {
  const int64_t T = x.size(0), d = x.size(2), half = d / 2;
  at::Tensor out = x.clone();
  for (int64_t t = 0; t < T; ++t)
    for (int64_t m = 0; m < half; ++m) {
      const double angle = t * std::pow(theta, -2.0 * m / d);
      const at::Tensor a = x.select(0, t).select(-1, m), b = x.select(0, t).select(-1, m + half);
      out.select(0, t).select(-1, m).copy_(a * std::cos(angle) - b * std::sin(angle));
      out.select(0, t).select(-1, m + half).copy_(b * std::cos(angle) + a * std::sin(angle));
    }
  return out;
}

}  // namespace

TEST(Gemma3nTextDecoder, LayerZeroMatchesHandComputation) {
  const Gemma3nConfig c = tinyConfig();
  auto w = randomWeights(c, 1);
  const auto model = makeModel(c, w);
  PrefillInput in;
  in.tokenIds = {2, 17, 99, 260, 5, 250, 31, 8, 77};  // longer than the window; one vision hard token
  std::map<std::string, at::Tensor> dbg;
  model->forwardAll(in, &dbg);
  const at::Tensor X = dbg.at("altup_init");
  const at::Tensor ple = dbg.at("per_layer_inputs").select(1, 0);
  const int64_t T = X.size(1), D = 32;
  auto W = [&](const std::string& n) { return w.at(layerName(0, n)); };
  auto router = [&](const at::Tensor& v) {
    return at::tanh(at::matmul(refRms(v, W("altup.router_norm.weight")) / D, W("altup.modality_router.weight").t()));
  };
  // AltUp predict, with explicit loops over the 4x4 coefficient matrix.
  const at::Tensor cp = at::matmul(router(X[0]), W("altup.prediction_coefs.weight").t());  // [T, 16]
  std::vector<at::Tensor> p;
  for (int j = 0; j < 4; ++j) {
    at::Tensor s = X[j].clone();
    for (int k = 0; k < 4; ++k) s = s + cp.select(1, 4 * j + k).unsqueeze(1) * X[k];
    p.push_back(s);
  }
  const at::Tensor u = p[0];
  const at::Tensor h = refRms(u, W("input_layernorm.weight"));
  const at::Tensor lam = h + refRms(at::matmul(at::matmul(h, W("laurel.linear_left.weight").t()),
                                               W("laurel.linear_right.weight").t()),
                                     W("laurel.post_laurel_norm.weight"));
  // Sliding attention (window 4), scale 1, GQA 4 query heads over 2 KV heads.
  at::Tensor q = refRms(at::matmul(h, W("self_attn.q_proj.weight").t()).view({T, 4, 8}), W("self_attn.q_norm.weight"));
  at::Tensor k = refRms(at::matmul(h, W("self_attn.k_proj.weight").t()).view({T, 2, 8}), W("self_attn.k_norm.weight"));
  const at::Tensor v = refRms(at::matmul(h, W("self_attn.v_proj.weight").t()).view({T, 2, 8}), at::Tensor());
  q = refRope(q, 10000.0);
  k = refRope(k, 10000.0);
  at::Tensor attn = at::zeros({T, 4, 8});
  for (int64_t head = 0; head < 4; ++head)
    for (int64_t t = 0; t < T; ++t) {
      const at::Tensor scores = at::matmul(k.select(1, head / 2), q.select(0, t).select(0, head));  // [T]
      at::Tensor masked = at::full({T}, -1e30);
      for (int64_t s = std::max<int64_t>(0, t - 3); s <= t; ++s) masked[s] = scores[s];
      attn.select(0, t).select(0, head).copy_(at::matmul(at::softmax(masked, 0), v.select(1, head / 2)));
    }
  const at::Tensor o = refRms(at::matmul(attn.view({T, 32}), W("self_attn.o_proj.weight").t()),
                              W("post_attention_layernorm.weight"));
  const at::Tensor z = (u + o + lam) / std::sqrt(2.0);
  const at::Tensor m = refRms(z, W("pre_feedforward_layernorm.weight"));
  at::Tensor g = at::matmul(m, W("mlp.gate_proj.weight").t());
  const at::Tensor mu = g.mean({-1}, true);
  const at::Tensor sigma = at::sqrt(((g - mu) * (g - mu)).mean({-1}, true));  // population std
  g = at::relu(g - mu - 1.6448536269514722 * sigma);                         // Phi^-1(0.95)
  const at::Tensor f = at::matmul(refGelu(g) * at::matmul(m, W("mlp.up_proj.weight").t()), W("mlp.down_proj.weight").t());
  const at::Tensor z2 = z + refRms(f, W("post_feedforward_layernorm.weight"));
  const at::Tensor gains = at::matmul(router(z2), W("altup.correction_coefs.weight").t()) + 1;
  at::Tensor ple0 = refGelu(at::matmul(( p[0] + gains.select(1, 0).unsqueeze(1) * (z2 - u)) * W("altup.correct_output_scale"),
                                      W("per_layer_input_gate.weight").t())) * ple;
  ple0 = refRms(at::matmul(ple0, W("per_layer_projection.weight").t()), W("post_per_layer_input_norm.weight"));
  std::vector<at::Tensor> out;
  for (int j = 0; j < 4; ++j) {
    at::Tensor xj = p[j] + gains.select(1, j).unsqueeze(1) * (z2 - u);
    if (j > 0) xj = xj + ple0;
    out.push_back(xj);
  }
  const at::Tensor expected = at::stack(out, 0);
  EXPECT_LT(maxDiff(dbg.at("layer.0"), expected), 2e-5 * (1 + expected.abs().max().item<double>()));
  // The sparsity really acts: a dense gate would give a different layer output.
  EXPECT_GT(at::count_nonzero(g == 0).item<int64_t>(), g.numel() / 2);
}

TEST(Gemma3nTextDecoder, EmbeddingsPerLayerInputsAndAltupInitFollowTheFormulas) {
  const Gemma3nConfig c = tinyConfig();
  auto w = randomWeights(c, 2);
  const auto model = makeModel(c, w);
  PrefillInput in;
  in.tokenIds = {2, 40, 257, 260, 280, 255};  // text, image placeholder (overridden), vision hard, audio-range, boi
  in.embeddings.positions = {2};
  in.embeddings.rows = at::randn({1, 32});
  std::map<std::string, at::Tensor> dbg;
  model->forwardAll(in, &dbg);
  const at::Tensor e = dbg.at("inputs_embeds");
  const std::string lm = kLm;
  const at::Tensor table = w.at(lm + "embed_tokens.weight");
  const double sqrtD = std::sqrt(32.0);
  EXPECT_LT(maxDiff(e[0], table[2] * sqrtD), 1e-5);
  EXPECT_LT(maxDiff(e[1], table[40] * sqrtD), 1e-5);
  EXPECT_LT(maxDiff(e[2], in.embeddings.rows[0]), 1e-6);  // override wins over the hard embedding
  EXPECT_LT(maxDiff(e[4], table[280] * sqrtD), 1e-5);     // audio ids are not vision tokens
  const at::Tensor hard = refRms(at::matmul(w.at("model.embed_vision.embedding_projection.weight"),
                                            refRms(w.at("model.embed_vision.embedding.weight")[4],
                                                   w.at("model.embed_vision.hard_embedding_norm.weight"))),
                                 at::Tensor());
  EXPECT_LT(maxDiff(e[3], hard), 1e-5);  // 260 - offset 256 = row 4, no sqrt(D)

  // PLE: table row t (row 0 for ids >= vocab_size_per_layer_input) * sqrt(P), plus the normed projection.
  const at::Tensor pleTable = w.at(lm + "embed_tokens_per_layer.weight");
  const at::Tensor proj = refRms((at::matmul(e, w.at(lm + "per_layer_model_projection.weight").t()) / sqrtD).view({6, 6, 4}),
                                 w.at(lm + "per_layer_projection_norm.weight"));
  const std::vector<int64_t> rows{2, 40, 0, 0, 0, 255};
  const at::Tensor tok = pleTable.index_select(0, at::tensor(rows)).view({6, 6, 4}) * 2.0;
  const at::Tensor expected = (proj + tok) / std::sqrt(2.0);
  EXPECT_LT(maxDiff(dbg.at("per_layer_inputs"), expected), 1e-5);

  // AltUp init: stream i>0 = projection rescaled to the RMS of e.
  const at::Tensor X = dbg.at("altup_init");
  EXPECT_LT(maxDiff(X[0], e), 1e-6);
  for (int i = 1; i < 4; ++i) {
    const at::Tensor y = at::matmul(e, w.at(lm + "altup_projections." + std::to_string(i - 1) + ".weight").t());
    const at::Tensor ref = y * at::sqrt((e * e).mean({-1}, true)) / at::sqrt((y * y).mean({-1}, true));
    EXPECT_LT(maxDiff(X[i], ref), 1e-4) << i;
  }
}

TEST(Gemma3nTextDecoder, CachedDecodeMatchesForwardAll) {
  const Gemma3nConfig c = tinyConfig();
  const auto w = randomWeights(c, 3);
  for (AttentionImpl impl : {AttentionImpl::Sdpa, AttentionImpl::Eager}) {
    auto model = makeModel(c, w, impl);
    model->reserveSlots(4, 24);
    std::vector<PrefillInput> seqs(3);
    seqs[0].tokenIds = {2, 11, 12};
    seqs[1].tokenIds = {2, 255, 257, 257, 256, 40, 263};  // boi, 2 soft tokens (overridden), eoi, text, hard vision
    seqs[1].embeddings.positions = {2, 3};
    seqs[1].embeddings.rows = at::randn({2, 32});
    seqs[2].tokenIds = {2, 90, 91, 92, 93};
    std::vector<int> slots;
    for (auto& s : seqs) {
      slots.push_back(*model->acquireSlot());
      const at::Tensor logits = model->prefill(slots.back(), s);
      const at::Tensor ref = model->forwardAll(s);
      EXPECT_LT(maxDiff(logits, ref[-1]), 1e-4);
    }
    // Decode the slots together, out of order, across the sliding window; one step feeds vision / audio-range ids.
    const std::vector<size_t> order{2, 0, 1};
    for (int step = 0; step < 9; ++step) {
      std::vector<int> stepSlots;
      std::vector<int64_t> tokens;
      for (size_t i : order) {
        const int64_t t = step == 4 ? 258 + static_cast<int64_t>(i) * 10 : (step * 37 + static_cast<int64_t>(i) * 11) % 250 + 3;
        stepSlots.push_back(slots[i]);
        tokens.push_back(t);
        seqs[i].tokenIds.push_back(t);
      }
      const at::Tensor logits = model->decode(stepSlots, tokens);
      ASSERT_EQ(logits.size(0), 3);
      for (size_t r = 0; r < order.size(); ++r) {
        const at::Tensor ref = model->forwardAll(seqs[order[r]]);
        EXPECT_LT(maxDiff(logits[static_cast<int64_t>(r)], ref[-1]), 1e-4)
            << "impl " << static_cast<int>(impl) << " step " << step << " seq " << order[r];
        EXPECT_EQ(model->cachedLength(slots[order[r]]), static_cast<int64_t>(seqs[order[r]].tokenIds.size()));
      }
    }
  }
}

// Prompts prefilled together (prefillMany: one packed pass, attention within each prompt) give the logits
// and the cache of prefilling them one by one: prompts longer than the sliding window, an image override,
// a one-token prompt, slots out of order; the decode steps that follow read the packed pass's cache.
TEST(Gemma3nTextDecoder, PrefillManyMatchesOnePromptAtATime) {
  const Gemma3nConfig c = tinyConfig();
  const auto w = randomWeights(c, 4);
  for (AttentionImpl impl : {AttentionImpl::Sdpa, AttentionImpl::Eager}) {
    auto packed = makeModel(c, w, impl), single = makeModel(c, w, impl);
    packed->reserveSlots(4, 32);
    single->reserveSlots(4, 32);
    std::vector<PrefillInput> seqs(3);
    seqs[0].tokenIds = {2, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21};  // longer than the window of 8
    seqs[1].tokenIds = {2, 255, 257, 257, 256, 40, 263};
    seqs[1].embeddings.positions = {2, 3};
    seqs[1].embeddings.rows = at::randn({2, 32});
    seqs[2].tokenIds = {2};
    const std::vector<int> slots{2, 0, 3};
    for (int i = 0; i < 4; ++i) {
      (void)packed->acquireSlot();
      (void)single->acquireSlot();
    }
    const at::Tensor together = packed->prefillMany(slots, seqs);
    ASSERT_EQ(together.size(0), 3);
    for (size_t i = 0; i < seqs.size(); ++i) {
      const at::Tensor alone = single->prefill(slots[i], seqs[i]);
      EXPECT_LT(maxDiff(together[static_cast<int64_t>(i)], alone), 1e-4) << "prompt " << i;
      EXPECT_EQ(packed->cachedLength(slots[i]), static_cast<int64_t>(seqs[i].tokenIds.size()));
    }
    for (int step = 0; step < 10; ++step) {
      std::vector<int64_t> tokens;
      for (size_t i = 0; i < slots.size(); ++i) tokens.push_back((step * 37 + static_cast<int64_t>(i) * 11) % 250 + 3);
      EXPECT_LT(maxDiff(packed->decode(slots, tokens), single->decode(slots, tokens)), 1e-4) << "step " << step;
    }
  }
  auto model = makeModel(c, w, AttentionImpl::Sdpa);
  model->reserveSlots(2, 8);
  PrefillInput a, tooLong;
  a.tokenIds = {2, 5};
  tooLong.tokenIds.assign(9, 7);
  EXPECT_THROW(model->prefillMany({0, 0}, {a, a}), std::invalid_argument);
  EXPECT_THROW(model->prefillMany({0, 1}, {a, tooLong}), std::invalid_argument);
  EXPECT_THROW(model->prefillMany({0}, {a, a}), std::invalid_argument);
}

TEST(Gemma3nTextDecoder, SharedLayersUseExactlyTheirProducersKv) {
  const Gemma3nConfig c = tinyConfig();  // shared: 4 (sliding) <- 3, 5 (full) <- 2
  auto w = randomWeights(c, 4);
  // With o_proj zeroed, a layer's own V no longer reaches its own output: changing it can only matter
  // through the layers that share its K/V.
  w[layerName(2, "self_attn.o_proj.weight")].zero_();
  w[layerName(3, "self_attn.o_proj.weight")].zero_();
  PrefillInput in;
  in.tokenIds = {2, 5, 9, 14, 20, 27, 35};
  auto run = [&](const std::map<std::string, at::Tensor>& weights) {
    std::map<std::string, at::Tensor> dbg;
    makeModel(c, weights)->forwardAll(in, &dbg);
    return dbg;
  };
  const auto base = run(w);

  auto w3 = w;
  w3[layerName(3, "self_attn.v_proj.weight")] = at::randn({16, 32});
  const auto d3 = run(w3);
  EXPECT_EQ(maxDiff(d3.at("layer.3"), base.at("layer.3")), 0.0);
  EXPECT_GT(maxDiff(d3.at("layer.4"), base.at("layer.4")), 1e-3);  // sliding consumer reads layer 3

  auto w2 = w;
  w2[layerName(2, "self_attn.v_proj.weight")] = at::randn({16, 32});
  const auto d2 = run(w2);
  EXPECT_EQ(maxDiff(d2.at("layer.3"), base.at("layer.3")), 0.0);  // layer 3 uses its own K/V
  EXPECT_EQ(maxDiff(d2.at("layer.4"), base.at("layer.4")), 0.0);  // layer 4 does not read layer 2
  EXPECT_GT(maxDiff(d2.at("layer.5"), base.at("layer.5")), 1e-3);  // full consumer reads layer 2

  // Release checkpoints carry (dead) K/V tensors for shared layers: their presence changes nothing.
  auto withDead = w;
  for (int l : {4, 5}) {
    withDead[layerName(l, "self_attn.k_proj.weight")] = at::randn({16, 32});
    withDead[layerName(l, "self_attn.v_proj.weight")] = at::randn({16, 32});
    withDead[layerName(l, "self_attn.k_norm.weight")] = at::randn({8});
  }
  EXPECT_EQ(maxDiff(makeModel(c, withDead)->forwardAll(in), makeModel(c, w)->forwardAll(in)), 0.0);
}

TEST(Gemma3nTextDecoder, SlidingWindowBoundsHowFarATokenReaches) {
  // All layers sliding (window 4: the token and 3 before). Layers 0-3 each widen the reach by 3; the
  // shared layers 4-5 attend over layer 3's K/V (built from layer 2's output), so a change at position
  // 0 reaches position 12 and no further. A window one wider, or shared layers computing their own
  // K/V, would reach further; no window at all would reach everything.
  json j = tinyJson();
  j["text_config"]["layer_types"] = json::array();
  for (int l = 0; l < 6; ++l) j["text_config"]["layer_types"].push_back("sliding_attention");
  const Gemma3nConfig c = Gemma3nConfig::fromJson(j, "tiny-sliding");
  const auto model = makeModel(c, randomWeights(c, 5));
  PrefillInput a;
  for (int t = 0; t < 20; ++t) a.tokenIds.push_back(3 + t * 7);
  PrefillInput b = a;
  b.tokenIds[0] = 200;
  const at::Tensor la = model->forwardAll(a), lb = model->forwardAll(b);
  for (int64_t t = 0; t < 20; ++t) {
    const double diff = maxDiff(la[t], lb[t]);
    if (t <= 12)
      EXPECT_GT(diff, 1e-6) << "position " << t;
    else
      EXPECT_LT(diff, 1e-6) << "position " << t;
  }
}

TEST(Gemma3nTextDecoder, SoftCapBoundsLogits) {
  json j = tinyJson();
  j["text_config"]["final_logit_softcapping"] = nullptr;
  const Gemma3nConfig raw = Gemma3nConfig::fromJson(j, "nocap");
  j["text_config"]["final_logit_softcapping"] = 2.0;
  const Gemma3nConfig capped = Gemma3nConfig::fromJson(j, "cap2");
  const auto w = randomWeights(raw, 6);
  PrefillInput in;
  in.tokenIds = {2, 50, 60, 70};
  const at::Tensor r = makeModel(raw, w)->forwardAll(in);
  const at::Tensor l = makeModel(capped, w)->forwardAll(in);
  ASSERT_GT(r.abs().max().item<double>(), 2.0);  // the cap must matter for this check to mean anything
  EXPECT_LE(l.abs().max().item<double>(), 2.0);
  EXPECT_LT(maxDiff(l, at::tanh(r / 2.0) * 2.0), 1e-5);
}

TEST(Gemma3nTextDecoder, RejectsBadInput) {
  const Gemma3nConfig c = tinyConfig();
  auto w = randomWeights(c, 7);
  const auto model = makeModel(c, w);
  PrefillInput in;
  in.tokenIds = {2, 300};
  EXPECT_THROW(model->forwardAll(in), std::invalid_argument);
  in.tokenIds.clear();
  EXPECT_THROW(model->forwardAll(in), std::invalid_argument);

  auto missing = w;
  missing.erase(layerName(3, "laurel.linear_left.weight"));
  try {
    makeModel(c, missing);
    FAIL() << "missing tensor accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("layers.3.laurel.linear_left.weight"), std::string::npos) << e.what();
  }
  auto bad = w;
  bad[layerName(1, "mlp.gate_proj.weight")] = at::randn({64, 32});  // layer 1 is 96 wide
  try {
    makeModel(c, bad);
    FAIL() << "misshaped tensor accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("layers.1.mlp.gate_proj.weight"), std::string::npos) << e.what();
  }
}

TEST(Gemma3nTextDecoder, LoadsFolderSkippingUnusedTensorsAndNamesMissingOnes) {
  const Gemma3nConfig c = tinyConfig();
  const auto w = randomWeights(c, 8);
  const auto dir = std::filesystem::temp_directory_path() / ("gemma3n_text_loader_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << tinyJson().dump();
  std::vector<std::pair<std::string, at::Tensor>> tensors(w.begin(), w.end());
  // Release layout extras: dead shared-layer K/V, towers, the audio embedder, the soft-token norm.
  tensors.push_back({layerName(4, "self_attn.k_proj.weight"), at::randn({16, 32})});
  tensors.push_back({layerName(5, "self_attn.v_proj.weight"), at::randn({16, 32})});
  tensors.push_back({layerName(5, "self_attn.k_norm.weight"), at::randn({8})});
  tensors.push_back({"model.audio_tower.conformer.0.ffw.weight", at::randn({4, 4})});
  tensors.push_back({"model.embed_audio.embedding.weight", at::randn({16, 8})});
  tensors.push_back({"model.vision_tower.timm_model.conv_stem.conv.weight", at::randn({8, 3, 3, 3})});
  tensors.push_back({"model.embed_vision.soft_embedding_norm.weight", at::randn({24})});
  ll::infer::writeSafetensors((dir / "model.safetensors").string(), tensors);

  PrefillInput in;
  in.tokenIds = {2, 33, 258, 44, 55, 66};
  const auto loaded = Gemma3nTextDecoder::load(dir.string(), Gemma3nOptions());
  EXPECT_EQ(maxDiff(loaded->forwardAll(in), makeModel(c, w)->forwardAll(in)), 0.0);

  std::vector<std::pair<std::string, at::Tensor>> incomplete;
  for (const auto& t : tensors)
    if (t.first != layerName(2, "mlp.up_proj.weight")) incomplete.push_back(t);
  ll::infer::writeSafetensors((dir / "model.safetensors").string(), incomplete);
  try {
    Gemma3nTextDecoder::load(dir.string(), Gemma3nOptions());
    ADD_FAILURE() << "missing tensor accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("layers.2.mlp.up_proj.weight"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

// On a CUDA build (GPU machine): the PLE table kept in pinned host memory and the one on the device
// give the CPU's logits, in the full forward and through prefill + decode; bfloat16 stays close.
TEST(Gemma3nTextDecoder, CudaMatchesCpu) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device";
  const Gemma3nConfig c = tinyConfig();
  const auto w = randomWeights(c, 9);
  PrefillInput in;
  in.tokenIds = {2, 255, 257, 256, 40, 263, 9, 10, 11};
  in.embeddings.positions = {2};
  in.embeddings.rows = at::randn({1, 32});
  const at::Tensor cpu = makeModel(c, w)->forwardAll(in);
  for (bool onHost : {true, false})
    for (c10::ScalarType dtype : {at::kFloat, at::kBFloat16}) {
      Gemma3nOptions o;
      o.device = c10::Device(c10::kCUDA, 0);
      o.dtype = dtype;
      o.perLayerTable = onHost ? PleTablePlacement::Host : PleTablePlacement::Device;
      auto model = Gemma3nTextDecoder::fromWeights(c, w, o);
      const double tol = dtype == at::kFloat ? 1e-4 : 0.15 * (1 + cpu.abs().max().item<double>());
      EXPECT_LT(maxDiff(model->forwardAll(in).cpu(), cpu), tol) << "host " << onHost << " dtype " << dtype;
      model->reserveSlots(2, 16);
      const int slot = *model->acquireSlot();
      EXPECT_LT(maxDiff(model->prefill(slot, in).cpu(), cpu[-1]), tol);
      PrefillInput longer = in;
      longer.tokenIds.push_back(77);
      const at::Tensor step = model->decode({slot}, {77}).cpu();
      EXPECT_LT(maxDiff(step[0], makeModel(c, w)->forwardAll(longer)[-1]), tol) << "host " << onHost << " dtype " << dtype;
    }
}

// The fused CUDA layer (text_decoder_layer.cpp's fusedLayerForward, taken for bfloat16 at the released
// widths: 4 AltUp streams of 2048, heads of 256) against the op chain in float32, layer by layer, on a
// two-layer model of those widths (one sparse MLP layer). bfloat16 rounding moves a layer's output by
// about a percent of its magnitude; a kernel fed the wrong tensor or weight moves it by its whole size.
TEST(Gemma3nTextDecoder, FusedCudaLayersFollowTheFloat32ChainAtReleasedWidths) {
  if (!at::hasCUDA() || !fused::compiledIn()) GTEST_SKIP() << "needs CUDA and a build with LAYOUTLENS_CUDA_KERNELS";
  json j = tinyJson();
  auto& t = j["text_config"];
  t["hidden_size"] = 2048;
  t["num_hidden_layers"] = 2;
  t["num_attention_heads"] = 2;
  t["num_key_value_heads"] = 1;
  t["head_dim"] = 256;
  t["intermediate_size"] = json::array({512, 512});
  t["activation_sparsity_pattern"] = json::array({0.95, 0.0});
  t["layer_types"] = json::array({"sliding_attention", "full_attention"});
  t["num_kv_shared_layers"] = 0;
  t["laurel_rank"] = 64;  // E4B's: the input projection's rows stay 16-byte multiples, the fused q/k/v kernel runs
  const Gemma3nConfig c = Gemma3nConfig::fromJson(j, "released widths");
  const auto w = randomWeights(c, 5);
  const at::Tensor probe = at::zeros({1}, at::TensorOptions().device(at::kCUDA).dtype(at::kBFloat16));
  if (!fused::available(probe)) GTEST_SKIP() << "fused kernels switched off (LAYOUTLENS_FUSED_KERNELS=0)";
  PrefillInput in;
  in.tokenIds = {2, 17, 99, 5, 250, 31, 8, 77, 12, 40};  // longer than the window
  std::map<std::string, std::map<std::string, at::Tensor>> debug;
  for (c10::ScalarType dtype : {at::kFloat, at::kBFloat16}) {
    Gemma3nOptions o;
    o.device = c10::Device(c10::kCUDA, 0);
    o.dtype = dtype;
    Gemma3nTextDecoder::fromWeights(c, w, o)->forwardAll(in, &debug[dtype == at::kFloat ? "chain" : "fused"]);
  }
  for (const char* layer : {"layer.0", "layer.1"}) {
    const at::Tensor chain = debug["chain"].at(layer), fusedOut = debug["fused"].at(layer);
    const double scale = chain.abs().max().item<double>();
    std::printf("%s: fused bf16 vs float32 chain max|d| %.3g (max|x| %.3g), mean|d| %.3g (mean|x| %.3g)\n", layer,
                maxDiff(fusedOut, chain), scale, (fusedOut - chain).abs().mean().item<double>(),
                chain.abs().mean().item<double>());
    EXPECT_LT(maxDiff(fusedOut, chain), 0.05 * scale) << layer << " (largest magnitude " << scale << ")";
    EXPECT_LT((fusedOut - chain).abs().mean().item<double>(), 0.02 * chain.abs().mean().item<double>()) << layer;
  }
  // Without `debug`, each fused layer hands its per-layer input to the next layer's entry kernel instead of
  // adding it with a kernel of its own (runLayers); the logits are the same bits either way.
  Gemma3nOptions o;
  o.device = c10::Device(c10::kCUDA, 0);
  o.dtype = at::kBFloat16;
  const auto model = Gemma3nTextDecoder::fromWeights(c, w, o);
  std::map<std::string, at::Tensor> layers;
  EXPECT_TRUE(model->forwardAll(in).equal(model->forwardAll(in, &layers))) << "deferred per-layer input";
}
