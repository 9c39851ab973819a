// Gemma 3n image preprocessing: the antialiased bilinear resize against hand-computed triangle-filter values
// (both torch kernels), identity and constant images, and the messages for bad input.
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <ATen/ATen.h>

#include "core/models/gemma3n/image_processor.h"
#include "support/invalid_argument_message.h"

using namespace ll::models::gemma3n;

namespace {

// Interleaved RGB with `pad` spare bytes per row, value(x, y, c) chosen by the caller.
template <typename F>
std::vector<uint8_t> makeImage(int64_t w, int64_t h, int64_t pad, F value) {
  std::vector<uint8_t> img(static_cast<size_t>((3 * w + pad) * h), 0xEE);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t c = 0; c < 3; ++c) img[y * (3 * w + pad) + 3 * x + c] = value(x, y, c);
  return img;
}

using ll::testing::messageOf;

const std::vector<ResizeKernel> kKernels{ResizeKernel::TorchUint8, ResizeKernel::TorchFloat};

}  // namespace

TEST(Gemma3nImageProcessor, TriangleTapsForAHalvingMatchTheFilterByHand) {
  const FilterTaps t = triangleFilterTaps(8, 4);
  ASSERT_EQ(t.first, (std::vector<int64_t>{0, 1, 3, 5}));
  ASSERT_EQ(t.count, (std::vector<int64_t>{3, 4, 4, 3}));
  // Support 2 pixels: edge outputs lose one tap and renormalise (0.75, 0.75, 0.25) / 1.75.
  const std::vector<std::vector<double>> expected{
      {3 / 7.0, 3 / 7.0, 1 / 7.0}, {0.125, 0.375, 0.375, 0.125}, {0.125, 0.375, 0.375, 0.125}, {1 / 7.0, 3 / 7.0, 3 / 7.0}};
  for (size_t i = 0; i < expected.size(); ++i)
    for (size_t k = 0; k < expected[i].size(); ++k)
      EXPECT_NEAR(t.weights[i * t.maxTaps + k], expected[i][k], 1e-12) << "output " << i << " tap " << k;
}

TEST(Gemma3nImageProcessor, HalvingAKnownPatternGivesTheAntialiasedValues) {
  // Row pattern p; outputs (3p0+3p1+p2)/7, (p1+3p2+3p3+p4)/8, (p3+3p4+3p5+p6)/8, (p5+3p6+3p7)/7
  // = 43.71, 73.75, 115.75, 125.0 -> 44, 74, 116, 125. Plain 2x2 averaging would give 36, 55, 151, 129.
  const std::vector<uint8_t> p{12, 60, 90, 20, 200, 101, 3, 255};
  const std::vector<uint8_t> expected{44, 74, 116, 125};
  for (ResizeKernel k : kKernels) {
    const auto along = makeImage(8, 8, 5, [&](int64_t x, int64_t, int64_t c) { return uint8_t(p[x] + c); });
    const at::Tensor out = resizeBilinearAntialias(along.data(), 8, 8, 3 * 8 + 5, 4, 4, k);
    ASSERT_EQ(out.sizes(), at::IntArrayRef({3, 4, 4}));
    ASSERT_EQ(out.scalar_type(), at::kByte);
    for (int64_t y = 0; y < 4; ++y)
      for (int64_t x = 0; x < 4; ++x) EXPECT_EQ(out[0][y][x].item<int>(), expected[x]) << "width pass, x=" << x;
    // The same pattern down the columns exercises the height pass (and the channel planes: c adds 1).
    const auto down = makeImage(8, 8, 0, [&](int64_t, int64_t y, int64_t c) { return uint8_t(p[y] + 2 * c); });
    const at::Tensor out2 = resizeBilinearAntialias(down.data(), 8, 8, 3 * 8, 4, 4, k);
    for (int64_t y = 0; y < 4; ++y)
      for (int64_t x = 0; x < 4; ++x) EXPECT_EQ(out2[0][y][x].item<int>(), expected[y]) << "height pass, y=" << y;
    // Channel 1 of the column pattern is p + 2 (rows 0..2: 45.71, 75.75, 117.75).
    EXPECT_EQ(out2[1][0][0].item<int>(), 46);
    EXPECT_EQ(out2[1][1][2].item<int>(), 76);
  }
}

TEST(Gemma3nImageProcessor, UpscalingIsPlainHalfPixelBilinear) {
  const auto img = makeImage(2, 1, 0, [](int64_t x, int64_t, int64_t) { return uint8_t(x * 100); });
  for (ResizeKernel k : kKernels) {
    const at::Tensor out = resizeBilinearAntialias(img.data(), 2, 1, 6, 4, 1, k);
    // Sources -0.25 (clamped), 0.25, 0.75, 1.25 (clamped) between 0 and 100.
    EXPECT_EQ(out[0][0][0].item<int>(), 0);
    EXPECT_EQ(out[0][0][1].item<int>(), 25);
    EXPECT_EQ(out[0][0][2].item<int>(), 75);
    EXPECT_EQ(out[0][0][3].item<int>(), 100);
  }
}

TEST(Gemma3nImageProcessor, SameSizeGivesThePixelsOverTwoFiftyFive) {
  const auto img = makeImage(6, 6, 7, [](int64_t x, int64_t y, int64_t c) { return uint8_t(x * 30 + y * 7 + c * 13); });
  for (ResizeKernel k : kKernels) {
    const at::Tensor pv = preprocessImage(img.data(), 6, 6, 3 * 6 + 7, 6, k);
    ASSERT_EQ(pv.sizes(), at::IntArrayRef({3, 6, 6}));
    ASSERT_EQ(pv.scalar_type(), at::kFloat);
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 6; ++y)
        for (int64_t x = 0; x < 6; ++x)
          ASSERT_EQ(pv[c][y][x].item<float>(), float(x * 30 + y * 7 + c * 13) * float(1.0 / 255.0));
  }
}

TEST(Gemma3nImageProcessor, ConstantImagesStayConstantWhenShrunkOrGrown) {
  for (ResizeKernel k : kKernels) {
    const auto big = makeImage(97, 61, 3, [](int64_t, int64_t, int64_t c) { return uint8_t(c == 0 ? 255 : 200 + c); });
    const at::Tensor a = resizeBilinearAntialias(big.data(), 97, 61, 3 * 97 + 3, 16, 16, k);
    EXPECT_TRUE(a[0].eq(255).all().item<bool>());
    EXPECT_TRUE(a[1].eq(201).all().item<bool>());
    EXPECT_TRUE(a[2].eq(202).all().item<bool>());
    const auto small = makeImage(3, 5, 0, [](int64_t, int64_t, int64_t) { return uint8_t(77); });
    const at::Tensor pv = preprocessImage(small.data(), 3, 5, 9, 16, k);
    EXPECT_TRUE(pv.eq(77.0f * float(1.0 / 255.0)).all().item<bool>());
  }
}

// preprocessImage writes the float pixels itself: the same bits as the resized uint8 planes through ATen's
// to(float) * (1 / 255), on a page-sized shrink, a stretch and a same-size image, with both kernels.
TEST(Gemma3nImageProcessor, PixelValuesAreTheResizedPlanesTimesOneOverTwoFiftyFive) {
  at::manual_seed(5);
  const at::Tensor noise = at::randint(0, 256, {900, 700, 3}, at::kByte).contiguous();
  const uint8_t* px = noise.data_ptr<uint8_t>();
  for (ResizeKernel k : kKernels)
    for (auto [w, h, size] : {std::tuple<int64_t, int64_t, int64_t>{700, 900, 768}, {300, 200, 768}, {64, 64, 64}}) {
      const at::Tensor got = preprocessImage(px, w, h, 700 * 3, size, k);
      const at::Tensor want = resizeBilinearAntialias(px, w, h, 700 * 3, size, size, k).to(at::kFloat) * (1.0 / 255.0);
      EXPECT_TRUE(at::equal(got, want)) << w << "x" << h << " -> " << size;
    }
}

TEST(Gemma3nImageProcessor, IntegerAndFloatKernelsDifferByAtMostOneLevel) {
  at::manual_seed(3);
  const at::Tensor noise = at::randint(0, 256, {53, 71, 3}, at::kByte).contiguous();
  const uint8_t* data = noise.data_ptr<uint8_t>();
  for (int64_t size : {16, 32, 100}) {
    const at::Tensor a = resizeBilinearAntialias(data, 71, 53, 71 * 3, size, size, ResizeKernel::TorchUint8);
    const at::Tensor b = resizeBilinearAntialias(data, 71, 53, 71 * 3, size, size, ResizeKernel::TorchFloat);
    EXPECT_LE((a.to(at::kInt) - b.to(at::kInt)).abs().max().item<int>(), 1) << "size " << size;
  }
}

// Reference values printed by tools/gpu/gemma3n_image_resize_check.py with torch 2.11 / torchvision 0.26 on an
// AVX-512 CPU (native uint8 kernel): pattern image 53 rows x 71 columns, value (37x + 11y + 5c) mod 256.
TEST(Gemma3nImageProcessor, MatchesTorchvisionOnAPatternImage) {
  const auto img = makeImage(71, 53, 1, [](int64_t x, int64_t y, int64_t c) { return uint8_t((x * 37 + y * 11 + c * 5) % 256); });
  struct Case {
    ResizeKernel kernel;
    int64_t h, w, sum, weighted;
    std::vector<int> firstRow;
  };
  const std::vector<Case> cases{
      {ResizeKernel::TorchUint8, 16, 16, 97867, 4748806, {95, 133, 133, 108, 139, 130, 116, 139, 121, 118, 144, 119, 134, 137, 110, 136}},
      {ResizeKernel::TorchUint8, 24, 20, 183404, 8912863,
       {68, 153, 90, 155, 93, 158, 97, 160, 101, 151, 103, 153, 107, 154, 113, 156, 117, 129, 119, 136}},
      // torchvision's float route (no AVX2): F.interpolate on float32, round half to even.
      {ResizeKernel::TorchFloat, 16, 16, 97856, 4748158, {95, 133, 133, 109, 140, 130, 116, 139, 121, 118, 144, 119, 134, 137, 110, 137}},
  };
  for (const Case& c : cases) {
    const at::Tensor out = resizeBilinearAntialias(img.data(), 71, 53, 71 * 3 + 1, c.w, c.h, c.kernel).to(at::kLong);
    const at::Tensor idx = at::arange(out.numel(), at::kLong).view(out.sizes());
    EXPECT_EQ(out.sum().item<int64_t>(), c.sum) << c.h << "x" << c.w;
    EXPECT_EQ((out * (idx.remainder(97) + 1)).sum().item<int64_t>(), c.weighted) << c.h << "x" << c.w;
    for (int64_t x = 0; x < c.w; ++x) EXPECT_EQ(out[0][0][x].item<int64_t>(), c.firstRow[x]) << "x=" << x;
  }
}

TEST(Gemma3nImageProcessor, BadInputIsRefusedWithAClearMessage) {
  const std::vector<uint8_t> img(3 * 4 * 4, 0);
  EXPECT_NE(messageOf([&] { preprocessImage(nullptr, 4, 4, 12); }).find("null"), std::string::npos);
  EXPECT_NE(messageOf([&] { preprocessImage(img.data(), 0, 4, 12); }).find("empty"), std::string::npos);
  EXPECT_NE(messageOf([&] { preprocessImage(img.data(), 4, -1, 12); }).find("empty"), std::string::npos);
  EXPECT_NE(messageOf([&] { preprocessImage(img.data(), 4, 4, 11); }).find("stride 11"), std::string::npos);
  EXPECT_NE(messageOf([&] { preprocessImage(img.data(), 4, 4, 12, 0); }).find("target size 0"), std::string::npos);
}
