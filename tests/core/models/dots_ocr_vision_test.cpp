// dots.ocr vision tower on the CPU: the 2-D rotary tables against their closed form, merge-window position
// order, shapes, block-diagonal attention across images of different sizes, and load-time tensor checks.
#include <gtest/gtest.h>

#include <cmath>

#include <ATen/ATen.h>

#include "core/models/dots_ocr/vision_rotary.h"
#include "core/models/dots_ocr/vision_tower.h"
#include "dots_ocr_test_support.h"

using namespace ll::models::dots_ocr;
using ll::models::dots_ocr::testing::randomPixels;
using ll::models::dots_ocr::testing::randomWeights;
using ll::models::dots_ocr::testing::tinyConfig;
using ll::models::dots_ocr::testing::visionOnly;

namespace {

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

// Row/column of patch k of an h x w grid emitted in 2x2 merge-window order, written out longhand.
std::pair<int64_t, int64_t> windowOrderPosition(int64_t k, int64_t w) {
  const int64_t window = k / 4, inner = k % 4;
  const int64_t windowsPerRow = w / 2;
  return {2 * (window / windowsPerRow) + inner / 2, 2 * (window % windowsPerRow) + inner % 2};
}

}  // namespace

TEST(DotsOcrVisionRotary, InverseFrequenciesAndTableMatchTheFormula) {
  const int64_t headDim = 128;  // the released head size: 32 frequencies per axis
  const at::Tensor inv = visionInvFreq(headDim);
  ASSERT_EQ(inv.sizes(), at::IntArrayRef({32}));
  ASSERT_EQ(inv.scalar_type(), at::kFloat);
  const at::Tensor table = visionRotaryTable(160, headDim);
  ASSERT_EQ(table.sizes(), at::IntArrayRef({160, 32}));
  for (int64_t j = 0; j < 32; ++j) {
    const double expected = 1.0 / std::pow(10000.0, 2.0 * j / 64.0);
    EXPECT_NEAR(inv[j].item<float>(), expected, expected * 2e-6) << "j=" << j;
    for (int64_t p : {0, 1, 7, 159})
      EXPECT_NEAR(table[p][j].item<float>(), p * expected, p * expected * 4e-6 + 1e-12) << "p=" << p << " j=" << j;
  }
}

TEST(DotsOcrVisionRotary, CosSinFollowRowThenColumnAnglesInWindowOrder) {
  const int64_t headDim = 16, quarter = 4;
  const std::vector<ImageGrid> grids{{1, 4, 6}};
  const VisionRotary r = visionRotary(grids, headDim, 2, c10::Device(c10::kCPU));
  ASSERT_EQ(r.cos.sizes(), at::IntArrayRef({24, headDim}));
  for (int64_t k = 0; k < 24; ++k) {
    const auto [row, col] = windowOrderPosition(k, 6);
    for (int64_t i = 0; i < headDim; ++i) {
      const int64_t j = i % (headDim / 2);  // the second half repeats the first
      const double freq = 1.0 / std::pow(10000.0, 2.0 * (j % quarter) / (headDim / 2.0));
      const double angle = (j < quarter ? row : col) * freq;
      EXPECT_NEAR(r.cos[k][i].item<float>(), std::cos(angle), 1e-6) << "k=" << k << " i=" << i;
      EXPECT_NEAR(r.sin[k][i].item<float>(), std::sin(angle), 1e-6) << "k=" << k << " i=" << i;
    }
  }
}

TEST(DotsOcrVisionRotary, PositionIdsAndCuSeqlensCoverEveryImageInOrder) {
  const std::vector<ImageGrid> grids{{1, 2, 4}, {2, 4, 2}};
  const at::Tensor pos = visionPositionIds(grids, 2);
  ASSERT_EQ(pos.sizes(), at::IntArrayRef({8 + 16, 2}));
  const std::vector<std::pair<int64_t, int64_t>> first{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}};
  for (int64_t k = 0; k < 8; ++k) {
    EXPECT_EQ(pos[k][0].item<int64_t>(), first[k].first) << k;
    EXPECT_EQ(pos[k][1].item<int64_t>(), first[k].second) << k;
  }
  // Second image: two frames, each the same 4 x 2 grid in window order.
  for (int64_t f = 0; f < 2; ++f)
    for (int64_t k = 0; k < 8; ++k) {
      const auto [row, col] = windowOrderPosition(k, 2);
      EXPECT_EQ(pos[8 + 8 * f + k][0].item<int64_t>(), row);
      EXPECT_EQ(pos[8 + 8 * f + k][1].item<int64_t>(), col);
    }
  const at::Tensor cu = visionCuSeqlens(grids);
  ASSERT_EQ(cu.scalar_type(), at::kInt);
  EXPECT_EQ(std::vector<int32_t>(cu.data_ptr<int32_t>(), cu.data_ptr<int32_t>() + cu.numel()),
            (std::vector<int32_t>{0, 8, 16, 24}));
}

TEST(DotsOcrVisionRotary, RotatesPairsHalfAHeadApartInFloat32) {
  at::manual_seed(3);
  const std::vector<ImageGrid> grids{{1, 2, 2}};
  const VisionRotary r = visionRotary(grids, 8, 2, c10::Device(c10::kCPU));
  const at::Tensor x = at::randn({4, 3, 8}).to(at::kBFloat16);
  const at::Tensor out = applyVisionRotary(x, r);
  ASSERT_EQ(out.scalar_type(), at::kBFloat16);
  const at::Tensor xf = x.to(at::kFloat);
  for (int64_t i = 0; i < 4; ++i) {
    const at::Tensor c = r.cos.narrow(1, i, 1), s = r.sin.narrow(1, i, 1);  // [N, 1]
    const at::Tensor lo = xf.select(2, i), hi = xf.select(2, i + 4);        // [N, heads]
    EXPECT_LT(maxAbsDiff(out.select(2, i), (lo * c - hi * s).to(at::kBFloat16)), 1e-6);
    EXPECT_LT(maxAbsDiff(out.select(2, i + 4), (hi * c + lo * s).to(at::kBFloat16)), 1e-6);
  }
}

TEST(DotsOcrVisionRotary, RejectsGridsThatAreNotMultiplesOfTheMergeSize) {
  try {
    visionPositionIds({{1, 4, 4}, {1, 3, 4}}, 2);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("image 1 has grid (1, 3, 4)"), std::string::npos) << e.what();
  }
}

TEST(DotsOcrVisionTower, ForwardGivesOneRowPerMergedWindow) {
  const DotsOcrConfig c = tinyConfig();
  const VisionTower tower(c.vision, visionOnly(randomWeights(c, 1)));
  const std::vector<ImageGrid> grids{{1, 4, 6}, {1, 2, 4}};
  const at::Tensor features = tower.forward(randomPixels(32, c.vision, 2), grids);
  EXPECT_EQ(features.sizes(), at::IntArrayRef({8, c.vision.hiddenSize}));
  EXPECT_EQ(features.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::isfinite(features).all().item<bool>());
}

TEST(DotsOcrVisionTower, BatchOfTwoImagesOfDifferentSizesEqualsEachAlone) {
  const DotsOcrConfig c = tinyConfig();
  const VisionTower tower(c.vision, visionOnly(randomWeights(c, 11)));
  const ImageGrid a{1, 6, 4}, b{1, 4, 8};
  const at::Tensor pa = randomPixels(a.patches(), c.vision, 12), pb = randomPixels(b.patches(), c.vision, 13);
  const at::Tensor together = tower.forward(at::cat({pa, pb}, 0), {a, b});
  const at::Tensor alone_a = tower.forward(pa, {a}), alone_b = tower.forward(pb, {b});
  ASSERT_EQ(together.size(0), alone_a.size(0) + alone_b.size(0));
  EXPECT_LT(maxAbsDiff(together.narrow(0, 0, alone_a.size(0)), alone_a), 1e-5);
  EXPECT_LT(maxAbsDiff(together.narrow(0, alone_a.size(0), alone_b.size(0)), alone_b), 1e-5);
  // And the images really differ, so the comparison above is not vacuous.
  EXPECT_GT(maxAbsDiff(alone_a.narrow(0, 0, 4), alone_b.narrow(0, 0, 4)), 1e-2);
}

TEST(DotsOcrVisionTower, PatchEmbeddingIsALinearMapOverChannelMajorPatches) {
  const DotsOcrConfig c = tinyConfig();
  const auto w = visionOnly(randomWeights(c, 5));
  const VisionTower tower(c.vision, w);
  const at::Tensor pixels = randomPixels(8, c.vision, 6);
  const at::Tensor weight = w.at("vision_tower.patch_embed.patchifier.proj.weight").reshape({c.vision.embedDim, -1});
  const at::Tensor linear = at::linear(pixels, weight, w.at("vision_tower.patch_embed.patchifier.proj.bias"));
  const at::Tensor rms = linear * at::rsqrt(linear.pow(2).mean(-1, true) + 1e-5) *
                         w.at("vision_tower.patch_embed.patchifier.norm.weight");
  EXPECT_LT(maxAbsDiff(tower.embedPatches(pixels), rms), 1e-5);
}

TEST(DotsOcrVisionTower, ImageFeaturesDependOnPatchPositions) {
  // Swapping two windows of one image must change more than the order of their rows: the rotary embedding
  // ties every patch to its place in the grid.
  const DotsOcrConfig c = tinyConfig();
  const VisionTower tower(c.vision, visionOnly(randomWeights(c, 21)));
  const at::Tensor p = randomPixels(16, c.vision, 22);
  const at::Tensor swapped = at::cat({p.narrow(0, 4, 4), p.narrow(0, 0, 4), p.narrow(0, 8, 8)}, 0);
  const at::Tensor f = tower.forward(p, {{1, 4, 4}}), g = tower.forward(swapped, {{1, 4, 4}});
  EXPECT_GT(maxAbsDiff(f.select(0, 0), g.select(0, 1)), 1e-3);
}

TEST(DotsOcrVisionTower, NamesEveryMissingOrMisshapedTensor) {
  const DotsOcrConfig c = tinyConfig();
  auto w = visionOnly(randomWeights(c, 1));
  w.erase("vision_tower.blocks.1.mlp.fc3.weight");
  w["vision_tower.merger.ln_q.bias"] = at::zeros({7});
  try {
    VisionTower tower(c.vision, w);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("missing vision_tower.blocks.1.mlp.fc3.weight [64, 32]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("vision_tower.merger.ln_q.bias has shape [7], expected [32]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("2 tensor(s)"), std::string::npos) << msg;
  }
}

TEST(DotsOcrVisionTower, AcceptsTheAlternateAttentionNamesAndRequiresBiasesWhenConfigured) {
  DotsOcrConfig c = tinyConfig();
  auto w = visionOnly(randomWeights(c, 1));
  for (int i = 0; i < 2; ++i) {
    const std::string b = "vision_tower.blocks." + std::to_string(i) + ".attn.";
    w[b + "qkv_proj.weight"] = w.at(b + "qkv.weight");
    w.erase(b + "qkv.weight");
    w[b + "out_proj.weight"] = w.at(b + "proj.weight");
    w.erase(b + "proj.weight");
  }
  EXPECT_NO_THROW(VisionTower(c.vision, w));

  c.vision.useBias = true;
  const auto shapes = VisionTower::expectedTensors(c.vision);
  EXPECT_EQ(shapes.size(), VisionTower::expectedTensors(tinyConfig().vision).size() + 5 * 2);
  try {
    VisionTower tower(c.vision, w);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("missing vision_tower.blocks.0.attn.qkv.bias [96]"), std::string::npos) << e.what();
  }
}

TEST(DotsOcrVisionTower, RejectsPixelRowsThatDisagreeWithTheGrid) {
  const DotsOcrConfig c = tinyConfig();
  const VisionTower tower(c.vision, visionOnly(randomWeights(c, 1)));
  EXPECT_THROW(tower.forward(randomPixels(12, c.vision, 1), {{1, 4, 4}}), std::invalid_argument);
  EXPECT_THROW(tower.forward(at::zeros({16, 100}), {{1, 4, 4}}), std::invalid_argument);
}

TEST(DotsOcrVisionTower, ReleasedConfigNeeds304Tensors) {
  EXPECT_EQ(VisionTower::expectedTensors(VisionConfig{}).size(), 304u);
}
