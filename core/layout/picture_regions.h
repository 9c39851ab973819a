#pragma once
// Picture cells become the regions that the pipeline crops and sends to Gemma 3n for OCR. This is only
// the geometry (which box, padded and clamped to the page, how large the crop becomes after crop_upscale);
// core/pipeline cuts the pixels. Keeping it here makes the report's region ids and boxes testable
// without images.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/layout/bbox_mapping.h"
#include "core/layout/layout_parser.h"

namespace ll::layout {

struct PictureRegionOptions {
  int64_t paddingPx = 12;    // PipelineConfig::padding, in page image pixels
  double cropUpscale = 2.0;  // PipelineConfig::crop_upscale
};

struct PictureRegion {
  std::string id;        // "page-0003-picture-02": 1-based page and picture numbers, stable across runs
  size_t cellIndex = 0;  // index of the Picture cell in the page's cells
  PixelBox box;          // the cell in page pixels (clamped)
  PixelBox paddedBox;    // box grown by the padding on every side, clamped to the page image
  double cropScale = 1.0;
  int64_t cropWidth = 0, cropHeight = 0;  // the crop's size after scaling, at least 1x1
};

// The 1-based id used for region files and the report.
std::string pictureRegionId(int pageIndex, int pictureNumber);

// Regions for the Picture cells of one page (cells in model-input pixels, as parsed), in reading order.
// A picture that is empty once clamped to the page (zero width or height) yields no region. Throws
// std::invalid_argument for a negative padding, a non-positive upscale or an invalid geometry.
std::vector<PictureRegion> pictureRegions(const std::vector<LayoutCell>& cells, const PageGeometry& geometry,
                                          int pageIndex, const PictureRegionOptions& options = {});

}  // namespace ll::layout
