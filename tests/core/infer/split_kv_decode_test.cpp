// The split-KV decode attention kernel (infer::splitKvDecodeAttention, through infer::cacheDecodeAttention):
// on the GPU in bfloat16 with this build's CUDA kernels it must give every slot the softmax over exactly its
// own keys -- the first keyLengths[s] rows of its cache part, the last `window` of them on local layers --
// for the head sizes and groupings of dots.ocr (128, 6 query heads per KV head) and Gemma 3n (256, 4), with
// lengths that cross tiles and key slices; above kSplitKvDecodeMaxKeys keys (and for heads of 256 at any
// length) through the tensor-core variant. Rows past a slot's length hold huge values, so reading one of
// them would show far outside the tolerance; so would a window off by one key.
#include "core/infer/split_kv_decode.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/infer/attention.h"
#include "core/infer/fused_elementwise.h"
#include "core/infer/infer_test_device.h"
#include "core/infer/rotary.h"

namespace {

// The tensor-core variant for long ranges can be switched off (LAYOUTLENS_TENSOR_CORE_DECODE=0, for A/B
// runs); these tests hold it to the reference, so they switch it on before anything reads the switch.
[[maybe_unused]] const bool kTensorCoresOn = [] {
  setenv("LAYOUTLENS_TENSOR_CORE_DECODE", "1", 1);
  return true;
}();

at::TensorOptions bf16On(const c10::Device& d) { return at::TensorOptions().dtype(at::kBFloat16).device(d); }

// Softmax(q . K * scale) . V per slot and query head, in float32 on the CPU, over the allowed rows only.
at::Tensor reference(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                     const std::vector<int64_t>& lengths, double scale, int64_t window) {
  const at::Tensor qf = q.to(at::kFloat).cpu(), kf = keys.to(at::kFloat).cpu(), vf = values.to(at::kFloat).cpu();
  const int64_t S = q.size(0), hq = q.size(1), hkv = keys.size(2);
  at::Tensor out = at::zeros(q.sizes(), at::kFloat);
  for (int64_t s = 0; s < S; ++s) {
    const int64_t len = lengths[static_cast<size_t>(s)];
    const int64_t first = window > 0 ? std::max<int64_t>(0, len - window) : 0;
    for (int64_t h = 0; h < hq; ++h) {
      const int64_t kh = h / (hq / hkv);
      const at::Tensor k = kf[s].narrow(0, first, len - first).select(1, kh);  // [n, D]
      const at::Tensor v = vf[s].narrow(0, first, len - first).select(1, kh);
      out[s][h] = at::matmul(at::softmax(at::matmul(k, qf[s][h]) * scale, 0), v);
    }
  }
  return out;
}

struct Shape {
  int64_t hq, hkv, d;
};

// Windows of at most kSplitKvDecodeMaxKeys go to the CUDA-core kernel, which has no instance for groups over 8.
void checkAgainstReference(const Shape& shape, const std::vector<int64_t>& lengths, int64_t rows, int64_t maxKeys,
                           const std::vector<int64_t>& windows = {0, 1, 3, 512}) {
  const c10::Device device = ll::testing::testDevice();
  const int64_t S = static_cast<int64_t>(lengths.size());
  at::Tensor keys = at::randn({S, rows, shape.hkv, shape.d}, bf16On(device));
  at::Tensor values = at::randn({S, rows, shape.hkv, shape.d}, bf16On(device));
  for (int64_t s = 0; s < S; ++s) {  // rows no query may see
    const int64_t len = lengths[static_cast<size_t>(s)];
    keys[s].narrow(0, len, rows - len).fill_(300.0);
    values[s].narrow(0, len, rows - len).fill_(1.0e4);
  }
  const at::Tensor q = at::randn({S, shape.hq, shape.d}, bf16On(device)) * 2;
  const at::Tensor lens = at::tensor(lengths, at::kLong).to(device);
  ASSERT_TRUE(ll::infer::splitKvDecodeApplies(q, keys, values, maxKeys));
  for (int64_t window : windows) {
    for (double scale : {1.0 / std::sqrt(static_cast<double>(shape.d)), 1.0}) {
      SCOPED_TRACE("head " + std::to_string(shape.d) + " group " + std::to_string(shape.hq / shape.hkv) + " window " +
                   std::to_string(window) + " scale " + std::to_string(scale) + " max keys " + std::to_string(maxKeys));
      const at::Tensor got = ll::infer::splitKvDecodeAttention(q, keys, values, lens, maxKeys, scale, window);
      ASSERT_EQ(got.sizes(), q.sizes());
      const double err = (got.to(at::kFloat).cpu() - reference(q, keys, values, lengths, scale, window)).abs().max().item<double>();
      EXPECT_LT(err, 1.5e-2) << "max abs error " << err;
      // The same bits on every call (a replayed CUDA graph must not drift).
      EXPECT_TRUE(at::equal(got, ll::infer::splitKvDecodeAttention(q, keys, values, lens, maxKeys, scale, window)));
      // cacheDecodeAttention hands the call to this kernel.
      ll::infer::AttentionOptions o;
      o.scale = scale;
      o.slidingWindow = window;
      const auto index = ll::infer::cacheDecodeIndex(lens, maxKeys, rows, at::kBFloat16, shape.d);
      EXPECT_TRUE(at::equal(got, ll::infer::cacheDecodeAttention(q, keys, values, index, o)));
    }
  }
}

bool kernelRuns() {
  const c10::Device device = ll::testing::testDevice();
  return device.is_cuda() && ll::infer::fusedKernelsWanted(at::zeros({1}, bf16On(device)));
}

TEST(SplitKvDecode, NeverAppliesOnTheCpuOrInFloat32) {
  const auto cpu = at::TensorOptions().dtype(at::kBFloat16);
  EXPECT_FALSE(ll::infer::splitKvDecodeApplies(at::zeros({2, 12, 128}, cpu), at::zeros({2, 8, 2, 128}, cpu),
                                               at::zeros({2, 8, 2, 128}, cpu), 8));
  if (!ll::testing::testDevice().is_cuda()) return;
  const auto f32 = at::TensorOptions().device(ll::testing::testDevice());
  EXPECT_FALSE(ll::infer::splitKvDecodeApplies(at::zeros({2, 12, 128}, f32), at::zeros({2, 8, 2, 128}, f32),
                                               at::zeros({2, 8, 2, 128}, f32), 8));
  // A head size or grouping without an instance falls back to the other paths.
  const auto b16 = bf16On(ll::testing::testDevice());
  EXPECT_FALSE(ll::infer::splitKvDecodeApplies(at::zeros({2, 10, 128}, b16), at::zeros({2, 8, 2, 128}, b16),
                                               at::zeros({2, 8, 2, 128}, b16), 8));
  EXPECT_FALSE(ll::infer::splitKvDecodeApplies(at::zeros({2, 4, 96}, b16), at::zeros({2, 8, 2, 96}, b16),
                                               at::zeros({2, 8, 2, 96}, b16), 8));
  // Long key ranges: the tensor-core variant for heads of 128 (groups up to 16) and 256 (up to 8),
  // FlashAttention for the others.
  const at::Tensor cache = at::zeros({2, 8, 2, 128}, b16), wide = at::zeros({2, 8, 2, 256}, b16);
  if (ll::infer::fusedKernelsWanted(cache)) {
    EXPECT_TRUE(ll::infer::splitKvDecodeApplies(at::zeros({2, 12, 128}, b16), cache, cache, ll::infer::kSplitKvDecodeMaxKeys));
    EXPECT_TRUE(ll::infer::splitKvDecodeApplies(at::zeros({2, 12, 128}, b16), cache, cache, ll::infer::kSplitKvDecodeMaxKeys + 1));
    EXPECT_TRUE(ll::infer::splitKvDecodeApplies(at::zeros({2, 8, 256}, b16), wide, wide, ll::infer::kSplitKvDecodeMaxKeys + 1));
    EXPECT_FALSE(ll::infer::splitKvDecodeApplies(at::zeros({2, 32, 256}, b16), wide, wide, ll::infer::kSplitKvDecodeMaxKeys + 1))
        << "16 query heads per KV head of 256: no instance";
    EXPECT_FALSE(ll::infer::splitKvDecodeApplies(at::zeros({2, 34, 128}, b16), cache, cache, ll::infer::kSplitKvDecodeMaxKeys + 1))
        << "17 query heads per KV head: more than a tensor-core tile";
  }
}

TEST(SplitKvDecode, LayoutModelHeadsOverLongRaggedSlots) {
  if (!kernelRuns()) GTEST_SKIP() << "needs a CUDA build with LAYOUTLENS_CUDA_KERNELS and LAYOUTLENS_TEST_DEVICE=cuda";
  at::manual_seed(21);
  checkAgainstReference({12, 2, 128}, {1300, 1, 129, 300, 700}, 1310, 1300);  // several slices per slot
}

// Above kSplitKvDecodeMaxKeys the tensor-core variant (windows of up to 512 keys stay with the CUDA-core
// kernel): dots.ocr's heads over ragged slots of up to ~5,500 keys, lengths that end inside a warp's 16 keys
// and inside a 64-key stage, a slot of one key, slices of which some are empty; a group of 1 (every other
// row of the tile zero); and a group of 16 (the tile's second eight rows in use).
TEST(SplitKvDecode, LayoutModelHeadsOverLayoutLengthsOnTensorCores) {
  if (!kernelRuns()) GTEST_SKIP() << "needs a CUDA build with LAYOUTLENS_CUDA_KERNELS and LAYOUTLENS_TEST_DEVICE=cuda";
  at::manual_seed(23);
  checkAgainstReference({12, 2, 128}, {5500, 1, 2049, 3001, 17, 4100}, 5504, 5500);
  checkAgainstReference({2, 2, 128}, {2100, 2500, 9}, 2600, 2600);
  checkAgainstReference({16, 1, 128}, {3000, 64, 2113, 4097}, 4100, 4097, {0});
}

// Gemma 3n's heads of 256 on the tensor-core kernel: its global layers' long ranges (~3,000 keys) and its
// 512-key windows (the windows of heads of 256 go to the tensor-core kernel too), ragged slots, a group of 1.
TEST(SplitKvDecode, GemmaHeadsOverLongRaggedSlotsOnTensorCores) {
  if (!kernelRuns()) GTEST_SKIP() << "needs a CUDA build with LAYOUTLENS_CUDA_KERNELS and LAYOUTLENS_TEST_DEVICE=cuda";
  at::manual_seed(24);
  checkAgainstReference({8, 2, 256}, {3500, 1, 2049, 3001, 17, 600}, 3504, 3500);
  checkAgainstReference({2, 2, 256}, {2100, 9, 700}, 2104, 2100, {0, 512});
}

TEST(SplitKvDecode, GemmaHeadsWithWindowsAndOneSlice) {
  if (!kernelRuns()) GTEST_SKIP() << "needs a CUDA build with LAYOUTLENS_CUDA_KERNELS and LAYOUTLENS_TEST_DEVICE=cuda";
  at::manual_seed(22);
  checkAgainstReference({8, 2, 256}, {1100, 2, 513, 640}, 1104, 1100);
  checkAgainstReference({8, 2, 256}, {100, 1, 64, 77}, 104, 100);  // one tile: the block writes the output itself
  checkAgainstReference({4, 2, 16}, {40, 1, 17}, 48, 40);          // the test models' head size
}

// Qwen2's decode step lets the tensor-core kernel do the step's rotary and K/V cache writes: the output and
// both caches must be those of rotateQkvIntoCache followed by the plain kernel, bit for bit -- ragged slots, a
// slot outside the batch (one key, its new row going to the scratch row), groups of 6 and 16 -- and short
// ranges (the CUDA-core kernel) keep the separate kernel.
TEST(SplitKvDecode, RotaryInTheTensorCoreKernelEqualsTheSeparateKernel) {
  if (!kernelRuns()) GTEST_SKIP() << "needs a CUDA build with LAYOUTLENS_CUDA_KERNELS and LAYOUTLENS_TEST_DEVICE=cuda";
  at::manual_seed(31);
  const c10::Device device = ll::testing::testDevice();
  for (const Shape shape : {Shape{12, 2, 128}, Shape{16, 1, 128}}) {
    const std::vector<int64_t> lengths{5500, 1, 2049, 3001, 4100};  // slot 1: outside the batch
    const int64_t S = static_cast<int64_t>(lengths.size()), rows = 5601, d = shape.d, hkv = shape.hkv;
    const at::Tensor keys = at::randn({S, rows, hkv, d}, bf16On(device));
    const at::Tensor values = at::randn({S, rows, hkv, d}, bf16On(device));
    const at::Tensor qkv = at::randn({S, (shape.hq + 2 * hkv) * d}, bf16On(device));
    const at::Tensor cos = at::randn({S, d}, bf16On(device)), sin = at::randn({S, d}, bf16On(device));
    std::vector<int64_t> cacheRows;
    for (int64_t s = 0; s < S; ++s) cacheRows.push_back(s * rows + (s == 1 ? rows - 1 : lengths[static_cast<size_t>(s)] - 1));
    const at::Tensor rowsOnDevice = at::tensor(cacheRows, at::kLong).to(device);
    const at::Tensor lens = at::tensor(lengths, at::kLong).to(device);
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    SCOPED_TRACE("group " + std::to_string(shape.hq / hkv));

    at::Tensor keysA = keys.clone(), valuesA = values.clone();
    const at::Tensor q = ll::infer::rotateQkvIntoCache(qkv, shape.hq, hkv, cos, sin, rowsOnDevice,
                                                       keysA.view({S * rows, hkv, d}), valuesA.view({S * rows, hkv, d}));
    const at::Tensor expected = ll::infer::splitKvDecodeAttention(q, keysA, valuesA, lens, 5500, scale, 0);

    at::Tensor keysB = keys.clone(), valuesB = values.clone();
    ASSERT_TRUE(ll::infer::splitKvDecodeRotatingApplies(qkv, shape.hq, keysB, valuesB, 5500));
    const at::Tensor got = ll::infer::splitKvDecodeRotatingAttention(qkv, shape.hq, cos, sin, rowsOnDevice, keysB,
                                                                     valuesB, lens, 5500, scale);
    EXPECT_TRUE(at::equal(got, expected)) << "max abs difference "
                                          << (got.to(at::kFloat) - expected.to(at::kFloat)).abs().max().item<double>();
    EXPECT_TRUE(at::equal(keysB, keysA));
    EXPECT_TRUE(at::equal(valuesB, valuesA));
    // The new rows did land (not merely left as they were in both).
    EXPECT_FALSE(at::equal(keysB, keys));
    EXPECT_FALSE(at::equal(valuesB, values));
    EXPECT_FALSE(ll::infer::splitKvDecodeRotatingApplies(qkv, shape.hq, keysB, valuesB, 1000));  // CUDA-core range
  }
}

TEST(SplitKvDecode, RefusesMismatchedOperands) {
  if (!kernelRuns()) GTEST_SKIP() << "needs a CUDA build with LAYOUTLENS_CUDA_KERNELS and LAYOUTLENS_TEST_DEVICE=cuda";
  const auto b16 = bf16On(ll::testing::testDevice());
  const at::Tensor q = at::zeros({2, 12, 128}, b16), cache = at::zeros({2, 8, 2, 128}, b16);
  const at::Tensor lens = at::ones({3}, at::TensorOptions().dtype(at::kLong).device(ll::testing::testDevice()));
  EXPECT_THROW(ll::infer::splitKvDecodeAttention(q, cache, cache, lens, 8, 1.0, 0), std::invalid_argument);
  const at::Tensor two = lens.narrow(0, 0, 2);
  const at::Tensor wideQ = at::zeros({2, 32, 256}, b16), wide = at::zeros({2, 8, 2, 256}, b16);
  EXPECT_THROW(ll::infer::splitKvDecodeAttention(wideQ, wide, wide, two, ll::infer::kSplitKvDecodeMaxKeys + 1, 1.0, 0),
               std::invalid_argument);  // 16 query heads per KV head of 256 over a long range: no instance
  EXPECT_NO_THROW(ll::infer::splitKvDecodeAttention(wideQ.narrow(1, 0, 8), wide, wide, two,
                                                    ll::infer::kSplitKvDecodeMaxKeys + 1, 1.0, 8));
}

}  // namespace
