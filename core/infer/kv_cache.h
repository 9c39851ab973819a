#pragma once
// Key/value cache for batched generation: a fixed pool of sequence slots, each with room for
// maxLength tokens, one K and one V tensor per layer.
//
// Why contiguous slots and not pages: the models we serve have bounded outputs (per-request max new
// tokens) and a known number of concurrent sequences, so reserving [slots, maxLength] up front costs
// no more than a paged pool sized for the same worst case, and it keeps every read a plain strided
// view that SDPA/flash kernels accept without a gather kernel of our own. Layout per layer is
// [slots, maxLength, kvHeads, headDim] ("BSHD", flash-attention's native layout): a decode step
// writes all its rows with one index_copy_ into the flattened [slots * maxLength] axis, and a slot
// is freed by resetting its length, at once, without touching memory.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace ll::infer {

struct KvCacheGeometry {
  int64_t layers = 0;
  int64_t slots = 0;
  int64_t maxLength = 0;
  int64_t kvHeads = 0;
  int64_t headDim = 0;
};

class KvCache {
 public:
  KvCache(const KvCacheGeometry& geometry, c10::ScalarType dtype, c10::Device device);

  const KvCacheGeometry& geometry() const { return geometry_; }
  int64_t bytes() const;

  // Slot pool. acquire() hands out the lowest free slot (keeps active slots dense, so reads of a
  // batch are often a view rather than a gather); nullopt when all are taken.
  std::optional<int> acquire();
  void release(int slot);
  int freeSlotCount() const;
  bool inUse(int slot) const;

  // Tokens cached so far for a slot; positions [0, length) hold valid K/V.
  int64_t length(int slot) const;
  void setLength(int slot, int64_t length);

  // k, v [L, kvHeads, headDim] stored at positions [start, start + L) of `slot`.
  void write(int layer, int slot, int64_t start, const at::Tensor& k, const at::Tensor& v);

  // Flat row index (slot * maxLength + length(slot)) of the next position of each slot, on the
  // cache's device; compute it once per decode step and pass it to writeStep for every layer.
  at::Tensor stepIndex(const std::vector<int>& slots) const;
  // k, v [B, kvHeads, headDim]: one new token per slot at the rows of stepIndex().
  void writeStep(int layer, const at::Tensor& stepIndex, const at::Tensor& k, const at::Tensor& v);

  // K and V of `slots`, positions [0, length), as [B, kvHeads, length, headDim] (a view when the
  // slots are consecutive and ascending, a gather otherwise).
  std::pair<at::Tensor, at::Tensor> read(int layer, const std::vector<int>& slots, int64_t length) const;

  // The whole per-layer storage, [slots, maxLength, kvHeads, headDim] (not copies): a static decode
  // step (CUDA graphs) reads the first Lb positions of every slot as one view and writes with
  // index_copy_ into the flattened rows, with no host-side bookkeeping inside the step.
  const at::Tensor& keyStorage(int layer) const;
  const at::Tensor& valueStorage(int layer) const;
  // The same storage as rows [slots * maxLength, kvHeads, headDim] (views): row slot * maxLength + position,
  // the index stepIndex() hands out and that a decode step's fused kernels write to.
  at::Tensor keyRows(int layer) const;
  at::Tensor valueRows(int layer) const;

 private:
  void checkSlot(int slot) const;
  void checkLayer(int layer) const;

  KvCacheGeometry geometry_;
  std::vector<at::Tensor> keys_;    // per layer [slots, maxLength, kvHeads, headDim]
  std::vector<at::Tensor> values_;
  std::vector<int64_t> lengths_;
  std::vector<bool> used_;
};

}  // namespace ll::infer
