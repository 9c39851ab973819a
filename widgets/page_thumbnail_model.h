#pragma once
// One row per page for the thumbnail sidebar. Thumbnails are rendered lazily, only when the list asks
// for a visible row, by the model's own PageRenderQueue (small cache, newest wish first), so opening a
// 300-page document costs nothing until the user scrolls the sidebar.
#include <QAbstractListModel>
#include <QPixmap>
#include <QSize>
#include <memory>

namespace ll::pipeline {
class PdfDocument;
}

namespace ll::widgets {

class PageRenderQueue;

class PageThumbnailModel : public QAbstractListModel {
  Q_OBJECT
 public:
  explicit PageThumbnailModel(QObject* parent = nullptr);

  void setDocument(std::shared_ptr<const ll::pipeline::PdfDocument> document);
  // The square (logical px) every thumbnail is fitted into; dpr makes them crisp on HiDPI screens.
  void setThumbnailBox(QSize box, double devicePixelRatio);
  QSize thumbnailBox() const { return box_; }

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role) const override;

  // The row's thumbnail: the rendered page fitted into the box, or its blank frame while it renders
  // (asking for it queues the render). DecorationRole wraps it in an icon.
  QPixmap thumbnail(int row) const;
  // True once the thumbnail of a row is rendered (not just its placeholder).
  bool isRendered(int row) const;
  const PageRenderQueue* renderQueue() const { return queue_; }

 private:
  int widthPxFor(int row) const;
  QSizeF fittedSize(int row) const;

  std::shared_ptr<const ll::pipeline::PdfDocument> document_;
  QVector<QSizeF> pageSizes_;
  QSize box_{120, 120};
  double dpr_ = 1.0;
  PageRenderQueue* queue_;
};

}  // namespace ll::widgets
