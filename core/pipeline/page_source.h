#pragma once
// Where the pipeline's pages come from: the pages of a PDF, or the images of a folder (the reference's
// image_folder, for scans that are not PDFs). The runner renders through this one interface so both
// inputs share every later stage, the job store and the report.
#include <QByteArray>
#include <QSizeF>
#include <QString>
#include <QStringList>
#include <memory>

#include "core/pipeline/pdf_document.h"

namespace ll::pipeline {

class PageSource {
 public:
  virtual ~PageSource() = default;
  virtual int pageCount() const = 0;
  // The page size in PDF points. For images: pixels at the nominal DPI the source was opened with.
  virtual QSizeF pageSizePoints(int index) const = 0;
  // Thread-safe. A null image and *error on failure.
  virtual RenderedPage render(int index, const RenderOptions& options, QString* error) const = 0;
};

// The image files of a folder that the pipeline reads (PNG, JPEG, BMP, TIFF, WebP, by extension, any case),
// sorted by name so page numbers are stable. Not recursive.
QStringList imageFilesIn(const QString& folder);

// A PDF file, or a folder of images (each image one page; `nominalDpi` converts its pixels to points).
// Returns nullptr with a one-line *error (and *code for PDFs) when the input cannot be used.
std::shared_ptr<PageSource> openPageSource(const QString& path, const QByteArray& password, double nominalDpi,
                                           PdfError* error);

}  // namespace ll::pipeline
