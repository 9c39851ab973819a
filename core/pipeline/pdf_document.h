#pragma once
// Opening and rendering PDFs for the whole application (GUI, CLI, pipeline). It wraps Poppler-Qt6 so that
// no caller has to know Poppler's quirks: every failure becomes a PdfError with a one-line message, pages
// are rendered with a pixel budget so a huge sheet cannot exhaust memory, and rendering is serialised
// because a Poppler document is not re-entrant.
#include <QByteArray>
#include <QImage>
#include <QSizeF>
#include <QString>
#include <memory>

namespace Poppler {
class Document;
}

namespace ll::pipeline {

struct PdfError {
  enum Code {
    None,
    NotFound,
    Unreadable,
    NotAPdf,
    Damaged,
    PasswordRequired,
    WrongPassword,
    NoPages,
    PageOutOfRange,
    PageEmpty,
    TooLarge,
    RenderFailed
  };
  Code code = None;
  QString message;  // one line: what is wrong and what to do
};

struct RenderOptions {
  double dpi = 200;
  int maxLongEdgePx = 0;              // 0 = off
  qint64 maxPixels = 120'000'000;     // budget: larger renders are downscaled to fit
  int timeoutMs = 0;                  // abandon a page whose drawing takes longer (0 = no limit)
};

struct RenderedPage {
  QImage image;  // Format_RGB888
  double effectiveDpi = 0;
  bool downscaled = false;  // true when max long edge or the pixel budget lowered the DPI
  QString note;             // why it was downscaled (empty otherwise)
};

// Thread-safe: rendering is serialised internally (Poppler documents are not re-entrant).
class PdfDocument {
 public:
  // Returns nullptr and fills *error (if given) when the file cannot be used.
  static std::shared_ptr<PdfDocument> open(const QString& path, const QByteArray& password, PdfError* error);
  ~PdfDocument();
  PdfDocument(const PdfDocument&) = delete;
  PdfDocument& operator=(const PdfDocument&) = delete;

  QString path() const;
  int pageCount() const;
  bool isEncrypted() const;
  QString title() const;
  QSizeF pageSizePoints(int index) const;  // rotation applied; 0x0 pages reported as such
  int pageRotation(int index) const;       // 0, 90, 180 or 270 degrees clockwise

  RenderedPage render(int index, const RenderOptions& options, PdfError* error) const;

  // The DPI a page of this size is rendered at: options.dpi, lowered so the long edge fits
  // maxLongEdgePx (when > 0) and the page fits maxPixels. 0 for an empty page.
  static double dpiFor(QSizeF pageSizePoints, const RenderOptions& o);

  // Human name of an error code, e.g. "password required" (for logs and JSON).
  static QString codeName(PdfError::Code code);

 private:
  struct Private;
  explicit PdfDocument(std::unique_ptr<Private> d);
  std::unique_ptr<Private> d;
};

}  // namespace ll::pipeline
