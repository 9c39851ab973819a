#pragma once
// A tiny random Qwen2 decoder (real tensor names, 2 layers, GQA 4/2 heads, biases) shared by the Qwen2
// unit tests.
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

inline Qwen2Config tinyConfig() {
  return Qwen2Config::fromJson(nlohmann::json::parse(R"({
    "model_type": "qwen2", "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
    "num_key_value_heads": 2, "intermediate_size": 64, "vocab_size": 96, "rms_norm_eps": 1e-6,
    "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"}, "tie_word_embeddings": false})"),
                               "tiny");
}

inline std::map<std::string, at::Tensor> randomWeights(const Qwen2Config& c, uint64_t seed) {
  at::manual_seed(seed);
  const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim, i = c.intermediateSize;
  std::map<std::string, at::Tensor> w;
  auto rnd = [](std::vector<int64_t> shape, double std) { return at::randn(shape) * std; };
  w["model.embed_tokens.weight"] = rnd({c.vocabSize, h}, 1.0);
  w["model.norm.weight"] = 1 + rnd({h}, 0.1);
  w["lm_head.weight"] = rnd({c.vocabSize, h}, 0.3);
  for (int64_t l = 0; l < c.numLayers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    w[p + "input_layernorm.weight"] = 1 + rnd({h}, 0.1);
    w[p + "post_attention_layernorm.weight"] = 1 + rnd({h}, 0.1);
    w[p + "self_attn.q_proj.weight"] = rnd({q, h}, 0.3);
    w[p + "self_attn.k_proj.weight"] = rnd({kv, h}, 0.3);
    w[p + "self_attn.v_proj.weight"] = rnd({kv, h}, 0.3);
    w[p + "self_attn.q_proj.bias"] = rnd({q}, 0.1);
    w[p + "self_attn.k_proj.bias"] = rnd({kv}, 0.1);
    w[p + "self_attn.v_proj.bias"] = rnd({kv}, 0.1);
    w[p + "self_attn.o_proj.weight"] = rnd({h, q}, 0.3);
    w[p + "mlp.gate_proj.weight"] = rnd({i, h}, 0.3);
    w[p + "mlp.up_proj.weight"] = rnd({i, h}, 0.3);
    w[p + "mlp.down_proj.weight"] = rnd({h, i}, 0.3);
  }
  return w;
}

// The tiny decoder (weights of seed 1234) on the test device and dtype with `slots` slots of maxLen tokens;
// the other options (attention, static decode) as the caller set them.
inline std::unique_ptr<Qwen2CausalLM> tinyModel(DecoderOptions o, int slots, int64_t maxLen) {
  o.device = ll::testing::testDevice();
  o.dtype = ll::testing::testDType();
  auto m = Qwen2CausalLM::fromWeights(tinyConfig(), randomWeights(tinyConfig(), 1234), o);
  m->reserveSlots(slots, maxLen);
  return m;
}

}  // namespace ll::models::qwen2::testing
