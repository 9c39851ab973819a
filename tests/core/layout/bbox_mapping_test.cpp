// Box mapping between model-input pixels, page pixels and PDF points. Expected values come from the
// reference's own arithmetic (int(float(x) / (w_in / W)) run in Python).
#include "core/layout/bbox_mapping.h"

#include <gtest/gtest.h>

namespace {

using namespace ll::layout;

// US Letter (612 x 792 pt) rendered at 150 dpi: 1275 x 1650 px; smart_resize gives 1288 x 1652.
PageGeometry letterAt150() { return PageGeometry::forRenderedPage(1275, 1650, 612, 792, 150); }

TEST(BboxMapping, GeometryForARenderedPage) {
  const auto g = letterAt150();
  EXPECT_EQ(g.modelWidth, 1288);
  EXPECT_EQ(g.modelHeight, 1652);
  EXPECT_EQ(g.imageWidth, 1275);
  EXPECT_EQ(g.imageHeight, 1650);
}

TEST(BboxMapping, ModelToImageMatchesTheReference) {
  const auto g = letterAt150();
  EXPECT_EQ(modelToImage({100, 200, 1288, 1652}, g), (PixelBox{98, 199, 1275, 1650}));
  EXPECT_EQ(modelToImage({0, 0, 644, 826}, g), (PixelBox{0, 0, 637, 825}));
  EXPECT_EQ(modelToImage({1287, 1651, 1288, 1652}, g), (PixelBox{1274, 1649, 1275, 1650}));
}

TEST(BboxMapping, DivisionOrderMattersAtIntegerBoundaries) {
  // x * W / w_in would give 1003 and 429 here; the reference's x / (w_in / W) gives 1002 and 428.
  PageGeometry g;
  g.modelWidth = 1008;
  g.imageWidth = 1003;
  g.modelHeight = 1008;
  g.imageHeight = 1001;
  g.dpi = 72;
  const PixelBox mapped = modelToImage({1008, 432, 1008, 432}, g);
  EXPECT_EQ(mapped.x1, 1002);
  EXPECT_EQ(mapped.y1, 428);
}

TEST(BboxMapping, ClampsToThePage) {
  const auto g = letterAt150();
  // Negative and oversized model boxes (the model does write them) stay on the page.
  EXPECT_EQ(modelToImage({-5, -7, 1300, 1700}, g), (PixelBox{0, 0, 1275, 1650}));
  EXPECT_EQ(modelToPoints({-5, -7, 5000, 5000}, g), (PixelBox{0, 0, 612, 792}));
  EXPECT_EQ(imageToModel({-10, 0, 99999, 1650}, g), (PixelBox{0, 0, 1288, 1652}));
}

TEST(BboxMapping, ImageToPointsUsesThePageSize) {
  const auto g = letterAt150();
  const PixelBox pt = imageToPoints({150, 300, 1275, 825}, g);
  EXPECT_DOUBLE_EQ(pt.x1, 72.0);  // 150 px at 150 dpi = 1 inch
  EXPECT_DOUBLE_EQ(pt.y1, 144.0);
  EXPECT_DOUBLE_EQ(pt.x2, 612.0);
  EXPECT_DOUBLE_EQ(pt.y2, 396.0);
  const PixelBox back = pointsToImage(pt, g);
  EXPECT_DOUBLE_EQ(back.x1, 150.0);
  EXPECT_DOUBLE_EQ(back.y2, 825.0);
}

TEST(BboxMapping, PointsFromDpiWhenThePageSizeIsUnknown) {
  PageGeometry g = PageGeometry::forRenderedPage(1000, 500, 0, 0, 200);  // an image input, 200 dpi
  const PixelBox pt = imageToPoints({200, 100, 1000, 500}, g);
  EXPECT_DOUBLE_EQ(pt.x1, 72.0);
  EXPECT_DOUBLE_EQ(pt.y1, 36.0);
  EXPECT_DOUBLE_EQ(pt.x2, 360.0);
  EXPECT_DOUBLE_EQ(pt.y2, 180.0);
}

TEST(BboxMapping, ModelToPointsGoesThroughIntegerPixels) {
  const auto g = letterAt150();
  const PixelBox pt = modelToPoints({100, 200, 1288, 1652}, g);  // -> px {98, 199, 1275, 1650}
  EXPECT_DOUBLE_EQ(pt.x1, 98 * (612.0 / 1275));
  EXPECT_DOUBLE_EQ(pt.y1, 199 * (792.0 / 1650));
  EXPECT_DOUBLE_EQ(pt.x2, 612.0);
}

TEST(BboxMapping, GroundingInverseMatchesTheReference) {
  // pre_process_bboxes: int(float(x) / (W / w_in)).
  const auto g = letterAt150();
  EXPECT_EQ(imageToModel({98, 199, 1275, 1650}, g), (PixelBox{98, 199, 1288, 1652}));
  EXPECT_EQ(imageToModel({637, 824, 1275, 1650}, g), (PixelBox{643, 824, 1288, 1652}));
}

TEST(BboxMapping, MissingSizesAreClearErrors) {
  PageGeometry g;
  EXPECT_THROW(modelToImage({0, 0, 1, 1}, g), std::invalid_argument);
  g.modelWidth = g.modelHeight = 28;
  g.imageWidth = g.imageHeight = 28;
  try {
    imageToPoints({0, 0, 1, 1}, g);
    FAIL() << "expected an error without page size or dpi";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("DPI"), std::string::npos);
  }
  EXPECT_THROW(PageGeometry::forRenderedPage(0, 100, 612, 792, 72), std::invalid_argument);
}

}  // namespace
