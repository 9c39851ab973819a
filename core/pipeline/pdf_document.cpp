// Poppler-Qt6 behind PdfDocument: classifies every way a file can fail to open, keeps Poppler's stderr
// chatter out of the user's terminal (but remembers its first complaint for the message), and sizes every
// render against a pixel budget before any memory is allocated.
#include "core/pipeline/pdf_document.h"

#include <poppler-qt6.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QVariant>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>

namespace ll::pipeline {
namespace {

// Splash keeps a whole page in one bitmap and QPainter-based consumers misbehave past 32767 px, so no
// side may exceed this however large the budget.
constexpr double kMaxSidePx = 32767;
// Below this a drawing is unreadable for layout or OCR; refusing says more than a smudge of pixels.
constexpr double kMinUsefulDpi = 9;

// Poppler reports problems through one process-wide callback. Each thread that opens or renders installs a
// capture for the duration of the call, so messages land with the call that caused them.
struct PopplerMessages {
  QString first;
  int count = 0;
};
thread_local PopplerMessages* tlsCapture = nullptr;

void popplerMessage(const QString& message, const QVariant&) {
  if (PopplerMessages* c = tlsCapture) {
    if (c->count++ == 0) c->first = message.simplified();
  }
  static const bool echo = qEnvironmentVariableIsSet("LAYOUTLENS_POPPLER_DEBUG");
  if (echo) std::fprintf(stderr, "poppler: %s\n", qPrintable(message));
}

void installPopplerHandler() {
  static std::once_flag once;
  std::call_once(once, [] { Poppler::setDebugErrorFunction(&popplerMessage, QVariant()); });
}

class CaptureScope {
 public:
  CaptureScope() : previous_(tlsCapture) {
    installPopplerHandler();
    tlsCapture = &messages_;
  }
  ~CaptureScope() { tlsCapture = previous_; }
  CaptureScope(const CaptureScope&) = delete;
  CaptureScope& operator=(const CaptureScope&) = delete;
  // " (Poppler: ...)" or "" when Poppler said nothing.
  QString detail() const {
    if (messages_.first.isEmpty()) return QString();
    QString m = messages_.first;
    if (m.size() > 160) m = m.left(157) + QStringLiteral("...");
    return QStringLiteral(" (Poppler: %1)").arg(m);
  }

 private:
  PopplerMessages messages_;
  PopplerMessages* previous_;
};

bool setError(PdfError* error, PdfError::Code code, const QString& message) {
  if (error) {
    error->code = code;
    error->message = message;
  }
  return false;
}

QString quoted(const QString& path) { return QStringLiteral("'%1'").arg(QDir::toNativeSeparators(path)); }

// True when the first KiB holds "%PDF-": PDF readers (and Poppler) accept junk before the header.
bool hasPdfHeader(QFile& file) {
  const QByteArray head = file.read(1024);
  return head.contains("%PDF-");
}

struct RenderDeadline {
  QElapsedTimer clock;
  int timeoutMs = 0;
  bool expired = false;
};

bool renderShouldAbort(const QVariant& payload) {
  auto* deadline = static_cast<RenderDeadline*>(payload.value<void*>());
  if (deadline && !deadline->expired && deadline->clock.elapsed() > deadline->timeoutMs) deadline->expired = true;
  return deadline && deadline->expired;
}

QString formatMegapixels(qint64 pixels) { return QString::number(pixels / 1e6, 'f', 1) + QStringLiteral(" MP"); }

}  // namespace

struct PdfDocument::Private {
  QString path;
  std::unique_ptr<Poppler::Document> doc;
  int pages = 0;
  bool encrypted = false;
  QString title;
  mutable std::mutex mutex;  // Poppler::Document and its pages are not re-entrant
};

PdfDocument::PdfDocument(std::unique_ptr<Private> p) : d(std::move(p)) {}
PdfDocument::~PdfDocument() = default;

std::shared_ptr<PdfDocument> PdfDocument::open(const QString& path, const QByteArray& password, PdfError* error) {
  if (error) *error = PdfError();
  const QFileInfo info(path);
  if (path.isEmpty()) {
    setError(error, PdfError::NotFound, QStringLiteral("no PDF file given; pass the path of a PDF file"));
    return nullptr;
  }
  if (!info.exists()) {
    setError(error, PdfError::NotFound, QStringLiteral("%1 does not exist; check the path").arg(quoted(path)));
    return nullptr;
  }
  if (info.isDir()) {
    setError(error, PdfError::Unreadable, QStringLiteral("%1 is a folder, not a PDF file; pass a PDF file").arg(quoted(path)));
    return nullptr;
  }
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    setError(error, PdfError::Unreadable,
             QStringLiteral("cannot read %1: %2; check its permissions").arg(quoted(path), file.errorString()));
    return nullptr;
  }
  if (file.size() == 0) {
    setError(error, PdfError::NotAPdf, QStringLiteral("%1 is empty (0 bytes), not a PDF; pass a complete PDF file").arg(quoted(path)));
    return nullptr;
  }
  const bool header = hasPdfHeader(file);
  file.close();

  CaptureScope capture;
  std::unique_ptr<Poppler::Document> doc = Poppler::Document::load(path);
  if (!doc) {
    if (!header) {
      setError(error, PdfError::NotAPdf,
               QStringLiteral("%1 is not a PDF file (no %PDF header and Poppler cannot parse it); pass a PDF file").arg(quoted(path)));
    } else {
      setError(error, PdfError::Damaged,
               QStringLiteral("%1 is damaged and cannot be opened%2; repair it (e.g. qpdf, or print it to a new PDF) and try again")
                   .arg(quoted(path), capture.detail()));
    }
    return nullptr;
  }
  if (doc->isLocked()) {
    if (password.isEmpty()) {
      setError(error, PdfError::PasswordRequired,
               QStringLiteral("%1 is password-protected; supply its password to open it").arg(quoted(path)));
      return nullptr;
    }
    // Passwords are handed over as UTF-8 (what AES-256 files expect); older RC4/AES-128 files use
    // Latin-1 bytes, so a non-ASCII password gets a second try in that encoding.
    bool locked = doc->unlock(password, password);
    if (locked) {
      const QByteArray latin1 = QString::fromUtf8(password).toLatin1();
      if (latin1 != password) locked = doc->unlock(latin1, latin1);
    }
    if (locked || doc->isLocked()) {
      setError(error, PdfError::WrongPassword,
               QStringLiteral("the password for %1 is wrong; check it (passwords are case-sensitive)").arg(quoted(path)));
      return nullptr;
    }
  }
  const int pages = doc->numPages();
  if (pages <= 0) {
    setError(error, PdfError::NoPages,
             QStringLiteral("%1 has no readable pages (its page tree is missing or damaged)%2; repair it (e.g. qpdf) and try again")
                 .arg(quoted(path), capture.detail()));
    return nullptr;
  }
  doc->setRenderBackend(Poppler::Document::SplashBackend);
  doc->setRenderHint(Poppler::Document::Antialiasing, true);
  doc->setRenderHint(Poppler::Document::TextAntialiasing, true);
  doc->setPaperColor(Qt::white);

  auto p = std::make_unique<Private>();
  p->path = path;
  p->pages = pages;
  p->encrypted = doc->isEncrypted();
  p->title = doc->title().simplified();
  p->doc = std::move(doc);
  return std::shared_ptr<PdfDocument>(new PdfDocument(std::move(p)));
}

QString PdfDocument::path() const { return d->path; }
int PdfDocument::pageCount() const { return d->pages; }
bool PdfDocument::isEncrypted() const { return d->encrypted; }
QString PdfDocument::title() const { return d->title; }

QSizeF PdfDocument::pageSizePoints(int index) const {
  if (index < 0 || index >= d->pages) return QSizeF();
  std::lock_guard<std::mutex> lock(d->mutex);
  CaptureScope capture;
  const std::unique_ptr<Poppler::Page> page = d->doc->page(index);
  if (!page) return QSizeF(0, 0);
  const QSizeF s = page->pageSizeF();
  if (!std::isfinite(s.width()) || !std::isfinite(s.height()) || s.width() <= 0 || s.height() <= 0) return QSizeF(0, 0);
  return s;
}

int PdfDocument::pageRotation(int index) const {
  if (index < 0 || index >= d->pages) return 0;
  std::lock_guard<std::mutex> lock(d->mutex);
  CaptureScope capture;
  const std::unique_ptr<Poppler::Page> page = d->doc->page(index);
  if (!page) return 0;
  switch (page->orientation()) {
    case Poppler::Page::Landscape: return 90;
    case Poppler::Page::UpsideDown: return 180;
    case Poppler::Page::Seascape: return 270;
    case Poppler::Page::Portrait: break;
  }
  return 0;
}

double PdfDocument::dpiFor(QSizeF size, const RenderOptions& o) {
  const double w = size.width(), h = size.height();
  if (!(w > 0) || !(h > 0) || !std::isfinite(w) || !std::isfinite(h) || !(o.dpi > 0)) return 0;
  const double longPts = std::max(w, h);
  double dpi = o.dpi;
  if (o.maxLongEdgePx > 0 && longPts * dpi / 72.0 > o.maxLongEdgePx) dpi = o.maxLongEdgePx * 72.0 / longPts;
  if (o.maxPixels > 0) {
    const double pixels = (w * dpi / 72.0) * (h * dpi / 72.0);
    // Slightly under the exact root so rounding each side up cannot push the product past the budget.
    if (pixels > static_cast<double>(o.maxPixels)) dpi = 72.0 * std::sqrt(static_cast<double>(o.maxPixels) / (w * h)) * 0.999;
  }
  if (longPts * dpi / 72.0 > kMaxSidePx) dpi = kMaxSidePx * 72.0 / longPts;
  return dpi;
}

QString PdfDocument::codeName(PdfError::Code code) {
  switch (code) {
    case PdfError::None: return QStringLiteral("none");
    case PdfError::NotFound: return QStringLiteral("not found");
    case PdfError::Unreadable: return QStringLiteral("unreadable");
    case PdfError::NotAPdf: return QStringLiteral("not a PDF");
    case PdfError::Damaged: return QStringLiteral("damaged");
    case PdfError::PasswordRequired: return QStringLiteral("password required");
    case PdfError::WrongPassword: return QStringLiteral("wrong password");
    case PdfError::NoPages: return QStringLiteral("no pages");
    case PdfError::PageOutOfRange: return QStringLiteral("page out of range");
    case PdfError::PageEmpty: return QStringLiteral("empty page");
    case PdfError::TooLarge: return QStringLiteral("page too large");
    case PdfError::RenderFailed: return QStringLiteral("render failed");
  }
  return QStringLiteral("unknown");
}

RenderedPage PdfDocument::render(int index, const RenderOptions& options, PdfError* error) const {
  if (error) *error = PdfError();
  RenderedPage out;
  if (index < 0 || index >= d->pages) {
    setError(error, PdfError::PageOutOfRange,
             QStringLiteral("page %1 does not exist; %2 has %3 page(s)").arg(index + 1).arg(quoted(d->path)).arg(d->pages));
    return out;
  }
  if (!(options.dpi > 0) || !std::isfinite(options.dpi)) {
    setError(error, PdfError::RenderFailed, QStringLiteral("the DPI must be a positive number, not %1").arg(options.dpi));
    return out;
  }

  // Only Poppler calls run under the lock. QImage scaling and conversion fan out to the global thread pool,
  // whose threads may themselves be waiting here: holding the lock through them would deadlock.
  std::unique_lock<std::mutex> lock(d->mutex);
  CaptureScope capture;
  std::unique_ptr<Poppler::Page> page = d->doc->page(index);
  if (!page) {
    setError(error, PdfError::RenderFailed,
             QStringLiteral("page %1 of %2 cannot be read%3; the file is damaged there").arg(index + 1).arg(quoted(d->path), capture.detail()));
    return out;
  }
  const QSizeF pts = page->pageSizeF();
  if (!(pts.width() > 0) || !(pts.height() > 0) || !std::isfinite(pts.width()) || !std::isfinite(pts.height())) {
    setError(error, PdfError::PageEmpty,
             QStringLiteral("page %1 of %2 has no area (%3 x %4 pt, a missing or broken MediaBox); there is nothing to render")
                 .arg(index + 1)
                 .arg(quoted(d->path))
                 .arg(pts.width())
                 .arg(pts.height()));
    return out;
  }

  // The reference renders at the requested DPI and then shrinks to max_long_edge_px keeping the aspect
  // ratio. Rendering straight at the lower DPI gives the same geometry without the full-size bitmap; the
  // target size is computed the reference's way so both agree to the pixel. Sizes stay in double until
  // they are known to be bounded: a broken MediaBox can be billions of points wide.
  const double fullW = std::max(1.0, std::floor(pts.width() * options.dpi / 72.0 + 0.5));
  const double fullH = std::max(1.0, std::floor(pts.height() * options.dpi / 72.0 + 0.5));
  const double fullLong = std::max(fullW, fullH);
  double targetW = fullW, targetH = fullH;
  QStringList notes;
  if (options.maxLongEdgePx > 0 && fullLong > options.maxLongEdgePx) {
    const double s = options.maxLongEdgePx / fullLong;
    targetW = fullW >= fullH ? options.maxLongEdgePx : std::max(1.0, std::floor(fullW * s + 0.5));
    targetH = fullW >= fullH ? std::max(1.0, std::floor(fullH * s + 0.5)) : options.maxLongEdgePx;
    notes << QStringLiteral("scaled to a long edge of %1 px").arg(options.maxLongEdgePx);
  }
  double dpi = options.dpi * std::max(targetW, targetH) / fullLong;
  const bool overBudget = (options.maxPixels > 0 && targetW * targetH > static_cast<double>(options.maxPixels)) ||
                          std::max(targetW, targetH) > kMaxSidePx;
  if (overBudget) {
    const double wanted = dpi;
    dpi = dpiFor(pts, options);
    if (dpi < kMinUsefulDpi) {
      setError(error, PdfError::TooLarge,
               QStringLiteral("page %1 of %2 is %3 x %4 pt, too large to render within %5 (that would mean %6 dpi); split the sheet or raise the pixel budget")
                   .arg(index + 1)
                   .arg(quoted(d->path))
                   .arg(pts.width(), 0, 'f', 0)
                   .arg(pts.height(), 0, 'f', 0)
                   .arg(formatMegapixels(options.maxPixels))
                   .arg(dpi, 0, 'f', 2));
      return out;
    }
    targetW = std::max(1.0, std::floor(pts.width() * dpi / 72.0 + 0.5));
    targetH = std::max(1.0, std::floor(pts.height() * dpi / 72.0 + 0.5));
    const bool sideLimited = std::max(targetW, targetH) >= kMaxSidePx - 1;
    notes << QStringLiteral("rendered at %1 dpi instead of %2 to stay within %3")
                 .arg(dpi, 0, 'f', 1)
                 .arg(wanted, 0, 'f', 1)
                 .arg(sideLimited ? QStringLiteral("%1 px per side").arg(kMaxSidePx) : formatMegapixels(options.maxPixels));
  }
  const QSize target(static_cast<int>(targetW), static_cast<int>(targetH));

  // Poppler polls the abort callback between drawing operators, so a pathological content stream can
  // be abandoned without killing the thread.
  RenderDeadline deadline;
  deadline.timeoutMs = options.timeoutMs;
  deadline.clock.start();
  QImage image = options.timeoutMs > 0
                     ? page->renderToImage(dpi, dpi, -1, -1, -1, -1, Poppler::Page::Rotate0, nullptr, nullptr, &renderShouldAbort,
                                           QVariant::fromValue(static_cast<void*>(&deadline)))
                     : page->renderToImage(dpi, dpi);
  const QString popplerDetail = capture.detail();
  page.reset();
  lock.unlock();
  if (deadline.expired) {
    setError(error, PdfError::RenderFailed,
             QStringLiteral("page %1 of %2 took longer than %3 s to draw and was abandoned; render it at a lower DPI or raise the time limit")
                 .arg(index + 1)
                 .arg(quoted(d->path))
                 .arg(options.timeoutMs / 1000.0));
    return out;
  }
  if (image.isNull()) {
    setError(error, PdfError::RenderFailed,
             QStringLiteral("Poppler could not render page %1 of %2%3 (out of memory or damaged content)")
                 .arg(index + 1)
                 .arg(quoted(d->path), popplerDetail));
    return out;
  }
  if (image.size() != target) {
    // Poppler rounds each side on its own; a pixel of difference is resampled away so sizes are exact.
    image = image.scaled(target, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  }
  image.convertTo(QImage::Format_RGB888);
  if (image.isNull() || image.format() != QImage::Format_RGB888) {
    setError(error, PdfError::RenderFailed,
             QStringLiteral("out of memory converting page %1 of %2 (%3 x %4 px); lower the DPI").arg(index + 1).arg(quoted(d->path)).arg(target.width()).arg(target.height()));
    return out;
  }
  out.image = std::move(image);
  out.effectiveDpi = options.dpi * std::max(out.image.width(), out.image.height()) / fullLong;
  out.downscaled = !notes.isEmpty();
  out.note = notes.join(QStringLiteral("; "));
  return out;
}

}  // namespace ll::pipeline
