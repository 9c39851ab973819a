#pragma once
// dots.ocr writes boxes in the pixels of its resized input (the smart_resize size), not of the page. This
// maps them to the rendered page image and to PDF points, and back for grounding prompts. The forward
// mapping repeats the reference's arithmetic exactly (post_process_cells: x' = int(x / (w_in / W)), in that
// operation order) because x * W / w_in differs at integer boundaries; forgetting this mapping is the
// classic "boxes are offset" bug of the reference (issue #72). All results are clamped to the page.
#include <cstdint>

#include "core/layout/layout_parser.h"

namespace ll::layout {

struct PageGeometry {
  int64_t modelWidth = 0, modelHeight = 0;  // the model input (smart_resize of the page image)
  int64_t imageWidth = 0, imageHeight = 0;  // the rendered page image
  double pageWidthPt = 0, pageHeightPt = 0;  // the PDF page as displayed, in points; 0 when not a PDF
  double dpi = 0;                            // render resolution; used for points when the page size is 0

  // The geometry of a rendered page whose model input is dots.ocr's smart_resize of the image (the
  // processor defaults: factor 28, 3,136 to 11,289,600 pixels). Page size and DPI may be 0 (unknown).
  // Throws std::invalid_argument on bad image sizes.
  static PageGeometry forRenderedPage(int64_t imageWidth, int64_t imageHeight, double pageWidthPt,
                                      double pageHeightPt, double dpi);
  // Throws std::invalid_argument with a one-line message if the model or image size is missing. The
  // conversions to and from points also need the page size or the DPI, and throw likewise without both.
  void validate() const;
};

// Model-input pixels -> page image pixels (integers, as the reference), clamped to the image.
PixelBox modelToImage(const PixelBox& box, const PageGeometry& g);
// Page image pixels -> PDF points (top-left origin, like the image), clamped to the page.
PixelBox imageToPoints(const PixelBox& box, const PageGeometry& g);
// Model-input pixels -> PDF points, through the integer page pixels so both report boxes agree.
PixelBox modelToPoints(const PixelBox& box, const PageGeometry& g);

// The inverses, for grounding prompts: page pixels -> model-input pixels (the reference's
// pre_process_bboxes: int(x / (W / w_in))), and PDF points -> page pixels. Clamped.
PixelBox imageToModel(const PixelBox& box, const PageGeometry& g);
PixelBox pointsToImage(const PixelBox& box, const PageGeometry& g);

}  // namespace ll::layout
