#pragma once
// One attention entry point for every model, so the choice between fused kernels (SDPA / flash) and
// the plain-math reference is made in one place, together with the libtorch 1.13 vs 2.x switch, GQA,
// bottom-right causal alignment for cached decoding, and query chunking that keeps long sequences from
// materialising a full score matrix.
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/infer/runtime_options.h"

namespace ll::infer {

struct AttentionOptions {
  AttentionImpl impl = AttentionImpl::Sdpa;
  // Softmax scale; <= 0 means 1/sqrt(head_dim) (Qwen2). Gemma 3n passes 1.0.
  double scale = 0.0;
  // Causal with the queries aligned to the END of the keys: query i sits at key position
  // Lk - Lq + i. That is what a prefill continuing a cache and a decode step need.
  bool causal = false;
  // > 0: a query at position p sees keys in (p - slidingWindow, p] only (Gemma 3n local layers).
  int64_t slidingWindow = 0;
  // Upper bound for one materialised score block (bytes) where the backend would build one
  // (eager, and libtorch 1.13 whose SDPA is plain math); queries are processed in chunks below it.
  int64_t maxScoreBytes = int64_t(256) << 20;
};

// q [B, Hq, Lq, D]; k, v [B, Hkv, Lk, D] with Hq a multiple of Hkv (grouped-query attention).
// keyLengths: empty, or one entry per batch row: keys at index >= keyLengths[b] are padding (a
// batch of cached sequences of different lengths). With keyLengths the causal alignment is per row:
// query i of row b sits at position keyLengths[b] - Lq + i. Returns [B, Hq, Lq, D] in q's dtype.
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const AttentionOptions& options,
                     const std::vector<int64_t>& keyLengths = {});

// One decode step with the key lengths as a device tensor (int64 [B]): nothing is read from the host,
// so the call can be captured in a CUDA graph (cuda_graph.h) and replayed with new lengths. Keys at
// index >= keyLengths[b] are padding; the query of row b sits at position keyLengths[b] - 1 (causal is
// implied); slidingWindow applies as in attention(). Every length must be >= 1 (a row without keys
// would be NaN). q [B, Hq, 1, D]; k, v [B, Hkv, Lk, D].
at::Tensor decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const AttentionOptions& options,
                           const at::Tensor& keyLengths);

// A decode step straight over a slot-major KV cache: every slot of the pool has one query, and its keys
// are the first keyLengths[s] rows of its part of the cache (the last slidingWindow of them on local
// layers). Built once per step and shared by all layers: the lengths as a device tensor, so the call can
// be captured in a CUDA graph (nothing is read from the host).
struct CacheDecodeIndex {
  at::Tensor keyLengths;  // int64 [S] on the cache's device, each >= 1
  int64_t bucket = 0;     // no slot attends more keys than this (<= rows per slot)
  // FlashAttention-2 varlen (CUDA, bf16/fp16, libtorch >= 2.7): the cache read in place, one kernel per
  // layer instead of ~17 (masks, two batched matmuls per K/V head, softmax). Otherwise decodeAttention()
  // over views of the first `bucket` rows.
  bool fused = false;
  at::Tensor queryStarts, keyStarts, usedKeys;  // int32, for the fused kernel
};

// Whether the fused kernel runs for this device, dtype and head size. The first call for a combination
// runs it once on a tiny input and reads the result back, so make it outside any CUDA graph capture
// (models do before capturing their step); the answer is remembered, later calls only look it up.
bool fusedCacheDecodeAvailable(const at::Device& device, at::ScalarType dtype, int64_t headDim);

// `fused` is fusedCacheDecodeAvailable()'s answer.
CacheDecodeIndex cacheDecodeIndex(const at::Tensor& keyLengths, int64_t bucket, int64_t rowsPerSlot,
                                  at::ScalarType dtype, int64_t headDim);

// q [S, Hq, D]; keyStorage, valueStorage [S, rows, Hkv, D] contiguous (KvCache::keyStorage). Returns
// [S, Hq, D]. options.causal is implied; options.scale and slidingWindow apply.
// Kernel: our split-KV one where it applies (split_kv_decode.h: CUDA bf16, this build's kernels, short key
// ranges), else
// FlashAttention's varlen one (index.fused), else decodeAttention() over views.
at::Tensor cacheDecodeAttention(const at::Tensor& q, const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                                const CacheDecodeIndex& index, const AttentionOptions& options);

// Several sequences packed along the first dimension, attention only within each (vision towers:
// one image per segment). q [T, Hq, D]; k, v [T, Hkv, D]; cuSeqlens = {0, end0, end1, ..., T}.
// Returns [T, Hq, D]. Each segment is one dense attention call, so no block-diagonal mask over all
// T tokens is ever built; causal segments (prompts prefilled together) on CUDA in bf16/fp16 take one
// FlashAttention varlen call instead. options.causal and slidingWindow apply within each segment.
// cuSeqlensOnDevice: the same offsets as int32 on q's device, for callers that run many layers over one
// packing (built here when undefined; the fused path needs them on the device).
at::Tensor varlenAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const std::vector<int64_t>& cuSeqlens, const AttentionOptions& options,
                           const at::Tensor& cuSeqlensOnDevice = at::Tensor());

// Segment offsets ({0, end0, ...}) as the int32 device tensor varlenAttention's fused path takes.
at::Tensor deviceOffsets(const std::vector<int64_t>& offsets, const at::Device& device);

// "sdpa 2.x (flash/mem-efficient kernels)" or "libtorch 1.13 math SDPA" — for logs and benchmarks.
const char* attentionBackendDescription();

}  // namespace ll::infer
