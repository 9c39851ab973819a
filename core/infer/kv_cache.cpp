// Slot-pool KV cache (see kv_cache.h for why slots rather than pages).
#include "core/infer/kv_cache.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

namespace ll::infer {

KvCache::KvCache(const KvCacheGeometry& g, c10::ScalarType dtype, c10::Device device) : geometry_(g) {
  if (g.layers <= 0 || g.slots <= 0 || g.maxLength <= 0 || g.kvHeads <= 0 || g.headDim <= 0)
    throw std::invalid_argument("KV cache: layers, slots, max length, kv heads and head dim must all be positive");
  const auto opts = at::TensorOptions().dtype(dtype).device(device);
  keys_.reserve(g.layers);
  values_.reserve(g.layers);
  for (int64_t l = 0; l < g.layers; ++l) {
    keys_.push_back(at::zeros({g.slots, g.maxLength, g.kvHeads, g.headDim}, opts));
    values_.push_back(at::zeros({g.slots, g.maxLength, g.kvHeads, g.headDim}, opts));
  }
  lengths_.assign(g.slots, 0);
  used_.assign(g.slots, false);
}

int64_t KvCache::bytes() const {
  int64_t total = 0;
  for (const auto& t : keys_) total += t.numel() * t.element_size();
  for (const auto& t : values_) total += t.numel() * t.element_size();
  return total;
}

std::optional<int> KvCache::acquire() {
  for (size_t i = 0; i < used_.size(); ++i) {
    if (!used_[i]) {
      used_[i] = true;
      lengths_[i] = 0;
      return static_cast<int>(i);
    }
  }
  return std::nullopt;
}

void KvCache::release(int slot) {
  checkSlot(slot);
  used_[slot] = false;
  lengths_[slot] = 0;
}

int KvCache::freeSlotCount() const {
  int n = 0;
  for (bool u : used_) n += u ? 0 : 1;
  return n;
}

bool KvCache::inUse(int slot) const {
  checkSlot(slot);
  return used_[slot];
}

int64_t KvCache::length(int slot) const {
  checkSlot(slot);
  return lengths_[slot];
}

void KvCache::setLength(int slot, int64_t length) {
  checkSlot(slot);
  if (length < 0 || length > geometry_.maxLength)
    throw std::out_of_range("KV cache: length " + std::to_string(length) + " outside [0, " +
                            std::to_string(geometry_.maxLength) + "]");
  lengths_[slot] = length;
}

void KvCache::write(int layer, int slot, int64_t start, const at::Tensor& k, const at::Tensor& v) {
  checkLayer(layer);
  checkSlot(slot);
  const int64_t n = k.size(0);
  if (start < 0 || start + n > geometry_.maxLength)
    throw std::out_of_range("KV cache: writing positions [" + std::to_string(start) + ", " + std::to_string(start + n) +
                            ") exceeds the slot capacity of " + std::to_string(geometry_.maxLength) + " tokens");
  keys_[layer][slot].narrow(0, start, n).copy_(k);
  values_[layer][slot].narrow(0, start, n).copy_(v);
}

at::Tensor KvCache::stepIndex(const std::vector<int>& slots) const {
  std::vector<int64_t> rows;
  rows.reserve(slots.size());
  for (int s : slots) {
    checkSlot(s);
    if (lengths_[s] >= geometry_.maxLength)
      throw std::out_of_range("KV cache: slot " + std::to_string(s) + " is full (" +
                              std::to_string(geometry_.maxLength) + " tokens)");
    rows.push_back(s * geometry_.maxLength + lengths_[s]);
  }
  return at::tensor(rows, at::TensorOptions().dtype(at::kLong)).to(keys_.front().device());
}

void KvCache::writeStep(int layer, const at::Tensor& stepIndex, const at::Tensor& k, const at::Tensor& v) {
  checkLayer(layer);
  const auto& g = geometry_;
  keyRows(layer).index_copy_(0, stepIndex, k);
  valueRows(layer).index_copy_(0, stepIndex, v);
}

std::pair<at::Tensor, at::Tensor> KvCache::read(int layer, const std::vector<int>& slots, int64_t length) const {
  checkLayer(layer);
  if (slots.empty()) throw std::invalid_argument("KV cache: read needs at least one slot");
  if (length <= 0 || length > geometry_.maxLength) throw std::out_of_range("KV cache: read length out of range");
  bool consecutive = true;
  for (size_t i = 0; i < slots.size(); ++i) {
    checkSlot(slots[i]);
    if (slots[i] != slots.front() + static_cast<int>(i)) consecutive = false;
  }
  auto pick = [&](const at::Tensor& t) {
    const at::Tensor prefix = t.narrow(1, 0, length);
    at::Tensor rows;
    if (consecutive) {
      rows = prefix.narrow(0, slots.front(), static_cast<int64_t>(slots.size()));
    } else {
      std::vector<int64_t> idx(slots.begin(), slots.end());
      rows = prefix.index_select(0, at::tensor(idx, at::TensorOptions().dtype(at::kLong)).to(t.device()));
    }
    return rows.transpose(1, 2);  // [B, kvHeads, length, headDim]
  };
  return {pick(keys_[layer]), pick(values_[layer])};
}

void KvCache::checkSlot(int slot) const {
  if (slot < 0 || slot >= static_cast<int>(geometry_.slots))
    throw std::out_of_range("KV cache: slot " + std::to_string(slot) + " does not exist (pool of " +
                            std::to_string(geometry_.slots) + ")");
}

void KvCache::checkLayer(int layer) const {
  if (layer < 0 || layer >= static_cast<int>(geometry_.layers))
    throw std::out_of_range("KV cache: layer " + std::to_string(layer) + " does not exist");
}

const at::Tensor& KvCache::keyStorage(int layer) const {
  checkLayer(layer);
  return keys_[static_cast<size_t>(layer)];
}

const at::Tensor& KvCache::valueStorage(int layer) const {
  checkLayer(layer);
  return values_[static_cast<size_t>(layer)];
}

at::Tensor KvCache::keyRows(int layer) const {
  const auto& g = geometry_;
  return keyStorage(layer).view({g.slots * g.maxLength, g.kvHeads, g.headDim});
}

at::Tensor KvCache::valueRows(int layer) const {
  const auto& g = geometry_;
  return valueStorage(layer).view({g.slots * g.maxLength, g.kvHeads, g.headDim});
}

}  // namespace ll::infer
