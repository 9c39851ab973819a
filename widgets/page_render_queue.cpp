// Off-thread page rendering with a newest-first, cancellable queue (see page_render_queue.h).
#include "widgets/page_render_queue.h"

#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include "core/pipeline/pdf_document.h"

namespace ll::widgets {

using ll::pipeline::PdfDocument;
using ll::pipeline::PdfError;
using ll::pipeline::RenderOptions;

PageRenderQueue::PageRenderQueue(qint64 cacheBudgetBytes, QObject* parent)
    : QObject(parent), cache_(cacheBudgetBytes) {
  pool_.setMaxThreadCount(1);
}

PageRenderQueue::~PageRenderQueue() {
  queue_.clear();
  pool_.waitForDone();  // the worker holds no pointer to us, but do not leave threads behind
}

void PageRenderQueue::setDocument(std::shared_ptr<const PdfDocument> document) {
  document_ = std::move(document);
  ++generation_;
  cache_.clear();
  queue_.clear();
  failures_.clear();
  inFlight_ = false;  // a result still in flight carries the old generation and is dropped
}

bool PageRenderQueue::skip(const PageImageKey& key) const {
  if (!document_ || key.page < 0 || key.page >= document_->pageCount() || key.widthPx <= 0) return true;
  if (failures_.contains(key.page) || cache_.contains(key)) return true;
  return inFlight_ && inFlightKey_ == key;
}

void PageRenderQueue::setWanted(const QList<PageImageKey>& keys) {
  queue_.clear();
  for (const PageImageKey& k : keys) {
    if (!skip(k) && !queue_.contains(k)) queue_.append(k);
  }
  startNext();
}

void PageRenderQueue::request(const PageImageKey& key) {
  if (skip(key)) return;
  queue_.removeOne(key);
  queue_.prepend(key);
  while (queue_.size() > maxQueued_) queue_.removeLast();
  startNext();
}

void PageRenderQueue::startNext() {
  if (inFlight_) return;
  while (!queue_.isEmpty() && skip(queue_.first())) queue_.removeFirst();
  if (queue_.isEmpty()) {
    Q_EMIT idle();
    return;
  }
  const PageImageKey key = queue_.takeFirst();
  inFlight_ = true;
  inFlightKey_ = key;
  const quint64 generation = generation_;
  const qint64 maxPixels = maxPixels_;
  std::shared_ptr<const PdfDocument> doc = document_;
  QPointer<PageRenderQueue> self(this);
  // The worker owns a reference to the document, so closing it in the GUI meanwhile is safe.
  (void)QtConcurrent::run(&pool_, [self, doc, key, generation, maxPixels]() {
    const QSizeF points = doc->pageSizePoints(key.page);
    QImage image;
    QString message;
    if (points.width() <= 0 || points.height() <= 0) {
      message = PageRenderQueue::tr("Page %1 has no area and cannot be shown.").arg(key.page + 1);
    } else {
      RenderOptions options;
      options.dpi = key.widthPx * 72.0 / points.width();
      options.maxPixels = maxPixels;
      PdfError error;
      auto rendered = doc->render(key.page, options, &error);
      if (rendered.image.isNull()) {
        message = error.message.isEmpty() ? PageRenderQueue::tr("Page %1 could not be rendered.").arg(key.page + 1) : error.message;
      } else {
        // RGB32 paints several times faster than RGB888 when the view scrolls.
        image = rendered.image.convertToFormat(QImage::Format_RGB32);
      }
    }
    QMetaObject::invokeMethod(
        self.data(),
        [self, generation, key, image, message]() {
          if (self) self->finished(generation, key, image, message);
        },
        Qt::QueuedConnection);
  });
}

void PageRenderQueue::finished(quint64 generation, const PageImageKey& key, const QImage& image, const QString& error) {
  if (generation != generation_) {
    if (!inFlight_) startNext();
    return;
  }
  inFlight_ = false;
  if (image.isNull()) {
    failures_.insert(key.page, error);
    Q_EMIT pageFailed(key.page, error);
  } else {
    cache_.insert(key, image);
    Q_EMIT pageReady(key.page, key.widthPx);
  }
  startNext();
}

}  // namespace ll::widgets
