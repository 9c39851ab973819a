#pragma once
// Renders PDF pages off the GUI thread and keeps the results in a bounded cache. Only one render per
// queue runs at a time (Poppler serialises a document anyway), the newest wishes run first and wishes
// the user has scrolled or zoomed past are dropped before they start, so fast scrolling through a
// 300-page datasheet never builds a backlog and the GUI thread never waits for Poppler.
#include <QHash>
#include <QImage>
#include <QList>
#include <QObject>
#include <QThreadPool>
#include <memory>

#include "widgets/page_image_cache.h"

namespace ll::pipeline {
class PdfDocument;
}

namespace ll::widgets {

class PageRenderQueue : public QObject {
  Q_OBJECT
 public:
  explicit PageRenderQueue(qint64 cacheBudgetBytes, QObject* parent = nullptr);
  ~PageRenderQueue() override;

  // Switching documents drops the cache, the queue and any result still in flight.
  void setDocument(std::shared_ptr<const ll::pipeline::PdfDocument> document);
  // Pixel budget per rendered image: a huge sheet at high zoom is rendered at a lower DPI instead.
  void setMaxPixelsPerImage(qint64 pixels) { maxPixels_ = pixels; }
  // Upper bound on remembered single wishes (request()); older ones are forgotten first.
  void setMaxQueued(int n) { maxQueued_ = n; }

  // The cached image of exactly this size (null if not rendered yet).
  QImage cached(int page, int widthPx) { return cache_.find({page, widthPx}); }
  // Any cached rendering of the page (the widest), to stretch while the right size renders.
  QImage standIn(int page) const { return cache_.bestForPage(page); }
  // Why a page could not be rendered (empty if it could, or has not been tried).
  QString failure(int page) const { return failures_.value(page); }

  // Replaces every waiting wish by these, in priority order (first runs first). Cached, failed and
  // in-flight keys are skipped. This is how stale requests are cancelled.
  void setWanted(const QList<PageImageKey>& keys);
  // Adds one wish ahead of the others (thumbnails ask one by one as they become visible).
  void request(const PageImageKey& key);

  bool isIdle() const { return !inFlight_ && queue_.isEmpty(); }
  int queuedCount() const { return static_cast<int>(queue_.size()); }
  const PageImageCache& cache() const { return cache_; }

 Q_SIGNALS:
  void pageReady(int page, int widthPx);
  void pageFailed(int page, const QString& message);
  void idle();

 private:
  bool skip(const PageImageKey& key) const;
  void startNext();
  void finished(quint64 generation, const PageImageKey& key, const QImage& image, const QString& error);

  std::shared_ptr<const ll::pipeline::PdfDocument> document_;
  quint64 generation_ = 0;  // bumped per document: results of a closed document are ignored
  PageImageCache cache_;
  QList<PageImageKey> queue_;
  bool inFlight_ = false;
  PageImageKey inFlightKey_;
  QHash<int, QString> failures_;
  qint64 maxPixels_ = 48'000'000;
  int maxQueued_ = 64;
  QThreadPool pool_;
};

}  // namespace ll::widgets
