#pragma once
// A tiny random Qwen2 decoder (real tensor names, 2 layers, GQA 4/2 heads, biases) shared by the Qwen2
// unit tests.
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include "core/infer/infer_test_device.h"
#include "core/models/qwen2/qwen2_causal_lm.h"
#include "core/models/qwen2/qwen2_config.h"

namespace ll::models::qwen2::testing {

// A small random Qwen2 geometry with real key names: 2 layers, biases, vocabulary of 96.
inline Qwen2Config smallConfig(int hidden, int heads, int kvHeads, int intermediate, const std::string& name) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "model_type": "qwen2", "num_hidden_layers": 2, "vocab_size": 96, "rms_norm_eps": 1e-6,
    "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"}, "tie_word_embeddings": false})");
  j["hidden_size"] = hidden;
  j["num_attention_heads"] = heads;
  j["num_key_value_heads"] = kvHeads;
  j["intermediate_size"] = intermediate;
  return Qwen2Config::fromJson(j, name);
}

inline Qwen2Config tinyConfig() { return smallConfig(32, 4, 2, 64, "tiny"); }

// The same decoder with dots.ocr's head size (two heads of 128 over one KV head): the shape for which the
// decode step's attention takes the tensor-core kernel over long slots on the GPU.
inline Qwen2Config wideHeadConfig() { return smallConfig(256, 2, 1, 128, "wide heads"); }

inline std::map<std::string, at::Tensor> randomWeights(const Qwen2Config& c, uint64_t seed) {
  at::manual_seed(seed);
  const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim, i = c.intermediateSize;
  std::map<std::string, at::Tensor> w;
  auto rnd = [](std::vector<int64_t> shape, double std) { return at::randn(shape) * std; };
  // Projections of std 0.3 at hidden size 32; wider models get proportionally smaller ones (0.3 * sqrt(32 / h)),
  // so attention scores stay of the same size: with wide random weights the softmax is so peaked that bfloat16's
  // rounding alone decides which key wins, and two correct implementations disagree.
  const double projStd = 0.3 * std::sqrt(32.0 / static_cast<double>(h));
  w["model.embed_tokens.weight"] = rnd({c.vocabSize, h}, 1.0);
  w["model.norm.weight"] = 1 + rnd({h}, 0.1);
  w["lm_head.weight"] = rnd({c.vocabSize, h}, 0.3);
  for (int64_t l = 0; l < c.numLayers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    w[p + "input_layernorm.weight"] = 1 + rnd({h}, 0.1);
    w[p + "post_attention_layernorm.weight"] = 1 + rnd({h}, 0.1);
    w[p + "self_attn.q_proj.weight"] = rnd({q, h}, projStd);
    w[p + "self_attn.k_proj.weight"] = rnd({kv, h}, projStd);
    w[p + "self_attn.v_proj.weight"] = rnd({kv, h}, projStd);
    w[p + "self_attn.q_proj.bias"] = rnd({q}, 0.1);
    w[p + "self_attn.k_proj.bias"] = rnd({kv}, 0.1);
    w[p + "self_attn.v_proj.bias"] = rnd({kv}, 0.1);
    w[p + "self_attn.o_proj.weight"] = rnd({h, q}, projStd);
    w[p + "mlp.gate_proj.weight"] = rnd({i, h}, projStd);
    w[p + "mlp.up_proj.weight"] = rnd({i, h}, projStd);
    w[p + "mlp.down_proj.weight"] = rnd({h, i}, projStd);
  }
  return w;
}

// The tiny decoder (weights of seed 1234; tinyConfig() unless another is given) on the test device and dtype
// with `slots` slots of maxLen tokens; the other options (attention, static decode) as the caller set them.
inline std::unique_ptr<Qwen2CausalLM> tinyModel(DecoderOptions o, int slots, int64_t maxLen,
                                                const Qwen2Config& config = tinyConfig()) {
  o.device = ll::testing::testDevice();
  o.dtype = ll::testing::testDType();
  auto m = Qwen2CausalLM::fromWeights(config, randomWeights(config, 1234), o);
  m->reserveSlots(slots, maxLen);
  return m;
}

}  // namespace ll::models::qwen2::testing
