// The fused attention path must agree with the plain-math reference in every shape the models use:
// GQA, causal prefill, causal continuation (Lq < Lk), ragged decode batches, sliding windows, query
// chunking and packed (varlen) sequences.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/infer/attention.h"
#include "core/infer/infer_test_device.h"

using ll::infer::AttentionImpl;
using ll::infer::AttentionOptions;
using ll::infer::attention;
using ll::infer::varlenAttention;

namespace {

at::TensorOptions opts() { return at::TensorOptions().dtype(ll::testing::testDType()).device(ll::testing::testDevice()); }

// Straightforward reference written independently of attention.cpp: loops over batch and heads.
at::Tensor manual(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal, int64_t window,
                  const std::vector<int64_t>& keyLengths, double scale = 0) {
  const auto qf = q.to(at::kFloat).cpu(), kf = k.to(at::kFloat).cpu(), vf = v.to(at::kFloat).cpu();
  const int64_t B = q.size(0), Hq = q.size(1), Lq = q.size(2), D = q.size(3), Hkv = k.size(1), Lk = k.size(2);
  const double s = scale > 0 ? scale : 1.0 / std::sqrt(double(D));
  at::Tensor out = at::zeros({B, Hq, Lq, D});
  for (int64_t b = 0; b < B; ++b) {
    const int64_t len = keyLengths.empty() ? Lk : keyLengths[b];
    for (int64_t h = 0; h < Hq; ++h) {
      const int64_t kh = h / (Hq / Hkv);
      for (int64_t i = 0; i < Lq; ++i) {
        const int64_t pos = len - Lq + i;
        std::vector<int64_t> allowed;
        for (int64_t j = 0; j < len; ++j) {
          if (causal && j > pos) continue;
          if (window > 0 && j <= pos - window) continue;
          allowed.push_back(j);
        }
        const at::Tensor idx = at::tensor(allowed, at::kLong);
        const at::Tensor keys = kf[b][kh].index_select(0, idx);
        const at::Tensor p = at::softmax(at::matmul(keys, qf[b][h][i]) * s, 0);
        out[b][h][i] = at::matmul(p, vf[b][kh].index_select(0, idx));
      }
    }
  }
  return out;
}

void expectClose(const at::Tensor& got, const at::Tensor& want) {
  ASSERT_EQ(got.sizes(), want.sizes());
  const double err = (got.to(at::kFloat).cpu() - want).abs().max().item<double>();
  EXPECT_LT(err, ll::testing::testIsFloat32() ? 2e-5 : 3e-2) << "max abs error " << err;
}

class AttentionBothImpls : public ::testing::TestWithParam<AttentionImpl> {};

TEST_P(AttentionBothImpls, CausalPrefillWithGqaMatchesReference) {
  at::manual_seed(1);
  const auto q = at::randn({2, 6, 9, 16}, opts()), k = at::randn({2, 2, 9, 16}, opts()), v = at::randn({2, 2, 9, 16}, opts());
  AttentionOptions o;
  o.impl = GetParam();
  o.causal = true;
  expectClose(attention(q, k, v, o), manual(q, k, v, true, 0, {}));
}

TEST_P(AttentionBothImpls, ContinuationAlignsQueriesWithTheEndOfTheKeys) {
  at::manual_seed(2);
  const auto q = at::randn({1, 4, 3, 8}, opts()), k = at::randn({1, 4, 10, 8}, opts()), v = at::randn({1, 4, 10, 8}, opts());
  AttentionOptions o;
  o.impl = GetParam();
  o.causal = true;
  expectClose(attention(q, k, v, o), manual(q, k, v, true, 0, {}));
}

TEST_P(AttentionBothImpls, RaggedDecodeBatchIgnoresPaddingKeys) {
  at::manual_seed(3);
  const auto q = at::randn({3, 8, 1, 16}, opts()), k = at::randn({3, 2, 7, 16}, opts()), v = at::randn({3, 2, 7, 16}, opts());
  AttentionOptions o;
  o.impl = GetParam();
  o.causal = true;
  const std::vector<int64_t> lens{7, 2, 5};
  expectClose(attention(q, k, v, o, lens), manual(q, k, v, true, 0, lens));
  // Garbage in the padding must not leak into the result.
  const auto k2 = k.clone(), v2 = v.clone();
  k2[1].narrow(1, 2, 5).fill_(100.0);
  v2[1].narrow(1, 2, 5).fill_(-100.0);
  expectClose(attention(q, k2, v2, o, lens), manual(q, k, v, true, 0, lens));
}

TEST_P(AttentionBothImpls, RaggedPrefillContinuation) {
  at::manual_seed(4);
  const auto q = at::randn({2, 4, 3, 8}, opts()), k = at::randn({2, 2, 9, 8}, opts()), v = at::randn({2, 2, 9, 8}, opts());
  AttentionOptions o;
  o.impl = GetParam();
  o.causal = true;
  const std::vector<int64_t> lens{9, 4};
  expectClose(attention(q, k, v, o, lens), manual(q, k, v, true, 0, lens));
}

TEST_P(AttentionBothImpls, SlidingWindowAndCustomScale) {
  at::manual_seed(5);
  const auto q = at::randn({1, 4, 12, 8}, opts()), k = at::randn({1, 2, 12, 8}, opts()), v = at::randn({1, 2, 12, 8}, opts());
  AttentionOptions o;
  o.impl = GetParam();
  o.causal = true;
  o.slidingWindow = 4;
  o.scale = 1.0;  // Gemma 3n
  expectClose(attention(q, k, v, o), manual(q, k, v, true, 4, {}, 1.0));
}

TEST_P(AttentionBothImpls, NonCausalMatchesReference) {
  at::manual_seed(6);
  const auto q = at::randn({1, 3, 11, 8}, opts()), k = at::randn({1, 3, 11, 8}, opts()), v = at::randn({1, 3, 11, 8}, opts());
  AttentionOptions o;
  o.impl = GetParam();
  expectClose(attention(q, k, v, o), manual(q, k, v, false, 0, {}));
}

TEST_P(AttentionBothImpls, QueryChunkingGivesTheSameResult) {
  at::manual_seed(7);
  const auto q = at::randn({1, 4, 40, 8}, opts()), k = at::randn({1, 2, 40, 8}, opts()), v = at::randn({1, 2, 40, 8}, opts());
  AttentionOptions o;
  o.impl = GetParam();
  o.causal = true;
  const at::Tensor whole = attention(q, k, v, o);
  o.maxScoreBytes = 4 * 40 * 4 * 3;  // 3 query rows per chunk where the backend materialises scores
  expectClose(attention(q, k, v, o), manual(q, k, v, true, 0, {}));
  expectClose(whole, manual(q, k, v, true, 0, {}));
}

TEST_P(AttentionBothImpls, VarlenAttendsOnlyWithinEachSequence) {
  at::manual_seed(8);
  const auto q = at::randn({12, 4, 8}, opts()), k = at::randn({12, 4, 8}, opts()), v = at::randn({12, 4, 8}, opts());
  AttentionOptions o;
  o.impl = GetParam();
  const std::vector<int64_t> cu{0, 5, 5, 12};
  const at::Tensor out = varlenAttention(q, k, v, cu, o);
  ASSERT_EQ(out.sizes(), q.sizes());
  for (auto [s, e] : {std::pair<int64_t, int64_t>{0, 5}, {5, 12}}) {
    auto seg = [&](const at::Tensor& t) { return t.narrow(0, s, e - s).transpose(0, 1).unsqueeze(0); };
    const at::Tensor want = manual(seg(q), seg(k), seg(v), false, 0, {}).squeeze(0).transpose(0, 1);
    expectClose(out.narrow(0, s, e - s), want);
  }
}

INSTANTIATE_TEST_SUITE_P(Impl, AttentionBothImpls, ::testing::Values(AttentionImpl::Eager, AttentionImpl::Sdpa),
                         [](const auto& info) { return ll::infer::toString(info.param); });

TEST(Attention, EagerEqualsSdpaOnALongerSequence) {
  at::manual_seed(9);
  const auto q = at::randn({1, 12, 300, 32}, opts()), k = at::randn({1, 2, 300, 32}, opts()), v = at::randn({1, 2, 300, 32}, opts());
  AttentionOptions e, s;
  e.impl = AttentionImpl::Eager;
  s.impl = AttentionImpl::Sdpa;
  e.causal = s.causal = true;
  const double err = (attention(q, k, v, e) - attention(q, k, v, s)).abs().max().item<double>();
  EXPECT_LT(err, ll::testing::testIsFloat32() ? 1e-5 : 3e-2);
}

// The graph-friendly decode step: key lengths as a device tensor, K/V as views of a [slots, length,
// kvHeads, headDim] cache (the layout the models pass), sliding window or not, against the reference.
TEST(Attention, DecodeAttentionWithDeviceKeyLengthsMatchesReference) {
  at::manual_seed(11);
  const int64_t B = 3, Hq = 6, Hkv = 2, L = 12, D = 8;
  const auto cacheK = at::randn({B, L + 4, Hkv, D}, opts()), cacheV = at::randn({B, L + 4, Hkv, D}, opts());
  const at::Tensor k = cacheK.narrow(1, 0, L).transpose(1, 2), v = cacheV.narrow(1, 0, L).transpose(1, 2);
  ASSERT_FALSE(k.is_contiguous());
  const auto q = at::randn({B, Hq, 1, D}, opts());
  const std::vector<int64_t> lengths{12, 5, 1};
  const at::Tensor lens = at::tensor(lengths, at::kLong).to(ll::testing::testDevice());
  for (int64_t window : {int64_t(0), int64_t(3)}) {
    AttentionOptions o;
    o.causal = true;
    o.slidingWindow = window;
    expectClose(ll::infer::decodeAttention(q, k, v, o, lens), manual(q, k, v, true, window, lengths));
    // The host-side path agrees too (what the eager decode step uses).
    expectClose(attention(q, k, v, o, lengths), manual(q, k, v, true, window, lengths));
  }
  AttentionOptions o;
  EXPECT_THROW(ll::infer::decodeAttention(q, k, v, o, lens.narrow(0, 0, 2)), std::invalid_argument);
}

// The step's attention straight over a slot-major cache, as the graphed decode steps call it (on CUDA in
// bf16/fp16 that is FlashAttention's varlen kernel; elsewhere decodeAttention over views). Ragged lengths,
// a slot with one key, rows past the bucket holding garbage, sliding windows of 1 and 3 keys: a window
// off by one key would be far outside the tolerance here.
TEST(Attention, CacheDecodeAttentionReadsEverySlotsOwnRows) {
  at::manual_seed(12);
  const int64_t S = 4, Hq = 6, Hkv = 2, rows = 21, bucket = 16, D = 8;
  const auto cacheK = at::randn({S, rows, Hkv, D}, opts()), cacheV = at::randn({S, rows, Hkv, D}, opts());
  const auto q = at::randn({S, Hq, D}, opts()) * 2;
  const std::vector<int64_t> lengths{16, 5, 1, 9};
  const at::Tensor lens = at::tensor(lengths, at::kLong).to(ll::testing::testDevice());
  const auto index = ll::infer::cacheDecodeIndex(lens, bucket, rows, ll::testing::testDType(), D);
  EXPECT_EQ(index.fused, ll::infer::fusedCacheDecodeAvailable(ll::testing::testDevice(), ll::testing::testDType(), D));
  const at::Tensor k = cacheK.narrow(1, 0, bucket).transpose(1, 2), v = cacheV.narrow(1, 0, bucket).transpose(1, 2);
  for (int64_t window : {int64_t(0), int64_t(1), int64_t(3)}) {
    for (double scale : {0.0, 1.0}) {
      AttentionOptions o;
      o.slidingWindow = window;
      o.scale = scale;
      const at::Tensor got = ll::infer::cacheDecodeAttention(q, cacheK, cacheV, index, o);
      ASSERT_EQ(got.sizes(), q.sizes());
      SCOPED_TRACE("window " + std::to_string(window) + " scale " + std::to_string(scale));
      expectClose(got.unsqueeze(2), manual(q.unsqueeze(2), k, v, true, window, lengths, scale));
    }
  }
  // An index for another pool, or a bucket outside the cache, is refused.
  EXPECT_THROW(ll::infer::cacheDecodeAttention(q.narrow(0, 0, 3), cacheK.narrow(0, 0, 3), cacheV.narrow(0, 0, 3), index,
                                               AttentionOptions{}),
               std::invalid_argument);
  EXPECT_THROW(ll::infer::cacheDecodeIndex(lens, rows + 1, rows, ll::testing::testDType(), D), std::invalid_argument);
  EXPECT_THROW(ll::infer::cacheDecodeAttention(q, cacheK.narrow(1, 0, 8), cacheV.narrow(1, 0, 8), index, AttentionOptions{}),
               std::invalid_argument);
}

// A vision-tower-sized sequence (>= 16k tokens, no mask, no GQA) takes cuDNN's kernel on CUDA in bf16/fp16;
// it must agree with the chunked plain-math path. Too slow for the CI machine's CPU BLAS, so CUDA only.
TEST(Attention, LongUnmaskedSequenceAgreesWithPlainMath) {
  if (!ll::testing::testDevice().is_cuda()) GTEST_SKIP() << "set LAYOUTLENS_TEST_DEVICE=cuda on a GPU machine";
  at::manual_seed(13);
  const auto q = at::randn({1, 2, 16384 + 77, 64}, opts()), k = at::randn_like(q), v = at::randn_like(q);
  AttentionOptions fused, eager;
  eager.impl = AttentionImpl::Eager;
  const double err = (attention(q, k, v, fused) - attention(q, k, v, eager)).abs().max().item<double>();
  EXPECT_LT(err, ll::testing::testIsFloat32() ? 1e-5 : 2e-2);
}

// Only CUDA with bf16/fp16 has the fused kernel; the CPU never claims it.
TEST(Attention, FusedCacheDecodeIsNeverClaimedOnTheCpu) {
  EXPECT_FALSE(ll::infer::fusedCacheDecodeAvailable(at::Device("cpu"), at::kBFloat16, 128));
  EXPECT_FALSE(ll::infer::fusedCacheDecodeAvailable(at::Device("cpu"), at::kFloat, 128));
}

TEST(Attention, RejectsHeadCountsThatAreNotGrouped) {
  const auto q = at::randn({1, 5, 2, 8}), k = at::randn({1, 2, 2, 8});
  EXPECT_THROW(attention(q, k, k, AttentionOptions{}), std::invalid_argument);
  EXPECT_THROW(varlenAttention(q[0], k[0], k[0], {0, 3}, AttentionOptions{}), std::invalid_argument);
}

}  // namespace
