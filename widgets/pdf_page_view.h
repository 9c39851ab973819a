#pragma once
// The page view: every page of a PDF stacked vertically, scrolled continuously, zoomed and panned.
// Geometry is kept in PDF points (1/72 in) and mapped to the screen only when painting, so later
// overlays (layout boxes, crops) stay exact at every zoom and device pixel ratio. Pages are rendered
// at zoom x devicePixelRatio by a PageRenderQueue off the GUI thread; until a page arrives the view
// shows its frame (or a stretched older rendering), so scrolling never waits.
#include <QAbstractScrollArea>
#include <QPointF>
#include <QRectF>
#include <QTimer>
#include <QTransform>
#include <QVector>
#include <memory>

#include "widgets/page_render_queue.h"

class QPainter;

namespace ll::pipeline {
class PdfDocument;
}

namespace ll::widgets {

// Something drawn over the pages (the layout boxes). The view calls it for every visible page with the
// page clipped and a transform from PDF points to the painter's logical coordinates, so whatever it
// draws in points stays on the drawing at every zoom and device pixel ratio.
class PageOverlay {
 public:
  virtual ~PageOverlay() = default;
  virtual void paintPage(QPainter& painter, int page, const QTransform& pointsToTarget) = 0;
};

class PdfPageView : public QAbstractScrollArea {
  Q_OBJECT
 public:
  enum class FitMode { None, Width, Page };

  explicit PdfPageView(QWidget* parent = nullptr);
  ~PdfPageView() override;

  void setDocument(std::shared_ptr<const ll::pipeline::PdfDocument> document);
  std::shared_ptr<const ll::pipeline::PdfDocument> document() const { return document_; }
  int pageCount() const { return pageSizes_.size(); }

  int currentPage() const { return currentPage_; }
  // 1.0 = 100 %: one PDF point is 96/72 logical pixels, the size the page has on paper.
  double zoom() const { return zoom_; }
  FitMode fitMode() const { return fitMode_; }
  static constexpr double kMinZoom = 0.05;
  static constexpr double kMaxZoom = 16.0;

  // The DPI (in device pixels) at which the current page is shown now; 0 before it has rendered.
  double renderDpi() const;
  // The device-pixel size of the rendering drawn for a page now (null size if only the frame shows).
  QSize displayedImageSize(int page) const;
  // True when nothing is rendering or waiting (tests and screenshots wait for this).
  bool isRenderIdle() const { return queue_->isIdle() && !requestTimer_.isActive(); }

  // Mapping between PDF points of a page and viewport (logical pixel) coordinates.
  QTransform pageToViewport(int page) const;
  // The page under a viewport position and the position on it in points; page -1 if between pages.
  int pageAt(const QPointF& viewportPos, QPointF* pointsOut = nullptr) const;
  // The page's rectangle in viewport coordinates.
  QRectF pageRectInViewport(int page) const;

  // Not owned; nullptr removes it. The overlay must outlive the view or be removed first.
  void setOverlay(PageOverlay* overlay);
  PageOverlay* overlay() const { return overlay_; }
  // Scrolls (as little as needed, centring when it must move) so that a rectangle given in the page's
  // PDF points is in view; the current page follows.
  void ensurePageRectVisible(int page, const QRectF& rectPoints);

 public Q_SLOTS:
  void setCurrentPage(int page);
  void nextPage() { setCurrentPage(currentPage_ + 1); }
  void previousPage() { setCurrentPage(currentPage_ - 1); }
  void firstPage() { setCurrentPage(0); }
  void lastPage() { setCurrentPage(pageCount() - 1); }
  void setZoom(double zoom);
  void zoomIn();
  void zoomOut();
  void actualSize() { setZoom(1.0); }
  void fitWidth();
  void fitPage();

 Q_SIGNALS:
  void currentPageChanged(int page);
  void zoomChanged(double zoom);
  void renderDpiChanged(double dpi);
  void pageRenderFailed(int page, const QString& message);
  // The mouse over a page (page -1: over no page, or it left the view); the point is in PDF points.
  void pagePointHovered(int page, const QPointF& points, const QPoint& globalPos);
  // A click that did not pan (the mouse moved less than the drag distance while pressed).
  void pagePointClicked(int page, const QPointF& points);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void scrollContentsBy(int dx, int dy) override;
  void keyPressEvent(QKeyEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void changeEvent(QEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  double pixelsPerPoint() const;  // logical pixels per PDF point at the current zoom
  int deviceWidthFor(int page) const;
  void relayout();
  void applyZoom(double zoom, FitMode mode, const QPointF& anchorViewport);
  void applyFit();
  void updateScrollBars();
  void scheduleRequests();
  void sendRequests();
  void updateCurrentPageFromScroll();
  void setCurrentPageInternal(int page);
  void emitRenderDpiIfChanged();
  QRectF pageRectInContent(int page) const;
  QPair<int, int> visiblePageRange() const;

  std::shared_ptr<const ll::pipeline::PdfDocument> document_;
  QVector<QSizeF> pageSizes_;   // points, rotation applied
  QVector<double> pageTops_;    // logical pixels in content coordinates
  double contentWidth_ = 0;
  double contentHeight_ = 0;
  double zoom_ = 1.0;
  FitMode fitMode_ = FitMode::Width;
  int currentPage_ = -1;
  double lastRenderDpi_ = -1;
  bool programmaticScroll_ = false;
  bool panning_ = false;
  QPoint panLast_;
  QPoint pressPos_;
  bool pressMoved_ = false;
  PageOverlay* overlay_ = nullptr;
  PageRenderQueue* queue_;
  QTimer requestTimer_;  // coalesces a burst of zoom steps into one render request
};

}  // namespace ll::widgets
