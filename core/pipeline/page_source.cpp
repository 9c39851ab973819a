// PDF and image-folder page sources (see page_source.h).
#include "core/pipeline/page_source.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <algorithm>
#include <cmath>

namespace ll::pipeline {
namespace {

class PdfPageSource : public PageSource {
 public:
  explicit PdfPageSource(std::shared_ptr<PdfDocument> doc) : doc_(std::move(doc)) {}
  int pageCount() const override { return doc_->pageCount(); }
  QSizeF pageSizePoints(int index) const override { return doc_->pageSizePoints(index); }
  RenderedPage render(int index, const RenderOptions& options, QString* error) const override {
    PdfError e;
    RenderedPage r = doc_->render(index, options, &e);
    if (r.image.isNull() && error) *error = e.message.isEmpty() ? QStringLiteral("page %1 could not be rendered").arg(index + 1) : e.message;
    return r;
  }

 private:
  std::shared_ptr<PdfDocument> doc_;
};

class ImageFolderSource : public PageSource {
 public:
  ImageFolderSource(QStringList files, double dpi) : files_(std::move(files)), dpi_(dpi > 0 ? dpi : 72) {}
  int pageCount() const override { return files_.size(); }
  QSizeF pageSizePoints(int index) const override {
    if (index < 0 || index >= files_.size()) return {};
    const QSize px = QImageReader(files_[index]).size();
    return QSizeF(px.width() * 72.0 / dpi_, px.height() * 72.0 / dpi_);
  }
  RenderedPage render(int index, const RenderOptions& options, QString* error) const override {
    RenderedPage r;
    if (index < 0 || index >= files_.size()) {
      if (error) *error = QStringLiteral("image %1 does not exist; the folder has %2").arg(index + 1).arg(files_.size());
      return r;
    }
    QImageReader reader(files_[index]);
    QImage image = reader.read();
    if (image.isNull()) {
      if (error) *error = QStringLiteral("cannot read the image %1: %2").arg(files_[index], reader.errorString());
      return r;
    }
    r.effectiveDpi = dpi_;
    // The same budgets as PDF pages: a long edge limit and a pixel budget.
    double scale = 1.0;
    const int longEdge = std::max(image.width(), image.height());
    if (options.maxLongEdgePx > 0 && longEdge > options.maxLongEdgePx) scale = static_cast<double>(options.maxLongEdgePx) / longEdge;
    const double pixels = static_cast<double>(image.width()) * image.height() * scale * scale;
    if (options.maxPixels > 0 && pixels > options.maxPixels) scale *= std::sqrt(options.maxPixels / pixels);
    if (scale < 1.0) {
      image = image.scaled(std::max(1, static_cast<int>(image.width() * scale)), std::max(1, static_cast<int>(image.height() * scale)),
                           Qt::KeepAspectRatio, Qt::SmoothTransformation);
      r.effectiveDpi = dpi_ * scale;
      r.downscaled = true;
      r.note = QStringLiteral("downscaled by %1 to fit the size limits").arg(scale, 0, 'f', 3);
    }
    r.image = image.convertToFormat(QImage::Format_RGB888);
    return r;
  }

 private:
  QStringList files_;
  double dpi_;
};

// page2.png before page10.png, whatever the locale (QCollator's numeric mode needs ICU and a real locale).
int naturalCompare(const QString& a, const QString& b) {
  int i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].isDigit() && b[j].isDigit()) {
      int ei = i, ej = j;
      while (ei < a.size() && a[ei].isDigit()) ++ei;
      while (ej < b.size() && b[ej].isDigit()) ++ej;
      QString na = a.mid(i, ei - i), nb = b.mid(j, ej - j);
      while (na.size() > 1 && na[0] == '0') na.remove(0, 1);
      while (nb.size() > 1 && nb[0] == '0') nb.remove(0, 1);
      if (na.size() != nb.size()) return na.size() < nb.size() ? -1 : 1;
      if (const int c = na.compare(nb); c != 0) return c;
      i = ei;
      j = ej;
      continue;
    }
    const int c = QString::compare(a.mid(i, 1), b.mid(j, 1), Qt::CaseInsensitive);
    if (c != 0) return c;
    ++i;
    ++j;
  }
  return (a.size() - i) - (b.size() - j);
}

}  // namespace

QStringList imageFilesIn(const QString& folder) {
  static const QStringList patterns{"*.png", "*.jpg", "*.jpeg", "*.bmp", "*.tif", "*.tiff", "*.webp"};
  QDir dir(folder);
  QStringList names = dir.entryList(patterns, QDir::Files | QDir::Readable, QDir::NoSort);  // name filters ignore case
  std::sort(names.begin(), names.end(), [](const QString& a, const QString& b) {
    const int c = naturalCompare(a, b);
    return c != 0 ? c < 0 : a < b;
  });
  QStringList out;
  for (const auto& n : names) out << dir.absoluteFilePath(n);
  return out;
}

std::shared_ptr<PageSource> openPageSource(const QString& path, const QByteArray& password, double nominalDpi, PdfError* error) {
  const QFileInfo info(path);
  if (info.isDir()) {
    QStringList files = imageFilesIn(path);
    if (files.isEmpty()) {
      if (error) *error = {PdfError::NoPages, QStringLiteral("the folder %1 has no images (PNG, JPEG, BMP, TIFF, WebP)").arg(path)};
      return nullptr;
    }
    return std::make_shared<ImageFolderSource>(std::move(files), nominalDpi);
  }
  auto doc = PdfDocument::open(path, password, error);
  if (!doc) return nullptr;
  return std::make_shared<PdfPageSource>(std::move(doc));
}

}  // namespace ll::pipeline
