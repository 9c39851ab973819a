// Padding is applied in page pixels after the model-to-page mapping, so the margin is the same number of
// pixels whatever the model's input scale was.
#include "core/layout/picture_regions.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace ll::layout {

std::string pictureRegionId(int pageIndex, int pictureNumber) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "page-%04d-picture-%02d", pageIndex + 1, pictureNumber);
  return buf;
}

std::vector<PictureRegion> pictureRegions(const std::vector<LayoutCell>& cells, const PageGeometry& geometry,
                                          int pageIndex, const PictureRegionOptions& options) {
  if (options.paddingPx < 0)
    throw std::invalid_argument("picture padding " + std::to_string(options.paddingPx) + " is negative; use 0 or more pixels");
  if (!(options.cropUpscale > 0) || !std::isfinite(options.cropUpscale))
    throw std::invalid_argument("crop upscale must be a positive number (1 keeps the crop's size)");
  geometry.validate();
  const auto W = static_cast<double>(geometry.imageWidth), H = static_cast<double>(geometry.imageHeight);
  const auto pad = static_cast<double>(options.paddingPx);

  std::vector<PictureRegion> regions;
  int number = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].category != LayoutCategory::Picture) continue;
    const PixelBox box = modelToImage(cells[i].bbox, geometry);
    if (box.width() <= 0 || box.height() <= 0) continue;
    PictureRegion r;
    r.id = pictureRegionId(pageIndex, ++number);
    r.cellIndex = i;
    r.box = box;
    r.paddedBox = {std::max(0.0, box.x1 - pad), std::max(0.0, box.y1 - pad), std::min(W, box.x2 + pad),
                   std::min(H, box.y2 + pad)};
    r.cropScale = options.cropUpscale;
    r.cropWidth = std::max<int64_t>(1, std::llround(r.paddedBox.width() * options.cropUpscale));
    r.cropHeight = std::max<int64_t>(1, std::llround(r.paddedBox.height() * options.cropUpscale));
    regions.push_back(std::move(r));
  }
  return regions;
}

}  // namespace ll::layout
