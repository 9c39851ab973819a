#include "core/pipeline/picture_cropper.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace ll::pipeline {

CropResult cropPicture(const QImage& page, const QRect& rect, double upscale, int maxLongEdgePx) {
  CropResult out;
  const QRect clamped = rect.normalized().intersected(page.rect());
  out.sourceRect = clamped;
  if (page.isNull() || clamped.width() < 1 || clamped.height() < 1) {
    out.error = QStringLiteral("picture region %1,%2 %3x%4 lies outside the %5x%6 page")
                    .arg(rect.x()).arg(rect.y()).arg(rect.width()).arg(rect.height()).arg(page.width()).arg(page.height());
    return out;
  }
  const QImage rgb = page.format() == QImage::Format_RGB888 ? page : page.convertToFormat(QImage::Format_RGB888);
  // Wrap Qt's buffer without copying (bytesPerLine is the stride: rows are 32-bit aligned).
  const cv::Mat whole(rgb.height(), rgb.width(), CV_8UC3, const_cast<uchar*>(rgb.constBits()), static_cast<size_t>(rgb.bytesPerLine()));
  const cv::Mat roi = whole(cv::Rect(clamped.x(), clamped.y(), clamped.width(), clamped.height()));

  double scale = upscale > 0 ? upscale : 1.0;
  const int longEdge = std::max(clamped.width(), clamped.height());
  if (maxLongEdgePx > 0 && longEdge * scale > maxLongEdgePx) scale = static_cast<double>(maxLongEdgePx) / longEdge;
  const int w = std::max(1, static_cast<int>(std::lround(clamped.width() * scale)));
  const int h = std::max(1, static_cast<int>(std::lround(clamped.height() * scale)));

  out.image = QImage(w, h, QImage::Format_RGB888);
  cv::Mat dst(h, w, CV_8UC3, out.image.bits(), static_cast<size_t>(out.image.bytesPerLine()));
  if (w == clamped.width() && h == clamped.height()) {
    roi.copyTo(dst);
  } else {
    cv::resize(roi, dst, cv::Size(w, h), 0, 0, scale > 1.0 ? cv::INTER_LANCZOS4 : cv::INTER_AREA);
  }
  return out;
}

}  // namespace ll::pipeline
