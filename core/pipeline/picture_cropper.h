#pragma once
// Cuts picture regions out of a rendered page and upscales them for OCR. Gemma 3n sees every image at
// 768x768, so small dimension text in a drawing survives only if the crop is enlarged first (the
// reference's crop_upscale, default 2.0).
#include <QImage>
#include <QRect>
#include <QString>

namespace ll::pipeline {

struct CropResult {
  QImage image;   // RGB888
  QRect sourceRect;  // the rectangle actually cut, in page pixels (clamped to the page)
  QString error;  // non-empty when nothing could be cut (empty or out-of-page rectangle)
};

// Cuts `rect` (page pixels) from `page`, clamped to the page, and scales it by `upscale` with Lanczos
// resampling (OpenCV INTER_LANCZOS4; INTER_AREA when shrinking). The scaled size is capped at
// maxLongEdgePx on its long edge so a page-sized picture cannot blow up memory.
CropResult cropPicture(const QImage& page, const QRect& rect, double upscale, int maxLongEdgePx = 4096);

}  // namespace ll::pipeline
