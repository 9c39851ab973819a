// One Gemma 3n decoder layer (spec §2.4-2.6) for n rows at once, used unchanged by the prompt pass
// (n = prompt length) and the batched decode step (n = number of sequences); only the attention over
// keys differs between the two and is supplied by an AttentionStep.
#include "core/models/gemma3n/text_decoder.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/infer/rms_norm.h"
#include "core/infer/rotary.h"
#include "core/infer/runtime_options.h"
#include "core/infer/stream_branch.h"
#include "core/models/gemma3n/fused_ops.h"

namespace ll::models::gemma3n {
namespace {

at::Tensor geluTanh(const at::Tensor& x) { return at::gelu(x, "tanh"); }

// Gemma 3n's activation sparsity: keep what lies above mean + Phi^-1(s) * std (population std) of each row.
at::Tensor gaussianTopK(const at::Tensor& gate, double multiplier) {
  const at::Tensor mean = gate.mean({-1}, true);
  const at::Tensor std = at::std(gate, at::IntArrayRef{-1}, /*unbiased=*/false, /*keepdim=*/true);
  return at::relu(gate - (mean + std * multiplier));
}

}  // namespace

// Gemma3nRMSNorm: x * (mean(x^2) + eps)^-0.5 * w in fp32 (weight too), then cast back; no (1 + w)
// offset; an undefined weight is the weightless variant (v_norm, post-projection norm).
at::Tensor Gemma3nTextDecoder::rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) const {
  return infer::rmsNorm(x, weight, eps, infer::RmsNormWeight::InFloat32);
}

Gemma3nTextDecoder::Rope Gemma3nTextDecoder::rope(const at::Tensor& positions) const {
  const at::Tensor pos = positions.to(at::kFloat).unsqueeze(1);
  auto table = [&](const at::Tensor& invFreq, at::Tensor& cos, at::Tensor& sin) {
    const at::Tensor freqs = pos * invFreq.unsqueeze(0);
    const at::Tensor emb = at::cat({freqs, freqs}, -1);
    cos = emb.cos().to(options_.dtype).unsqueeze(1);
    sin = infer::signedSine(emb.sin().to(options_.dtype)).unsqueeze(1);
  };
  Rope r;
  table(invFreqFull_, r.cosFull, r.sinFull);
  table(invFreqSliding_, r.cosSliding, r.sinSliding);
  return r;
}

// tanh(modality_router · (RMS(x; router_norm) / D)) -> [n, N]. When 1/D is a power of two the loader
// has folded it into routerNorm (exact: scaling by 2^-k commutes with rounding), else it is applied
// here. tanh on a bf16/fp16 tensor is computed in float32 and rounded once, as transformers' chain.
at::Tensor Gemma3nTextDecoder::router(const Layer& layer, const at::Tensor& x) const {
  at::Tensor normed = rmsNorm(x, layer.routerNorm);
  if (!routerScaleFolded_) normed = normed * routerScale_;
  return at::tanh(at::linear(normed, layer.modalityRouter));
}

at::Tensor Gemma3nTextDecoder::mlp(const Layer& layer, const at::Tensor& x) const {
  const at::Tensor gu = layer.gateUp(x);
  const int64_t I = layer.intermediate;
  at::Tensor gate = gu.narrow(-1, 0, I);
  const at::Tensor up = gu.narrow(-1, I, I);
  const bool fusedKernels = fused::available(gate) && gate.dim() == 2;  // gate, up: narrowed halves (rows strided)
  at::Tensor act;
  if (fusedKernels && layer.sparsityMultiplier && I % 8 == 0) {  // the top-k kernel reads rows 8 values at a time
    act = fused::sparseGeluTanhMul(gate, up, *layer.sparsityMultiplier);
  } else {
    if (layer.sparsityMultiplier) gate = gaussianTopK(gate, *layer.sparsityMultiplier);
    act = fusedKernels ? fused::geluTanhMul(gate, up) : geluTanh(gate) * up;
  }
  return layer.down(act);
}

// LAuReL's low-rank branch, linear_right(linear_left(h)), from the left factor's columns of the input projection.
at::Tensor Gemma3nTextDecoder::laurelOut(const Layer& layer, const at::Tensor& proj) const {
  return at::linear(proj.narrow(1, layer.laurelOffset, config_.text.laurelRank), layer.laurelRight);
}

infer::AttentionOptions Gemma3nTextDecoder::attentionOptions(int64_t layer) const {
  infer::AttentionOptions o;
  o.impl = options_.attention;
  o.scale = 1.0;  // q and k are RMS-normalised; transformers uses scaling 1.0 (query_pre_attn_scalar is dead)
  o.causal = true;  // image tokens included: Gemma 3n has no bidirectional image attention
  o.slidingWindow = config_.text.slidingLayer[static_cast<size_t>(layer)] ? config_.text.slidingWindow : 0;
  return o;
}

Gemma3nTextDecoder::AttentionInputs Gemma3nTextDecoder::attentionInputs(
    int64_t l, const at::Tensor& proj, const Rope& rp, bool fusedKernels,
    const std::optional<AttentionStep::CacheRows>& into) const {
  const Gemma3nTextConfig& c = config_.text;
  const Layer& y = layers_[static_cast<size_t>(l)];
  const int64_t n = proj.size(0), d = c.headDim, hq = c.numHeads, hkv = c.numKvHeads;
  const bool sliding = c.slidingLayer[static_cast<size_t>(l)];
  const at::Tensor& cos = sliding ? rp.cosSliding : rp.cosFull;
  const at::Tensor& sin = sliding ? rp.sinSliding : rp.sinFull;
  if (fusedKernels && fused::fitsHead(d) && proj.stride(0) % 8 == 0) {  // the kernel reads rows 16 bytes at a time
    const AttentionStep::CacheRows rows = into.value_or(AttentionStep::CacheRows{});  // undefined rows: return k, v
    fused::AttentionInputs in = fused::qkvNormRotary(proj, hq, hkv, d, y.qNorm, y.kNorm, cos, sin, c.rmsNormEps, y.ownsKv,
                                                     rows.keys, rows.values, rows.rows);
    return {std::move(in.q), std::move(in.k), std::move(in.v)};
  }
  AttentionInputs in;
  in.q = infer::applyRotary(rmsNorm(proj.narrow(1, 0, hq * d).view({n, hq, d}), y.qNorm), cos, sin);
  if (y.ownsKv) {
    in.k = infer::applyRotary(rmsNorm(proj.narrow(1, hq * d, hkv * d).view({n, hkv, d}), y.kNorm), cos, sin);
    in.v = rmsNorm(proj.narrow(1, (hq + hkv) * d, hkv * d).view({n, hkv, d}), at::Tensor());
  }
  return in;
}

bool Gemma3nTextDecoder::fusedLayer(const at::Tensor& streams) const {
  // The fused routers expect the 1/D router scale folded into routerNorm (a power of two for every release).
  return routerScaleFolded_ && fused::available(streams) && fused::fitsAltup(streams.size(0), streams.size(2));
}

at::Tensor Gemma3nTextDecoder::layerForward(int64_t l, const at::Tensor& streams, const at::Tensor& ple, const Rope& rp,
                                            AttentionStep& attention) const {
  if (fusedLayer(streams)) return fusedLayerForward(l, streams, ple, rp, attention);
  const Gemma3nTextConfig& c = config_.text;
  const Layer& y = layers_[static_cast<size_t>(l)];
  const int64_t N = streams.size(0), n = streams.size(1), a = c.altupActiveIdx;

  // AltUp predict: p_j = x_j + sum_k C[j][k] x_k with C from the router of the active stream.
  const at::Tensor coefs = at::linear(router(y, streams[a]), y.predictionCoefs).view({n, N, N});
  const at::Tensor pred = at::bmm(coefs, streams.permute({1, 0, 2})).permute({1, 0, 2}) + streams;

  const at::Tensor u = pred[a];
  const at::Tensor h = rmsNorm(u, y.inputNorm);
  const at::Tensor proj = at::linear(h, y.inputProjWeight);  // [q; k; v; laurel_left] (h)
  const at::Tensor laurelNormed = rmsNorm(laurelOut(y, proj), y.laurelNorm);
  const AttentionInputs in = attentionInputs(l, proj, rp, fused::available(streams), attention.cacheRows(l));
  const at::Tensor attn = rmsNorm(at::linear(attention.run(l, in.q, in.k, in.v), y.oWeight), y.postAttentionNorm);
  const at::Tensor z = ((u + attn) + (h + laurelNormed)) / std::sqrt(2.0);
  const at::Tensor z2 = z + rmsNorm(mlp(y, rmsNorm(z, y.preFeedforwardNorm)), y.postFeedforwardNorm);

  // AltUp correct: x'_j = p_j + (correction_coefs · router(z2) + 1)_j · (z2 - p_a); then the per-layer input
  // injection into streams 1..N-1 from the corrected active stream.
  const at::Tensor gains = at::linear(router(y, z2), y.correctionCoefs) + 1.0;  // [n, N]
  at::Tensor out = (z2 - u).unsqueeze(0) * gains.t().unsqueeze(-1) + pred;
  at::Tensor g = out[a];
  if (c.altupCorrectScale) g = g * y.correctOutputScale;
  g = geluTanh(at::linear(g, y.perLayerInputGate)) * ple;
  g = rmsNorm(at::linear(g, y.perLayerProjection), y.postPerLayerInputNorm);
  out.narrow(0, 1, N - 1).add_(g.unsqueeze(0));
  return out;
}

// The same layer with its norm and residual chains in four kernels around the GEMMs and the attention
// (fused_ops.h); each rounds as the chain above does.
at::Tensor Gemma3nTextDecoder::fusedLayerForward(int64_t l, const at::Tensor& streams, const at::Tensor& ple,
                                                 const Rope& rp, AttentionStep& attention,
                                                 PendingPerLayerInput* pending) const {
  const Gemma3nTextConfig& c = config_.text;
  const Layer& y = layers_[static_cast<size_t>(l)];
  const int64_t a = c.altupActiveIdx;
  const double eps = c.rmsNormEps;
  const PendingPerLayerInput none;
  const PendingPerLayerInput& before = pending ? *pending : none;  // the previous layer's input, when held back
  const fused::Predicted pred = fused::predictAndNorm(streams, a, y.routerNorm, y.modalityRouter, y.predictionCoefs,
                                                      y.inputNorm, eps, before.g, before.norm);
  const at::Tensor u = pred.streams[a], &h = pred.normed;
  const at::Tensor proj = at::linear(h, y.inputProjWeight);
  // LAuReL's right factor needs only the projection and is wanted after the attention: it runs beside the
  // attention on a second stream (one small GEMM off the step's critical path).
  infer::StreamBranch laurel(proj, {proj}, [&] { return laurelOut(y, proj); });
  const AttentionInputs in = attentionInputs(l, proj, rp, true, attention.cacheRows(l));
  const at::Tensor o = at::linear(attention.run(l, in.q, in.k, in.v), y.oWeight);
  const fused::Mixed mixed =
      fused::attentionMix(u, h, o, laurel.join(), y.postAttentionNorm, y.laurelNorm, y.preFeedforwardNorm, eps);
  const at::Tensor scale = c.altupCorrectScale ? y.correctOutputScale : at::Tensor();
  fused::Corrected corrected = fused::correctAfterMlp(mixed.z, mlp(y, mixed.normed), y.postFeedforwardNorm, pred.streams,
                                                      y.routerNorm, y.modalityRouter, y.correctionCoefs, a, scale, eps);
  // The gate's product and activation in one kernel where it applies (a decode step's few rows): cuBLAS takes
  // ~5 us for its 1 MB weight, and the activation is a kernel of its own.
  const at::Tensor gated = fused::perLayerGateApplies(corrected.active, y.perLayerInputGate, ple)
                               ? fused::perLayerGate(corrected.active, y.perLayerInputGate, ple)
                               : fused::geluTanhMul(at::linear(corrected.active, y.perLayerInputGate), ple);
  const at::Tensor g = at::linear(gated, y.perLayerProjection);
  if (pending) {
    *pending = {g, y.postPerLayerInputNorm};
  } else {
    fused::addPerLayerInput(corrected.streams, g, y.postPerLayerInputNorm, eps);
  }
  return corrected.streams;
}

// LAYOUTLENS_DEFER_PER_LAYER_INPUT=0 adds each fused layer's per-layer input in a kernel of its own (A/B runs).
bool Gemma3nTextDecoder::deferPerLayerInput() {
  static const bool wanted = !infer::switchedOffByEnvironment("LAYOUTLENS_DEFER_PER_LAYER_INPUT");
  return wanted;
}

at::Tensor Gemma3nTextDecoder::runLayers(at::Tensor streams, const at::Tensor& ple, const Rope& rp, AttentionStep& attention,
                                         std::map<std::string, at::Tensor>* debug) const {
  // Consecutive fused layers hand the per-layer input on to the next layer's entry kernel; it is added by a
  // kernel of its own only before a layer that is not fused, after the last layer, or where every layer's
  // output is wanted (debug).
  const bool defer = !debug && deferPerLayerInput();
  PendingPerLayerInput pending;
  auto settle = [&] {
    if (!pending.g.defined()) return;
    fused::addPerLayerInput(streams, pending.g, pending.norm, config_.text.rmsNormEps);
    pending = {};
  };
  for (int64_t l = 0; l < config_.text.numLayers; ++l) {
    if (defer && fusedLayer(streams)) {
      streams = fusedLayerForward(l, streams, ple.select(1, l), rp, attention, &pending);
    } else {
      settle();
      streams = layerForward(l, streams, ple.select(1, l), rp, attention);
    }
    if (debug) (*debug)["layer." + std::to_string(l)] = streams.to(at::kFloat).cpu().clone();
  }
  settle();
  return streams;
}

}  // namespace ll::models::gemma3n
