// Lazily rendered page thumbnails for the sidebar list (see page_thumbnail_model.h).
#include "widgets/page_thumbnail_model.h"

#include <QIcon>
#include <QPainter>
#include <QPixmap>
#include <algorithm>
#include <cmath>

#include "core/pipeline/pdf_document.h"
#include "widgets/page_render_queue.h"

namespace ll::widgets {

PageThumbnailModel::PageThumbnailModel(QObject* parent)
    : QAbstractListModel(parent), queue_(new PageRenderQueue(48LL * 1024 * 1024, this)) {
  queue_->setMaxQueued(24);  // rows scrolled past quickly are forgotten
  auto changed = [this](int page) {
    const QModelIndex i = index(page);
    Q_EMIT dataChanged(i, i, {Qt::DecorationRole, Qt::ToolTipRole});
  };
  connect(queue_, &PageRenderQueue::pageReady, this, [changed](int page, int) { changed(page); });
  connect(queue_, &PageRenderQueue::pageFailed, this, [changed](int page, const QString&) { changed(page); });
}

void PageThumbnailModel::setDocument(std::shared_ptr<const ll::pipeline::PdfDocument> document) {
  beginResetModel();
  document_ = std::move(document);
  queue_->setDocument(document_);
  pageSizes_.clear();
  if (document_) {
    for (int i = 0; i < document_->pageCount(); ++i) pageSizes_.append(document_->pageSizePoints(i));
  }
  endResetModel();
}

void PageThumbnailModel::setThumbnailBox(QSize box, double devicePixelRatio) {
  if (box == box_ && devicePixelRatio == dpr_) return;
  beginResetModel();
  box_ = box;
  dpr_ = devicePixelRatio;
  endResetModel();
}

int PageThumbnailModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : pageSizes_.size(); }

QSizeF PageThumbnailModel::fittedSize(int row) const {
  const QSizeF s = pageSizes_[row];
  if (s.width() <= 0 || s.height() <= 0) return QSizeF(box_.width() * 0.7, box_.height());
  return s.scaled(QSizeF(box_), Qt::KeepAspectRatio);
}

int PageThumbnailModel::widthPxFor(int row) const {
  return std::max(1, static_cast<int>(std::lround(fittedSize(row).width() * dpr_)));
}

bool PageThumbnailModel::isRendered(int row) const {
  return row >= 0 && row < pageSizes_.size() && queue_->cache().contains({row, widthPxFor(row)});
}

QVariant PageThumbnailModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= pageSizes_.size()) return {};
  const int row = index.row();
  switch (role) {
    case Qt::DisplayRole: return QString::number(row + 1);
    case Qt::ToolTipRole: {
      const QString failure = queue_->failure(row);
      if (!failure.isEmpty()) return failure;
      const QSizeF s = pageSizes_[row];
      return tr("Page %1 — %2 × %3 mm").arg(row + 1).arg(qRound(s.width() * 25.4 / 72)).arg(qRound(s.height() * 25.4 / 72));
    }
    case Qt::TextAlignmentRole: return int(Qt::AlignHCenter | Qt::AlignTop);
    case Qt::DecorationRole: {
      // The same pixmap for the selected state: the style would otherwise tint the whole drawing
      // blue; the list shows the selection on the page number instead.
      const QPixmap pixmap = thumbnail(row);
      QIcon icon;
      icon.addPixmap(pixmap, QIcon::Normal);
      icon.addPixmap(pixmap, QIcon::Selected);
      return icon;
    }
    default: return {};
  }
}

QPixmap PageThumbnailModel::thumbnail(int row) const {
  if (row < 0 || row >= pageSizes_.size()) return {};
  // A fixed-size canvas keeps every row the same height whatever the page's aspect ratio.
  QPixmap canvas(QSize(qRound(box_.width() * dpr_), qRound(box_.height() * dpr_)));
  canvas.setDevicePixelRatio(dpr_);
  canvas.fill(Qt::transparent);
  QPainter p(&canvas);
  const QSizeF fitted = fittedSize(row);
  const QRectF r(QPointF((box_.width() - fitted.width()) / 2, (box_.height() - fitted.height()) / 2), fitted);
  p.fillRect(r, Qt::white);
  const PageImageKey key{row, widthPxFor(row)};
  QImage image = queue_->cached(key.page, key.widthPx);
  if (image.isNull()) {
    if (queue_->failure(row).isEmpty()) queue_->request(key);  // lazily: only rows the list shows ask
    image = queue_->standIn(row);
  }
  if (!image.isNull()) {
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    p.drawImage(r, image, QRectF(QPointF(0, 0), QSizeF(image.size())));
  }
  p.setPen(QColor(0x80, 0x80, 0x80));
  p.drawRect(r.adjusted(0, 0, -1.0 / dpr_, -1.0 / dpr_));
  return canvas;
}

}  // namespace ll::widgets
