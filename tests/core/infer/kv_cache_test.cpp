// Slot pool bookkeeping and the read/write paths the decoders rely on.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/infer/infer_test_device.h"
#include "core/infer/kv_cache.h"

using ll::infer::KvCache;
using ll::infer::KvCacheGeometry;

namespace {

KvCacheGeometry geometry() {
  KvCacheGeometry g;
  g.layers = 2;
  g.slots = 3;
  g.maxLength = 6;
  g.kvHeads = 2;
  g.headDim = 4;
  return g;
}

TEST(KvCache, HandsOutLowestFreeSlotAndFreesAtOnce) {
  KvCache cache(geometry(), at::kFloat, ll::testing::testDevice());
  EXPECT_EQ(cache.acquire(), 0);
  EXPECT_EQ(cache.acquire(), 1);
  EXPECT_EQ(cache.acquire(), 2);
  EXPECT_FALSE(cache.acquire().has_value());
  cache.setLength(1, 4);
  cache.release(1);
  EXPECT_EQ(cache.freeSlotCount(), 1);
  EXPECT_EQ(cache.length(1), 0);
  EXPECT_EQ(cache.acquire(), 1);
  EXPECT_THROW(cache.release(7), std::out_of_range);
  EXPECT_EQ(cache.bytes(), 2 * 2 * 3 * 6 * 2 * 4 * 4);
}

TEST(KvCache, PrefillAndStepWritesReadBackPerSlot) {
  const auto dev = ll::testing::testDevice();
  KvCache cache(geometry(), at::kFloat, dev);
  const auto a = *cache.acquire(), b = *cache.acquire(), c = *cache.acquire();
  const auto f = at::TensorOptions().dtype(at::kFloat).device(dev);
  const at::Tensor ka = at::randn({3, 2, 4}, f), kc = at::randn({1, 2, 4}, f);
  cache.write(1, a, 0, ka, ka * 2);
  cache.setLength(a, 3);
  cache.write(1, c, 0, kc, kc * 2);
  cache.setLength(c, 1);
  cache.setLength(b, 0);

  // One decode step for slots a and c (non-consecutive: the gather path).
  const std::vector<int> slots{a, c};
  const at::Tensor step = at::randn({2, 2, 4}, f);
  cache.writeStep(1, cache.stepIndex(slots), step, step * 2);
  cache.setLength(a, 4);
  cache.setLength(c, 2);
  const auto [k, v] = cache.read(1, slots, 4);
  ASSERT_EQ(k.sizes(), (at::IntArrayRef{2, 2, 4, 4}));
  EXPECT_TRUE(at::equal(k[0].transpose(0, 1).narrow(0, 0, 3), ka));
  EXPECT_TRUE(at::equal(k[0].transpose(0, 1)[3], step[0]));
  EXPECT_TRUE(at::equal(k[1].transpose(0, 1)[0], kc[0]));
  EXPECT_TRUE(at::equal(k[1].transpose(0, 1)[1], step[1]));
  EXPECT_TRUE(at::equal(v, k * 2));
  // Layer 0 was never written.
  EXPECT_EQ(cache.read(0, slots, 4).first.abs().sum().item<double>(), 0.0);
  // Consecutive slots come back as a view of the same storage.
  const auto [kv, vv] = cache.read(1, {a, b}, 2);
  EXPECT_TRUE(at::equal(kv[0].transpose(0, 1), ka.narrow(0, 0, 2)));
  // The flat rows: the row of (slot, position) is slot * maxLength + position, and a write through them lands
  // in the cache (the decode steps' fused kernels write there).
  const int64_t L = cache.geometry().maxLength;
  ASSERT_EQ(cache.keyRows(1).sizes(), (at::IntArrayRef{cache.geometry().slots * L, 2, 4}));
  EXPECT_TRUE(at::equal(cache.keyRows(1)[c * L + 1], step[1]));
  EXPECT_TRUE(at::equal(cache.valueRows(1)[a * L + 3], step[0] * 2));
  cache.valueRows(0)[b * L + 5].fill_(9.0);
  EXPECT_EQ(cache.valueStorage(0)[b][5].sum().item<double>(), 9.0 * 2 * 4);
}

TEST(KvCache, RefusesWritesPastTheSlotCapacity) {
  KvCache cache(geometry(), at::kFloat, ll::testing::testDevice());
  const int s = *cache.acquire();
  const at::Tensor k = at::zeros({7, 2, 4}, at::TensorOptions().device(ll::testing::testDevice()));
  EXPECT_THROW(cache.write(0, s, 0, k, k), std::out_of_range);
  cache.setLength(s, 6);
  EXPECT_THROW(cache.stepIndex({s}), std::out_of_range);
  EXPECT_THROW(KvCache(KvCacheGeometry{}, at::kFloat, at::kCPU), std::invalid_argument);
}

}  // namespace
