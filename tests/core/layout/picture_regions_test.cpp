// Picture regions: which cells become crops, their padded page-pixel boxes and crop sizes.
#include "core/layout/picture_regions.h"

#include <gtest/gtest.h>

namespace {

using namespace ll::layout;

LayoutCell cell(LayoutCategory c, PixelBox b) {
  LayoutCell out;
  out.category = c;
  out.bbox = b;
  return out;
}

// Model input equal to the image, so model pixels are page pixels and the numbers read directly.
PageGeometry identityGeometry() {
  PageGeometry g;
  g.modelWidth = g.imageWidth = 1000;
  g.modelHeight = g.imageHeight = 800;
  g.pageWidthPt = 500;
  g.pageHeightPt = 400;
  return g;
}

TEST(PictureRegions, OnlyPicturesPaddedAndScaled) {
  const std::vector<LayoutCell> cells = {
      cell(LayoutCategory::Text, {0, 0, 100, 20}),
      cell(LayoutCategory::Picture, {100, 200, 300, 350}),
      cell(LayoutCategory::Caption, {100, 360, 300, 380}),
      cell(LayoutCategory::Picture, {5, 790, 995, 800}),  // touches three page edges
  };
  const auto regions = pictureRegions(cells, identityGeometry(), 2, {12, 2.0});
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_EQ(regions[0].id, "page-0003-picture-01");
  EXPECT_EQ(regions[0].cellIndex, 1u);
  EXPECT_EQ(regions[0].box, (PixelBox{100, 200, 300, 350}));
  EXPECT_EQ(regions[0].paddedBox, (PixelBox{88, 188, 312, 362}));
  EXPECT_EQ(regions[0].cropWidth, 448);
  EXPECT_EQ(regions[0].cropHeight, 348);
  EXPECT_DOUBLE_EQ(regions[0].cropScale, 2.0);
  EXPECT_EQ(regions[1].id, "page-0003-picture-02");
  EXPECT_EQ(regions[1].cellIndex, 3u);
  EXPECT_EQ(regions[1].paddedBox, (PixelBox{0, 778, 1000, 800}));
  EXPECT_EQ(regions[1].cropWidth, 2000);
  EXPECT_EQ(regions[1].cropHeight, 44);
}

TEST(PictureRegions, MapsFromModelPixelsFirst) {
  // Letter at 150 dpi: model 1288x1652 for a 1275x1650 image; the padding is in page pixels.
  const auto g = PageGeometry::forRenderedPage(1275, 1650, 612, 792, 150);
  const auto regions = pictureRegions({cell(LayoutCategory::Picture, {100, 200, 644, 826})}, g, 0, {10, 1.5});
  ASSERT_EQ(regions.size(), 1u);
  EXPECT_EQ(regions[0].box, (PixelBox{98, 199, 637, 825}));
  EXPECT_EQ(regions[0].paddedBox, (PixelBox{88, 189, 647, 835}));
  EXPECT_EQ(regions[0].cropWidth, 839);   // 559 * 1.5 = 838.5, rounded half away from zero
  EXPECT_EQ(regions[0].cropHeight, 969);  // 646 * 1.5
}

TEST(PictureRegions, EmptyAfterClampingIsSkippedAndNumbersStayDense) {
  const std::vector<LayoutCell> cells = {
      cell(LayoutCategory::Picture, {1200, 100, 1300, 200}),  // entirely right of the page
      cell(LayoutCategory::Picture, {10, 10, 10, 50}),        // zero width
      cell(LayoutCategory::Picture, {10, 10, 20, 20}),
  };
  const auto regions = pictureRegions(cells, identityGeometry(), 0, {0, 1.0});
  ASSERT_EQ(regions.size(), 1u);
  EXPECT_EQ(regions[0].id, "page-0001-picture-01");
  EXPECT_EQ(regions[0].cellIndex, 2u);
  EXPECT_EQ(regions[0].paddedBox, (PixelBox{10, 10, 20, 20}));
  EXPECT_EQ(regions[0].cropWidth, 10);
}

TEST(PictureRegions, BadOptionsAreClearErrors) {
  const std::vector<LayoutCell> cells = {cell(LayoutCategory::Picture, {10, 10, 20, 20})};
  EXPECT_THROW(pictureRegions(cells, identityGeometry(), 0, {-1, 2.0}), std::invalid_argument);
  EXPECT_THROW(pictureRegions(cells, identityGeometry(), 0, {12, 0.0}), std::invalid_argument);
  EXPECT_THROW(pictureRegions(cells, PageGeometry{}, 0, {12, 2.0}), std::invalid_argument);
  EXPECT_TRUE(pictureRegions({}, identityGeometry(), 0).empty());
}

}  // namespace
