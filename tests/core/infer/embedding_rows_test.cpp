// infer::scaledEmbedding and the host-table gather: on the GPU in bfloat16 (LAYOUTLENS_TEST_DEVICE=cuda, a build with
// LAYOUTLENS_CUDA_KERNELS) the embedding is one kernel and must equal the op chain bit for bit, ids of the override
// range taking their own rows as they are; elsewhere it is the chain. The gather reads a page-locked host table in
// place from the GPU and must equal index_select; pageable memory and CPU devices are refused.
#include "core/infer/embedding_rows.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/Context.h>

#include <vector>

#include "core/infer/infer_test_device.h"

namespace {

TEST(EmbeddingRows, ScaledEmbeddingEqualsTheChainAndTakesTheRangeRowsAsTheyAre) {
  const c10::Device device = ll::testing::testDevice();
  at::manual_seed(3);
  for (auto dtype : {at::kFloat, at::kBFloat16}) {
    const at::Tensor table = (at::randn({300, 64}, at::TensorOptions().device(device)) * 3).to(dtype);
    const at::Tensor range = at::randn({16, 64}, at::TensorOptions().device(device)).to(dtype);
    const at::Tensor ids = at::tensor(std::vector<int64_t>{0, 5, 256, 271, 272, 299, 255, 260},
                                      at::TensorOptions().dtype(at::kLong)).to(device);
    const double scale = 8.0;  // sqrt(64), exact in bfloat16
    const at::Tensor plain = ll::infer::scaledEmbedding(table, ids, scale);
    EXPECT_TRUE(at::equal(plain, at::embedding(table, ids) * scale)) << dtype;
    const at::Tensor got = ll::infer::scaledEmbedding(table, ids, scale, range, 256);
    ASSERT_EQ(got.sizes(), at::IntArrayRef({8, 64}));
    EXPECT_EQ(got.scalar_type(), dtype);
    for (int64_t i = 0; i < 8; ++i) {
      const int64_t id = ids[i].item<int64_t>();
      const at::Tensor want = id >= 256 && id < 272 ? range[id - 256] : table[id] * scale;
      EXPECT_TRUE(at::equal(got[i], want)) << dtype << ", id " << id;
    }
  }
  EXPECT_THROW(ll::infer::scaledEmbedding(at::zeros({4, 8}), at::zeros({2}, at::kInt), 1.0), std::invalid_argument);
  EXPECT_THROW(ll::infer::scaledEmbedding(at::zeros({4, 8}), at::zeros({2}, at::kLong), 1.0, at::zeros({2, 4})),
               std::invalid_argument);
}

TEST(EmbeddingRows, TheGpuGathersRowsOfAPageLockedHostTableInPlace) {
  const at::Tensor pageable = at::randn({10, 16}).to(at::kBFloat16);
  EXPECT_EQ(ll::infer::deviceReadablePointer(pageable, c10::Device(c10::kCPU)), nullptr);
  const c10::Device device = ll::testing::testDevice();
  if (!device.is_cuda()) GTEST_SKIP() << "the in-place gather needs a GPU (LAYOUTLENS_TEST_DEVICE=cuda)";
  EXPECT_EQ(ll::infer::deviceReadablePointer(pageable, device), nullptr) << "pageable memory";
  const at::Tensor table = at::randn({1000, 24}).to(at::kBFloat16).pin_memory();  // rows of 48 bytes
  const void* view = ll::infer::deviceReadablePointer(table, device);
  ASSERT_NE(view, nullptr) << "page-locked memory on a GPU with unified addressing";
  const at::Tensor rows = at::tensor(std::vector<int64_t>{999, 0, 17, 17, 512}, at::TensorOptions().dtype(at::kLong)).to(device);
  at::Tensor out = at::zeros({5, 24}, at::TensorOptions().dtype(at::kBFloat16).device(device));
  ll::infer::gatherHostRows(table, view, rows, out);
  EXPECT_TRUE(at::equal(out.cpu(), table.index_select(0, rows.cpu())));
  at::Tensor wrong = at::zeros({4, 24}, out.options());
  EXPECT_THROW(ll::infer::gatherHostRows(table, view, rows, wrong), std::invalid_argument);
  EXPECT_THROW(ll::infer::gatherHostRows(table, nullptr, rows, out), std::logic_error);
}

}  // namespace
