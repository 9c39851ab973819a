// Truncation toward zero (Python's int()) and the division order are deliberate; see the header.
#include "core/layout/bbox_mapping.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/models/dots_ocr/image_processor.h"

namespace ll::layout {
namespace {

double clampTo(double v, double hi) { return std::clamp(v, 0.0, hi); }

PixelBox clampBox(PixelBox b, double w, double h) {
  return {clampTo(b.x1, w), clampTo(b.y1, h), clampTo(b.x2, w), clampTo(b.y2, h)};
}

bool hasPageSize(const PageGeometry& g) { return g.pageWidthPt > 0 && g.pageHeightPt > 0; }

// Points per image pixel on each axis: from the page size when known (exact for any render size), else
// from the DPI.
double pointsPerPixelX(const PageGeometry& g) {
  return hasPageSize(g) ? g.pageWidthPt / static_cast<double>(g.imageWidth) : 72.0 / g.dpi;
}
double pointsPerPixelY(const PageGeometry& g) {
  return hasPageSize(g) ? g.pageHeightPt / static_cast<double>(g.imageHeight) : 72.0 / g.dpi;
}

}  // namespace

PageGeometry PageGeometry::forRenderedPage(int64_t imageWidth, int64_t imageHeight, double pageWidthPt,
                                           double pageHeightPt, double dpi) {
  PageGeometry g;
  g.imageWidth = imageWidth;
  g.imageHeight = imageHeight;
  g.pageWidthPt = pageWidthPt;
  g.pageHeightPt = pageHeightPt;
  g.dpi = dpi;
  const auto model = models::dots_ocr::smartResizeDots(imageHeight, imageWidth);
  g.modelWidth = model.width;
  g.modelHeight = model.height;
  g.validate();
  return g;
}

void PageGeometry::validate() const {
  if (modelWidth <= 0 || modelHeight <= 0)
    throw std::invalid_argument("the model input size is missing; pass the smart_resize size of the page image");
  if (imageWidth <= 0 || imageHeight <= 0)
    throw std::invalid_argument("the page image size " + std::to_string(imageWidth) + "x" +
                                std::to_string(imageHeight) + " is not positive");
}

namespace {
void validateForPoints(const PageGeometry& g) {
  g.validate();
  if (!hasPageSize(g) && !(g.dpi > 0))
    throw std::invalid_argument("neither the page size in points nor the render DPI is known; give one of them");
}
// Integer pixels of a `fromW` x `fromH` image -> pixels of a `toW` x `toH` one, in the reference's operation
// order: int(x / (from / to)), not x * to / from, which differs at integer boundaries. Clamped to the target.
PixelBox rescaleTruncating(const PixelBox& box, int64_t fromW, int64_t fromH, int64_t toW, int64_t toH) {
  const double scaleX = static_cast<double>(fromW) / static_cast<double>(toW);
  const double scaleY = static_cast<double>(fromH) / static_cast<double>(toH);
  const PixelBox mapped{std::trunc(box.x1 / scaleX), std::trunc(box.y1 / scaleY), std::trunc(box.x2 / scaleX),
                        std::trunc(box.y2 / scaleY)};
  return clampBox(mapped, static_cast<double>(toW), static_cast<double>(toH));
}
}  // namespace

PixelBox modelToImage(const PixelBox& box, const PageGeometry& g) {
  g.validate();
  return rescaleTruncating(box, g.modelWidth, g.modelHeight, g.imageWidth, g.imageHeight);
}

PixelBox imageToPoints(const PixelBox& box, const PageGeometry& g) {
  validateForPoints(g);
  const double sx = pointsPerPixelX(g), sy = pointsPerPixelY(g);
  const double pageW = hasPageSize(g) ? g.pageWidthPt : static_cast<double>(g.imageWidth) * sx;
  const double pageH = hasPageSize(g) ? g.pageHeightPt : static_cast<double>(g.imageHeight) * sy;
  return clampBox({box.x1 * sx, box.y1 * sy, box.x2 * sx, box.y2 * sy}, pageW, pageH);
}

PixelBox modelToPoints(const PixelBox& box, const PageGeometry& g) { return imageToPoints(modelToImage(box, g), g); }

PixelBox imageToModel(const PixelBox& box, const PageGeometry& g) {
  g.validate();
  return rescaleTruncating(box, g.imageWidth, g.imageHeight, g.modelWidth, g.modelHeight);
}

PixelBox pointsToImage(const PixelBox& box, const PageGeometry& g) {
  validateForPoints(g);
  const double sx = pointsPerPixelX(g), sy = pointsPerPixelY(g);
  return clampBox({box.x1 / sx, box.y1 / sy, box.x2 / sx, box.y2 / sy}, static_cast<double>(g.imageWidth),
                  static_cast<double>(g.imageHeight));
}

}  // namespace ll::layout
