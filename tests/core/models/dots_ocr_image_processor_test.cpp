// dots.ocr image processor: smart_resize numbers from the spec and the reference code, the Pillow-exact
// bicubic resize (goldens produced by Pillow 9.4 on the dev machine, see kPillowSmall), normalisation and
// the Qwen2VLImageProcessor patch order.
#include "core/models/dots_ocr/image_processor.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

namespace {

using namespace ll::models::dots_ocr;

// The synthetic image every golden was made from: value(x, y, c) = (37x + 91y + 53c + (x*y mod 17)) mod 256.
std::vector<uint8_t> syntheticRgb(int w, int h, int stride = 0) {
  if (stride == 0) stride = w * 3;
  std::vector<uint8_t> img(static_cast<size_t>(stride * h), 0xAB);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) img[y * stride + x * 3 + c] = static_cast<uint8_t>((x * 37 + y * 91 + c * 53 + (x * y) % 17) % 256);
  return img;
}

// The processor's pixel values by another route: the resized uint8 HWC image rescaled and normalised with ATen
// (CLIP mean and std), then the reference's view/permute (patchify).
at::Tensor pixelValuesByAten(const std::vector<uint8_t>& resized, int64_t h, int64_t w) {
  at::Tensor hwc = at::from_blob(const_cast<uint8_t*>(resized.data()), {h, w, 3}, at::kByte).to(at::kDouble);
  at::Tensor x = (hwc * (1.0 / 255.0)).to(at::kFloat).permute({2, 0, 1});
  const at::Tensor mean = at::tensor({0.48145466f, 0.4578275f, 0.40821073f}).view({3, 1, 1});
  const at::Tensor stdv = at::tensor({0.26862954f, 0.26130258f, 0.27577711f}).view({3, 1, 1});
  return patchify(((x - mean) / stdv).contiguous());
}

uint64_t fnv1a(const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  return h;
}

// Generated with Pillow 9.4.0:
//   Image.frombytes("RGB", (w, h), <syntheticRgb>).resize((ow, oh), Image.BICUBIC).tobytes()
struct SmallGolden {
  int w, h, ow, oh;
  std::vector<uint8_t> out;
};
const SmallGolden kPillowSmall[] = {
    {7, 5, 3, 2, {95, 125, 134, 132, 115, 138, 138, 128, 121, 112, 139, 151, 125, 131, 132, 136, 103, 116}},
    {8, 6, 4, 3, {81, 125, 149, 132, 119, 129, 148, 130, 138, 102, 111, 121, 114, 124, 125, 105, 123, 145,
                  140, 118, 122, 143, 142, 103, 153, 160, 148, 130, 122, 127, 94, 125, 156, 142, 123, 130}},
    {5, 4, 11, 9, {0,41,94,0,48,101,12,65,117,31,84,139,48,100,168,65,118,195,82,146,214,99,175,229,118,197,248,135,213,255,142,219,255,9,59,115,13,67,123,30,85,142,50,105,157,68,125,158,86,139,160,104,142,175,120,143,194,139,158,214,157,177,231,164,185,236,47,97,169,53,108,180,69,135,207,91,162,204,117,191,134,142,195,74,160,135,80,177,65,108,195,62,128,213,90,145,221,100,152,92,146,190,101,152,202,119,166,234,137,183,221,151,216,111,164,217,16,180,122,16,199,12,50,218,0,70,236,31,88,244,43,96,148,215,110,159,191,121,185,135,147,186,98,149,132,123,94,86,139,48,93,92,55,120,37,81,141,39,108,159,65,135,167,76,146,179,255,31,191,209,39,223,95,58,211,15,78,102,29,90,7,60,104,7,74,121,41,87,139,63,107,163,81,125,184,89,133,193,120,189,52,131,160,60,158,88,77,157,40,101,88,53,127,29,82,153,35,108,178,64,134,192,86,158,173,104,175,140,112,183,126,33,89,107,42,91,116,62,92,134,79,100,155,81,118,174,85,138,193,100,157,225,120,176,238,142,198,169,160,215,71,168,224,29,0,48,128,6,63,137,23,93,155,47,124,176,77,142,194,106,159,212,125,177,246,142,195,255,163,216,168,181,234,43,190,243,0}},
    {9, 7, 9, 3, {75,128,127,112,112,165,96,149,98,134,83,136,180,121,174,106,159,114,144,99,98,83,137,136,121,120,182,99,152,123,139,110,163,97,150,121,138,108,161,106,148,101,130,83,144,171,125,95,111,152,135,151,122,104,117,170,119,160,108,161,98,151,150,133,133,186,114,168,122,153,108,161,91,144,93,126,66,127,168,117,115}},
    {13, 4, 6, 4, {23,76,129,100,161,216,188,175,110,66,53,105,80,141,184,165,218,47,115,180,189,203,90,54,100,64,127,95,168,211,196,142,82,159,52,110,175,111,57,42,76,145,117,180,164,203,177,46,62,62,124,89,149,202,42,95,155,126,188,188,216,85,59,87,71,134,109,178,212,192,137,74}},
};
struct HashGolden {
  int w, h, ow, oh;
  uint64_t fnv;
};
const HashGolden kPillowHashes[] = {
    {300, 200, 112, 84, 0x80eab6d995271d43ull},
    {123, 457, 56, 196, 0x68d9d2c808c457d1ull},
    {40, 30, 84, 56, 0x904c485168faf471ull},
    {1000, 3, 28, 28, 0xcd95b740f41f4f7dull},
};

TEST(DotsOcrSmartResize, SpecDemoPage) {
  // specs/dots-ocr.md §4.2: 1700x2250 -> 1708x2240 -> grid (1,160,122) -> 4,880 image tokens.
  const auto s = smartResize(2250, 1700);
  EXPECT_EQ(s, (ResizedSize{2240, 1708}));
  EXPECT_EQ(s.height / 14 * (s.width / 14) / 4, 4880);
}

TEST(DotsOcrSmartResize, EveryBranchMatchesTheReference) {
  // Expected values from the reference functions run in Python (transformers' and dots' image_utils).
  EXPECT_EQ(smartResize(40, 30), (ResizedSize{84, 56}));        // up-scale
  EXPECT_EQ(smartResize(5000, 4000), (ResizedSize{3752, 2996})); // down-scale
  EXPECT_EQ(smartResize(9933, 7016), (ResizedSize{3976, 2800})); // A0-ish page
  EXPECT_EQ(smartResize(2339, 1654), (ResizedSize{2352, 1652})); // A4 at 200 dpi
  EXPECT_EQ(smartResize(70, 98), (ResizedSize{56, 112}));        // 2.5 and 3.5 round to even
  EXPECT_EQ(smartResize(42, 98), (ResizedSize{56, 112}));        // 1.5 rounds to 2
  EXPECT_EQ(smartResize(1, 1), (ResizedSize{56, 56}));
  EXPECT_EQ(smartResize(10, 2000), (ResizedSize{28, 812}));
  EXPECT_EQ(smartResizeDots(10, 2000), (ResizedSize{28, 1988}));  // the dots copy clamps sides to 28 first
  EXPECT_EQ(smartResize(20, 20, 28, 5000, 5000), (ResizedSize{84, 84}));
  EXPECT_EQ(smartResizeDots(20, 20, 28, 5000, 5000), (ResizedSize{56, 56}));  // re-shrunk below max
  EXPECT_EQ(smartResizeDots(2250, 1700), smartResize(2250, 1700));
}

TEST(DotsOcrSmartResize, RejectsBadGeometry) {
  EXPECT_THROW(smartResize(10, 2100), std::invalid_argument);  // aspect 210
  EXPECT_THROW(smartResize(0, 100), std::invalid_argument);
  EXPECT_THROW(smartResizeDots(-3, 100), std::invalid_argument);
  EXPECT_NO_THROW(smartResize(10, 2000));  // exactly 200 is allowed
  try {
    smartResize(10, 2100);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("aspect ratio"), std::string::npos);
  }
}

TEST(DotsOcrPillowBicubic, SmallImagesMatchPillowByteForByte) {
  for (const auto& g : kPillowSmall) {
    const auto src = syntheticRgb(g.w, g.h);
    const auto out = resizeBicubicLikePillow(src.data(), g.w, g.h, g.w * 3, 3, g.ow, g.oh);
    EXPECT_EQ(out, g.out) << g.w << "x" << g.h << " -> " << g.ow << "x" << g.oh;
  }
}

TEST(DotsOcrPillowBicubic, LargerImagesMatchPillowHashes) {
  for (const auto& g : kPillowHashes) {
    const auto src = syntheticRgb(g.w, g.h);
    const auto out = resizeBicubicLikePillow(src.data(), g.w, g.h, g.w * 3, 3, g.ow, g.oh);
    EXPECT_EQ(fnv1a(out), g.fnv) << g.w << "x" << g.h << " -> " << g.ow << "x" << g.oh;
  }
}

TEST(DotsOcrPillowBicubic, RowBandsOnSeveralThreadsGiveThePillowBytes) {
  for (const auto& g : kPillowHashes)
    for (int threads : {0, 3}) {
      const auto src = syntheticRgb(g.w, g.h);
      const auto out = resizeBicubicLikePillow(src.data(), g.w, g.h, g.w * 3, 3, g.ow, g.oh, threads);
      EXPECT_EQ(fnv1a(out), g.fnv) << g.w << "x" << g.h << " -> " << g.ow << "x" << g.oh << " on " << threads;
    }
}

TEST(DotsOcrPillowBicubic, RowStrideIsHonoured) {
  const auto tight = syntheticRgb(13, 4);
  const auto padded = syntheticRgb(13, 4, 13 * 3 + 5);
  EXPECT_EQ(resizeBicubicLikePillow(padded.data(), 13, 4, 13 * 3 + 5, 3, 6, 4),
            resizeBicubicLikePillow(tight.data(), 13, 4, 13 * 3, 3, 6, 4));
}

TEST(DotsOcrPillowBicubic, SameSizeIsACopyAndConstantStaysConstant) {
  const auto src = syntheticRgb(9, 7, 9 * 3 + 2);
  const auto same = resizeBicubicLikePillow(src.data(), 9, 7, 9 * 3 + 2, 3, 9, 7);
  for (int y = 0; y < 7; ++y)
    for (int i = 0; i < 27; ++i) ASSERT_EQ(same[y * 27 + i], src[y * 29 + i]);
  for (uint8_t value : {0, 1, 128, 254, 255}) {
    std::vector<uint8_t> flat(31 * 17 * 3, value);
    for (auto [ow, oh] : {std::pair{5, 3}, std::pair{62, 34}, std::pair{31, 40}, std::pair{100, 2}}) {
      const auto out = resizeBicubicLikePillow(flat.data(), 31, 17, 31 * 3, 3, ow, oh);
      for (uint8_t v : out) ASSERT_EQ(v, value);
    }
  }
}

TEST(DotsOcrPillowBicubic, OvershootIsClipped) {
  // A hard black/white edge upscaled: bicubic's negative lobes overshoot; values must clip, not wrap.
  std::vector<uint8_t> edge(8 * 1 * 1);
  for (int x = 0; x < 8; ++x) edge[x] = x < 4 ? 0 : 255;
  const auto out = resizeBicubicLikePillow(edge.data(), 8, 1, 8, 1, 32, 1);
  EXPECT_EQ(out.front(), 0);
  EXPECT_EQ(out.back(), 255);
  for (int x = 0; x < 14; ++x) EXPECT_LE(out[x], 5) << x;  // no wrap-around to ~255 near the edge
  for (int x = 18; x < 32; ++x) EXPECT_GE(out[x], 250) << x;
}

TEST(DotsOcrImageProcessor, PixelValuesNormaliseAndFollowPatchOrder) {
  const int w = 60, h = 50;  // smart_resize -> 56x56: grid 4x4, 4 image tokens
  const auto src = syntheticRgb(w, h);
  const ProcessedImage p = preprocessImage(src.data(), w, h, w * 3);
  EXPECT_EQ(p.resized, (ResizedSize{56, 56}));
  EXPECT_EQ(p.grid.t, 1);
  EXPECT_EQ(p.grid.h, 4);
  EXPECT_EQ(p.grid.w, 4);
  EXPECT_EQ(p.imageTokens, 4);
  ASSERT_EQ(p.pixelValues.sizes(), (at::IntArrayRef{16, 588}));
  EXPECT_EQ(p.pixelValues.scalar_type(), at::kFloat);

  // Independent route: resize, normalise the CHW image with ATen, then the reference's view/permute.
  const auto resized = resizeBicubicLikePillow(src.data(), w, h, w * 3, 3, 56, 56);
  EXPECT_TRUE(at::equal(p.pixelValues, pixelValuesByAten(resized, 56, 56)));

  // Spot checks of the order: row 1 is the patch right of row 0 (merge window), row 2 the one below it.
  auto value = [&](int64_t row, int64_t c, int64_t py, int64_t px) {
    return p.pixelValues[row][c * 196 + py * 14 + px].item<float>();
  };
  auto pixel = [&](int64_t y, int64_t xx, int64_t c) {
    const float v = static_cast<float>(resized[(y * 56 + xx) * 3 + c] * (1.0 / 255.0));
    const float m[3] = {0.48145466f, 0.4578275f, 0.40821073f}, s[3] = {0.26862954f, 0.26130258f, 0.27577711f};
    return (v - m[c]) / s[c];
  };
  EXPECT_EQ(value(0, 0, 0, 0), pixel(0, 0, 0));
  EXPECT_EQ(value(1, 2, 3, 5), pixel(3, 14 + 5, 2));
  EXPECT_EQ(value(2, 1, 13, 0), pixel(14 + 13, 0, 1));
  EXPECT_EQ(value(3, 0, 0, 0), pixel(14, 14, 0));
  EXPECT_EQ(value(4, 0, 0, 0), pixel(0, 28, 0));  // next 2x2 window to the right
  EXPECT_EQ(value(8, 0, 0, 0), pixel(28, 0, 0));  // first window of the second window row
}

TEST(DotsOcrImageProcessor, ThreadCountDoesNotChangeThePixelValues) {
  // 330x610 -> 336x616: 22 rows of 12 merge windows, so the patchify and both resize passes run in bands.
  const int w = 330, h = 610;
  const auto src = syntheticRgb(w, h, w * 3 + 4);
  const ProcessedImage one = preprocessImage(src.data(), w, h, w * 3 + 4, {}, PreprocessOptions{1, false});
  ASSERT_EQ(one.pixelValues.size(0), (616 / 14) * (336 / 14));
  for (int threads : {0, 2, 5}) {
    const ProcessedImage many = preprocessImage(src.data(), w, h, w * 3 + 4, {}, PreprocessOptions{threads, false});
    EXPECT_TRUE(at::equal(one.pixelValues, many.pixelValues)) << threads << " threads";
    EXPECT_EQ(many.grid.h, one.grid.h);
    EXPECT_EQ(many.grid.w, one.grid.w);
  }
  // The single-thread result is the independent route's (resize, ATen normalise, reference permutation).
  const auto resized = resizeBicubicLikePillow(src.data(), w, h, w * 3 + 4, 3, 336, 616);
  EXPECT_TRUE(at::equal(one.pixelValues, pixelValuesByAten(resized, 616, 336)));
}

TEST(DotsOcrImageProcessor, PatchifyMatchesAManualIndexing) {
  const at::Tensor chw = at::arange(3 * 56 * 84, at::kFloat).view({3, 56, 84});
  const at::Tensor p = patchify(chw);
  ASSERT_EQ(p.sizes(), (at::IntArrayRef{4 * 6, 588}));
  const int64_t gw = 6;
  for (int64_t r = 0; r < p.size(0); ++r) {
    const int64_t window = r / 4, inner = r % 4;
    const int64_t gy = (window / (gw / 2)) * 2 + inner / 2, gx = (window % (gw / 2)) * 2 + inner % 2;
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t k : {0, 13, 100, 195}) {
        const float want = chw[c][gy * 14 + k / 14][gx * 14 + k % 14].item<float>();
        ASSERT_EQ(p[r][c * 196 + k].item<float>(), want) << r << " " << c << " " << k;
      }
  }
  EXPECT_THROW(patchify(at::zeros({3, 50, 56})), std::invalid_argument);
}

TEST(DotsOcrImageProcessor, ConfigFromPreprocessorJson) {
  const auto c = parseImageProcessorConfig(
      R"({"min_pixels": 3136, "max_pixels": 11289600, "patch_size": 14, "temporal_patch_size": 1, "merge_size": 2,
          "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
          "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "DotsVLProcessor"})",
      "preprocessor_config.json");
  EXPECT_EQ(c.maxPixels, 11289600);
  EXPECT_EQ(c.factor(), 28);
  EXPECT_FLOAT_EQ(c.imageStd[2], 0.27577711f);
  EXPECT_THROW(parseImageProcessorConfig(R"({"image_std": [1, 0, 1]})", "x.json"), std::runtime_error);
  EXPECT_THROW(parseImageProcessorConfig(R"({"patch_size": "14"})", "x.json"), std::runtime_error);
  EXPECT_THROW(parseImageProcessorConfig("not json", "x.json"), std::runtime_error);
}

TEST(DotsOcrImageProcessor, ProcessorDumpForTheParityScript) {
  const int w = 45, h = 33;
  const auto src = syntheticRgb(w, h);
  const std::string dir = LAYOUTLENS_BINARY_DIR;
  const std::string ppm = dir + "/dots_ocr_processor_dump_input.ppm";
  {
    std::ofstream o(ppm, std::ios::binary);
    o << "P6\n# synthetic\n" << w << " " << h << "\n255\n";
    o.write(reinterpret_cast<const char*>(src.data()), static_cast<std::streamsize>(src.size()));
  }
  const std::string prefix = dir + "/dots_ocr_processor_dump";
  writeProcessorDump(ppm, prefix);
  std::ifstream meta(prefix + ".json");
  const auto j = nlohmann::json::parse(meta);
  const auto p = preprocessImage(src.data(), w, h, w * 3);
  EXPECT_EQ(j["grid_thw"], nlohmann::json({1, p.grid.h, p.grid.w}));
  EXPECT_EQ(j["image_tokens"], p.imageTokens);
  std::ifstream values(prefix + ".pixel_values.f32", std::ios::binary | std::ios::ate);
  EXPECT_EQ(static_cast<int64_t>(values.tellg()), p.pixelValues.numel() * 4);
  EXPECT_THROW(writeProcessorDump(dir + "/no_such_file.ppm", prefix), std::runtime_error);
  for (const char* suffix : {".json", ".pixel_values.f32", ".resized.ppm"}) std::remove((prefix + suffix).c_str());
  std::remove(ppm.c_str());
}

// The hook for the GPU-machine parity script: it writes a PPM, runs this test binary with
//   LAYOUTLENS_DOTS_PARITY_PPM=in.ppm LAYOUTLENS_DOTS_PARITY_OUT=prefix --gtest_filter=*ParityDump*
// and compares prefix.{resized.ppm,pixel_values.f32,json} with Pillow and Qwen2VLImageProcessor.
TEST(DotsOcrImageProcessor, ParityDumpFromEnvironment) {
  const char* in = std::getenv("LAYOUTLENS_DOTS_PARITY_PPM");
  const char* out = std::getenv("LAYOUTLENS_DOTS_PARITY_OUT");
  if (!in || !out) GTEST_SKIP() << "set LAYOUTLENS_DOTS_PARITY_PPM and LAYOUTLENS_DOTS_PARITY_OUT to dump";
  ASSERT_NO_THROW(writeProcessorDump(in, out));
}

}  // namespace
