// Attention backends behind one function. The libtorch version switch lives here and nowhere else:
// libtorch >= 2 has at::scaled_dot_product_attention (flash / memory-efficient kernels on CUDA, a
// flash kernel on the CPU from 2.2), libtorch 1.13 (Debian) only the private plain-math
// at::_scaled_dot_product_attention, which has no `scale` argument and builds the full score matrix.
#include "core/infer/attention.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "core/infer/shape_text.h"
#include "core/infer/split_kv_decode.h"

namespace ll::infer {
namespace {

constexpr bool kFusedKernelsAvailable = TORCH_VERSION_MAJOR >= 2;
// enable_gqa appeared in 2.5; before that K/V heads are repeated explicitly.
[[maybe_unused]] constexpr bool kSdpaHasGqa = TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5);

double effectiveScale(const AttentionOptions& o, int64_t headDim) {
  return o.scale > 0 ? o.scale : 1.0 / std::sqrt(static_cast<double>(headDim));
}

// Boolean mask (true = may attend) for queries [q0, q0 + qCount) out of lq, over lk keys.
// Shape [B or 1, 1, qCount, lk]; it broadcasts over heads.
at::Tensor buildMask(int64_t lq, int64_t q0, int64_t qCount, int64_t lk, const AttentionOptions& o,
                     const std::vector<int64_t>& keyLengths, const at::Device& device) {
  const auto longOpts = at::TensorOptions().dtype(at::kLong).device(device);
  const at::Tensor keys = at::arange(lk, longOpts).view({1, 1, 1, lk});
  const at::Tensor rows = at::arange(q0, q0 + qCount, longOpts).view({1, 1, qCount, 1});
  at::Tensor allow;
  at::Tensor queryPos;
  if (keyLengths.empty()) {
    queryPos = rows + (lk - lq);
    allow = at::ones({1, 1, qCount, lk}, longOpts.dtype(at::kBool));
  } else {
    const auto b = static_cast<int64_t>(keyLengths.size());
    const at::Tensor lens = at::tensor(keyLengths, at::TensorOptions().dtype(at::kLong)).to(device).view({b, 1, 1, 1});
    queryPos = lens - lq + rows;
    allow = (keys < lens).expand({b, 1, qCount, lk});
  }
  if (o.causal) allow = at::logical_and(allow, keys <= queryPos);
  if (o.slidingWindow > 0) allow = at::logical_and(allow, keys > queryPos - o.slidingWindow);
  return allow;
}

at::Tensor repeatKv(const at::Tensor& t, int64_t groups) {
  if (groups == 1) return t;
  const auto b = t.size(0), h = t.size(1), l = t.size(2), d = t.size(3);
  return t.unsqueeze(2).expand({b, h, groups, l, d}).reshape({b, h * groups, l, d});
}

// Plain math, the reference: scores in the input dtype, softmax in float32 (as transformers' eager path).
at::Tensor eagerBlock(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                      bool topLeftCausal, double scale) {
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) * scale;
  if (mask.defined()) {
    scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
  } else if (topLeftCausal) {
    const auto lq = q.size(-2), lk = k.size(-2);
    const at::Tensor tri = at::ones({lq, lk}, q.options().dtype(at::kBool)).tril();
    scores = scores.masked_fill(tri.logical_not(), -std::numeric_limits<double>::infinity());
  }
  const at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
  return at::matmul(probs, v);
}

at::Tensor fusedBlock(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                      bool isCausal, double scale) {
  const int64_t groups = q.size(1) / k.size(1);
#if TORCH_VERSION_MAJOR >= 2
  const c10::optional<at::Tensor> m = mask.defined() ? c10::optional<at::Tensor>(mask) : c10::nullopt;
  // With a mask the flash kernel is out and the memory-efficient kernel has no GQA, so repeat K/V
  // rather than let the dispatcher fall back to math.
  const bool nativeGqa = kSdpaHasGqa && groups > 1 && !mask.defined();
  const at::Tensor kk = nativeGqa ? k : repeatKv(k, groups);
  const at::Tensor vv = nativeGqa ? v : repeatKv(v, groups);
#if TORCH_VERSION_MAJOR > 2 || TORCH_VERSION_MINOR >= 5
  return at::scaled_dot_product_attention(q, kk, vv, m, 0.0, isCausal, scale, nativeGqa);
#elif TORCH_VERSION_MINOR >= 1
  return at::scaled_dot_product_attention(q, kk, vv, m, 0.0, isCausal, scale);
#else
  const double builtin = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  return at::scaled_dot_product_attention(q * (scale / builtin), kk, vv, m, 0.0, isCausal);
#endif
#else
  const at::Tensor kk = repeatKv(k, groups);
  const at::Tensor vv = repeatKv(v, groups);
  // 1.13's math kernel adds a float mask; it has no scale argument (it always uses 1/sqrt(D)).
  c10::optional<at::Tensor> additive;
  if (mask.defined()) {
    additive = at::zeros(mask.sizes(), q.options()).masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
  }
  const double builtin = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const at::Tensor qs = std::abs(scale - builtin) < 1e-12 ? q : q * (scale / builtin);
  return std::get<0>(at::_scaled_dot_product_attention(qs, kk, vv, additive, 0.0, false, isCausal));
#endif
}

void checkShapes(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const std::vector<int64_t>& keyLengths) {
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4)
    throw std::invalid_argument("attention: q, k, v must be 4-D [batch, heads, length, head_dim]");
  if (k.sizes() != v.sizes()) throw std::invalid_argument("attention: k and v shapes differ");
  if (q.size(0) != k.size(0) || q.size(3) != k.size(3))
    throw std::invalid_argument("attention: q and k disagree on batch or head_dim");
  if (k.size(1) == 0 || q.size(1) % k.size(1) != 0)
    throw std::invalid_argument("attention: query heads (" + std::to_string(q.size(1)) +
                                ") must be a multiple of key/value heads (" + std::to_string(k.size(1)) + ")");
  if (!keyLengths.empty() && static_cast<int64_t>(keyLengths.size()) != q.size(0))
    throw std::invalid_argument("attention: keyLengths needs one entry per batch row");
  for (const auto len : keyLengths)
    if (len < q.size(2) || len > k.size(2))
      throw std::invalid_argument("attention: a key length is shorter than the queries or longer than the keys");
}

// cuDNN's SDPA builds an execution plan per input shape, and prompts and vision sequences change
// length with every request, so it is kept out of the dispatcher's choice; flash and memory-efficient
// kernels have no per-shape cost. Measured on an H200 (libtorch 2.11) before this: a 1024-token
// prefill took 12.6 ms when repeated, but 84 ms on average over prompts of varying lengths.
void preferShapeAgnosticKernels() {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
  static const bool done = [] {
    at::globalContext().setSDPUseCuDNN(false);
    return true;
  }();
  (void)done;
#endif
}

// The answer of `probe` for (kernel, device, dtype, head size), computed once per process and remembered;
// a probe that throws answers false (a kernel this build or GPU lacks).
enum class ProbedKernel { CudnnAttention, FlashVarlen };
[[maybe_unused]] bool probedOnce(ProbedKernel kernel, const at::Device& device, at::ScalarType dtype, int64_t headDim,
                                 const std::function<bool()>& probe) {
  static std::mutex mutex;
  static std::map<std::tuple<int, int, int, int64_t>, bool> known;
  std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_tuple(static_cast<int>(kernel), static_cast<int>(device.index()), static_cast<int>(dtype), headDim);
  if (auto it = known.find(key); it != known.end()) return it->second;
  bool works = false;
  try {
    works = probe();
  } catch (const std::exception&) {
    works = false;
  }
  known[key] = works;
  return works;
}

// cuDNN's attention for one long, unmasked, non-causal sequence with as many K/V heads as query heads
// (the dots.ocr vision tower: ~19k patches per letter page). There it runs at ~600 TFLOP/s on an H100
// against ~370 for flash (tools/gpu/gemm_probe.py), which outweighs its per-shape plan (the reason it
// is kept out of the dispatcher's choice above) from this length on; pages of one document share a size.
constexpr int64_t kCudnnMinLength = 16384;

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 6)
#define LL_CUDNN_ATTENTION 1
at::Tensor cudnnBlock(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale) {
  return std::get<0>(at::_scaled_dot_product_cudnn_attention(q, k, v, c10::nullopt, /*compute_log_sumexp=*/false, 0.0,
                                                              /*is_causal=*/false, /*return_debug_mask=*/false, scale));
}
#endif

// Whether cudnnBlock runs and agrees with plain math here: tried once per (device, dtype, head size).
bool cudnnAttentionWorks(const at::Device& device, at::ScalarType dtype, int64_t headDim) {
#ifdef LL_CUDNN_ATTENTION
  if (!device.is_cuda() || (dtype != at::kBFloat16 && dtype != at::kHalf) || headDim % 8 != 0 || headDim > 128) return false;
  return probedOnce(ProbedKernel::CudnnAttention, device, dtype, headDim, [&] {
    const auto opts = at::TensorOptions().dtype(dtype).device(device);
    const at::Tensor q = at::randn({1, 2, 256, headDim}, opts), k = at::randn_like(q), v = at::randn_like(q);
    const double scale = 1.0 / std::sqrt(static_cast<double>(headDim));
    const at::Tensor got = cudnnBlock(q, k, v, scale).to(at::kFloat);
    const at::Tensor want = eagerBlock(q, k, v, at::Tensor(), false, scale).to(at::kFloat);
    return (got - want).abs().max().item<double>() < 3e-2;  // else: no cuDNN attention here, or a broken one
  });
#else
  (void)device, (void)dtype, (void)headDim;
  return false;
#endif
}

}  // namespace

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const AttentionOptions& o,
                     const std::vector<int64_t>& keyLengths) {
  checkShapes(q, k, v, keyLengths);
  preferShapeAgnosticKernels();
  const int64_t b = q.size(0), hq = q.size(1), lq = q.size(2), d = q.size(3);
  const int64_t hkv = k.size(1), lk = k.size(2), groups = hq / hkv;
  const double scale = effectiveScale(o, d);
  const bool eager = o.impl == AttentionImpl::Eager;

  // A single query (decode): fold the query heads of each K/V group into the query-length axis, so
  // K/V are used as they are (no repeat copy). The scores are only [B, Hq, 1, Lk], so plain math is
  // used in every mode: on an H200 with libtorch 2.11 the SDPA dispatcher's choice for this shape cost
  // 80 ms per 28-layer decode step against 16.5 ms for math at batch 1 (22 vs 80 ms at batch 64),
  // most likely per-shape planning, as every step has a new key length (docs/gpu-results.md).
  if (lq == 1) {
    const at::Tensor qg = q.reshape({b, hkv, groups, d});
    at::Tensor mask;
    if (!keyLengths.empty() || o.slidingWindow > 0) {
      mask = buildMask(1, 0, 1, lk, o, keyLengths, q.device());  // [B|1, 1, 1, Lk], broadcasts over the group rows
    }
    return eagerBlock(qg, k, v, mask, false, scale).reshape({b, hq, 1, d});
  }

  const bool maskNeeded = !keyLengths.empty() || o.slidingWindow > 0 || (o.causal && lq > 1 && lq != lk);
  const bool plainCausal = o.causal && lq == lk && !maskNeeded;
  const bool materialises = eager || !kFusedKernelsAvailable;
  const int64_t rowBytes = b * hq * lk * 4;
  const int64_t chunk = materialises ? std::max<int64_t>(1, o.maxScoreBytes / std::max<int64_t>(1, rowBytes)) : lq;

#ifdef LL_CUDNN_ATTENTION
  if (!eager && !maskNeeded && !o.causal && groups == 1 && lq == lk && lq >= kCudnnMinLength &&
      cudnnAttentionWorks(q.device(), q.scalar_type(), d))
    return cudnnBlock(q, k, v, scale);
#endif
  if (chunk >= lq) {
    const at::Tensor mask = maskNeeded ? buildMask(lq, 0, lq, lk, o, keyLengths, q.device()) : at::Tensor();
    if (eager) return eagerBlock(q, repeatKv(k, groups), repeatKv(v, groups), mask, plainCausal, scale);
    return fusedBlock(q, k, v, mask, plainCausal, scale);
  }

  // Query chunks: every chunk needs its own explicit mask once the queries are split.
  const bool chunkMask = maskNeeded || o.causal;
  const at::Tensor kk = repeatKv(k, groups);
  const at::Tensor vv = repeatKv(v, groups);
  std::vector<at::Tensor> parts;
  for (int64_t q0 = 0; q0 < lq; q0 += chunk) {
    const int64_t n = std::min(chunk, lq - q0);
    const at::Tensor qc = q.narrow(2, q0, n);
    const at::Tensor mask = chunkMask ? buildMask(lq, q0, n, lk, o, keyLengths, q.device()) : at::Tensor();
    parts.push_back(eager ? eagerBlock(qc, kk, vv, mask, false, scale) : fusedBlock(qc, kk, vv, mask, false, scale));
  }
  return at::cat(parts, 2);
}

at::Tensor decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const AttentionOptions& o,
                           const at::Tensor& keyLengths) {
  checkShapes(q, k, v, {});
  if (q.size(2) != 1) throw std::invalid_argument("decodeAttention: one query per row");
  if (!keyLengths.defined() || keyLengths.dim() != 1 || keyLengths.size(0) != q.size(0))
    throw std::invalid_argument("decodeAttention: keyLengths needs one entry per batch row");
  const int64_t b = q.size(0), hq = q.size(1), d = q.size(3), hkv = k.size(1), lk = k.size(2), groups = hq / hkv;
  // The same group folding and plain math as attention()'s decode path, with the mask built on the device.
  const auto longOpts = at::TensorOptions().dtype(at::kLong).device(q.device());
  const at::Tensor keys = at::arange(lk, longOpts).view({1, 1, 1, lk});
  const at::Tensor lens = keyLengths.to(at::kLong).view({b, 1, 1, 1});
  at::Tensor mask = keys < lens;
  if (o.slidingWindow > 0) mask = at::logical_and(mask, keys > lens - 1 - o.slidingWindow);
  const at::Tensor qg = q.reshape({b, hkv, groups, d});
  // One batched matmul per K/V head instead of one 4-D matmul: the callers pass K/V as views of a
  // [slots, length, kvHeads, headDim] cache, where a 4-D matmul first copies K and V into contiguous
  // memory (every layer, every step: at 8k keys x 18 slots that copy costs more than the attention). Per
  // head, K is a [B, Lk, D] matrix batch with row stride kvHeads*D, which bmm reads as it is.
  std::vector<at::Tensor> scores;
  for (int64_t h = 0; h < hkv; ++h) scores.push_back(at::bmm(qg.select(1, h), k.select(1, h).transpose(1, 2)));
  at::Tensor s = at::stack(scores, 1) * effectiveScale(o, d);  // [B, Hkv, G, Lk]
  s = s.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
  const at::Tensor probs = at::softmax(s, -1, at::kFloat).to(q.scalar_type());
  std::vector<at::Tensor> outs;
  for (int64_t h = 0; h < hkv; ++h) outs.push_back(at::bmm(probs.select(1, h), v.select(1, h)));
  return at::stack(outs, 1).reshape({b, hq, 1, d});
}

namespace {

// _flash_attention_forward takes seqused_k and a sliding window from 2.7 (earlier builds lack one or both).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 7)
#define LL_FLASH_VARLEN_DECODE 1
#endif

#ifdef LL_FLASH_VARLEN_DECODE
at::Tensor flashDecode(const at::Tensor& q, const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                       const CacheDecodeIndex& index, const AttentionOptions& o) {
  const int64_t slots = keyStorage.size(0), rows = keyStorage.size(1), hkv = keyStorage.size(2), d = keyStorage.size(3);
  const at::Tensor k = keyStorage.view({slots * rows, hkv, d}), v = valueStorage.view({slots * rows, hkv, d});
  // A window of W keys (the query's own included) is FlashAttention's window_size_left = W - 1.
  const int64_t left = o.slidingWindow > 0 ? o.slidingWindow - 1 : -1, right = o.slidingWindow > 0 ? 0 : -1;
  return std::get<0>(at::_flash_attention_forward(q.contiguous(), k, v, index.queryStarts, index.keyStarts, 1, index.bucket,
                                                  0.0, /*is_causal=*/false, /*return_debug_mask=*/false,
                                                  effectiveScale(o, d), left, right, index.usedKeys, c10::nullopt));
}
#endif

}  // namespace

// Tried once per (device, dtype, head size) on a two-slot toy cache.
bool fusedCacheDecodeAvailable(const at::Device& device, at::ScalarType dtype, int64_t headDim) {
#ifdef LL_FLASH_VARLEN_DECODE
  if (!device.is_cuda() || (dtype != at::kBFloat16 && dtype != at::kHalf) || headDim % 8 != 0 || headDim > 256) return false;
  return probedOnce(ProbedKernel::FlashVarlen, device, dtype, headDim, [&] {
    // Two slots of four rows, 1 and 3 keys used, all ones: every output element is 1.
    const auto opts = at::TensorOptions().dtype(dtype).device(device);
    const at::Tensor cache = at::ones({2, 4, 1, headDim}, opts);
    CacheDecodeIndex index;
    index.bucket = 4;
    index.queryStarts = at::arange(3, opts.dtype(at::kInt));
    index.keyStarts = index.queryStarts * 4;
    index.usedKeys = at::tensor(std::vector<int>{1, 3}, at::TensorOptions().dtype(at::kInt)).to(device);
    const at::Tensor out = flashDecode(at::ones({2, 2, headDim}, opts), cache, cache, index, AttentionOptions{});
    return std::abs(out.to(at::kFloat).sum().item<double>() - 4.0 * static_cast<double>(headDim)) < 1e-2 * headDim;
  });
#else
  (void)device, (void)dtype, (void)headDim;
  return false;
#endif
}

at::Tensor deviceOffsets(const std::vector<int64_t>& offsets, const at::Device& device) {
  return at::tensor(std::vector<int>(offsets.begin(), offsets.end()), at::TensorOptions().dtype(at::kInt)).to(device);
}

CacheDecodeIndex cacheDecodeIndex(const at::Tensor& keyLengths, int64_t bucket, int64_t rowsPerSlot, at::ScalarType dtype,
                                  int64_t headDim) {
  if (!keyLengths.defined() || keyLengths.dim() != 1)
    throw std::invalid_argument("cacheDecodeIndex: keyLengths needs one entry per slot");
  if (bucket < 1 || bucket > rowsPerSlot)
    throw std::invalid_argument("cacheDecodeIndex: bucket " + std::to_string(bucket) + " must lie in 1.." +
                                std::to_string(rowsPerSlot));
  CacheDecodeIndex index;
  index.keyLengths = keyLengths;
  index.bucket = bucket;
  index.fused = fusedCacheDecodeAvailable(keyLengths.device(), dtype, headDim);
  if (index.fused) {
    const auto ints = at::TensorOptions().dtype(at::kInt).device(keyLengths.device());
    index.queryStarts = at::arange(keyLengths.size(0) + 1, ints);
    index.keyStarts = index.queryStarts * rowsPerSlot;
    index.usedKeys = keyLengths.to(at::kInt);
  }
  return index;
}

at::Tensor cacheDecodeAttention(const at::Tensor& q, const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                                const CacheDecodeIndex& index, const AttentionOptions& o) {
  if (q.dim() != 3 || keyStorage.dim() != 4 || !keyStorage.sizes().equals(valueStorage.sizes()) ||
      q.size(0) != keyStorage.size(0) || q.size(2) != keyStorage.size(3) || q.size(1) % keyStorage.size(2) != 0)
    throw std::invalid_argument("cacheDecodeAttention: q [S, Hq, D] and a cache [S, rows, Hkv, D] with Hq a multiple of Hkv "
                                "expected, got q " + shapeText(q.sizes()) + " and cache " + shapeText(keyStorage.sizes()));
  if (index.keyLengths.size(0) != q.size(0) || index.bucket > keyStorage.size(1))
    throw std::invalid_argument("cacheDecodeAttention: the index was built for another cache");
  // Our split-KV kernels where they apply: over short ranges FlashAttention's varlen kernel runs one block per
  // (slot, query head), too few at decode batch sizes; over long ranges its split kernel comes with three copy
  // kernels a layer (split_kv_decode.h).
  const int64_t attended = o.slidingWindow > 0 ? std::min(index.bucket, o.slidingWindow) : index.bucket;
  if (splitKvDecodeApplies(q, keyStorage, valueStorage, attended))
    return splitKvDecodeAttention(q, keyStorage, valueStorage, index.keyLengths, index.bucket, effectiveScale(o, q.size(2)),
                                  o.slidingWindow);
#ifdef LL_FLASH_VARLEN_DECODE
  if (index.fused) return flashDecode(q, keyStorage, valueStorage, index, o);
#endif
  const at::Tensor keys = keyStorage.narrow(1, 0, index.bucket).transpose(1, 2);
  const at::Tensor values = valueStorage.narrow(1, 0, index.bucket).transpose(1, 2);
  return decodeAttention(q.unsqueeze(2), keys, values, o, index.keyLengths).squeeze(2);
}

at::Tensor varlenAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const std::vector<int64_t>& cuSeqlens, const AttentionOptions& o,
                           const at::Tensor& cuSeqlensOnDevice) {
  if (q.dim() != 3 || k.dim() != 3 || v.dim() != 3)
    throw std::invalid_argument("varlenAttention: q, k, v must be 3-D [tokens, heads, head_dim]");
  if (cuSeqlens.size() < 2 || cuSeqlens.front() != 0 || cuSeqlens.back() != q.size(0) || k.size(0) != q.size(0))
    throw std::invalid_argument("varlenAttention: cuSeqlens must run from 0 to the token count (" +
                                std::to_string(q.size(0)) + ")");
#ifdef LL_FLASH_VARLEN_DECODE
  // Several causal prompts packed together (a batched prefill): FlashAttention's varlen kernel does all
  // segments in one launch per layer, GQA and sliding window included. The vision tower (one long
  // non-causal segment per image) keeps the per-segment path, which picks cuDNN for long images.
  if (o.causal && cuSeqlens.size() > 2 && fusedCacheDecodeAvailable(q.device(), q.scalar_type(), q.size(2))) {
    int64_t longest = 0;
    for (size_t i = 0; i + 1 < cuSeqlens.size(); ++i) longest = std::max(longest, cuSeqlens[i + 1] - cuSeqlens[i]);
    const at::Tensor cu = cuSeqlensOnDevice.defined() ? cuSeqlensOnDevice : deviceOffsets(cuSeqlens, q.device());
    const int64_t left = o.slidingWindow > 0 ? o.slidingWindow - 1 : -1;
    return std::get<0>(at::_flash_attention_forward(q.contiguous(), k.contiguous(), v.contiguous(), cu, cu, longest, longest,
                                                    0.0, /*is_causal=*/true, /*return_debug_mask=*/false,
                                                    effectiveScale(o, q.size(2)), left, 0, c10::nullopt, c10::nullopt));
  }
#endif
  std::vector<at::Tensor> parts;
  parts.reserve(cuSeqlens.size() - 1);
  for (size_t i = 0; i + 1 < cuSeqlens.size(); ++i) {
    const int64_t start = cuSeqlens[i], len = cuSeqlens[i + 1] - cuSeqlens[i];
    if (len < 0) throw std::invalid_argument("varlenAttention: cuSeqlens must not decrease");
    if (len == 0) continue;
    auto seg = [&](const at::Tensor& t) { return t.narrow(0, start, len).transpose(0, 1).unsqueeze(0); };
    parts.push_back(attention(seg(q), seg(k), seg(v), o).squeeze(0).transpose(0, 1));
  }
  if (parts.empty()) return at::empty_like(q);
  return at::cat(parts, 0);
}

const char* attentionBackendDescription() {
  return kFusedKernelsAvailable ? "libtorch 2.x scaled_dot_product_attention (flash / memory-efficient kernels)"
                                : "libtorch 1.13 math attention (queries chunked)";
}

}  // namespace ll::infer
