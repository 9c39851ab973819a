// Continuous page view: layout in PDF points, painting, zoom/fit, pan and keyboard navigation.
#include "widgets/pdf_page_view.h"

#include <QApplication>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "core/pipeline/pdf_document.h"

namespace ll::widgets {

namespace {
constexpr double kMargin = 16;        // logical px around the stack of pages
constexpr double kGap = 12;           // logical px between pages
constexpr double kPointsToPixels = 96.0 / 72.0;
constexpr double kZoomStep = 1.25;
constexpr qint64 kCacheBytes = 256LL * 1024 * 1024;
const QColor kBackground(0x50, 0x55, 0x5c);
}  // namespace

PdfPageView::PdfPageView(QWidget* parent) : QAbstractScrollArea(parent), queue_(new PageRenderQueue(kCacheBytes, this)) {
  setObjectName(QStringLiteral("pageView"));
  setFocusPolicy(Qt::StrongFocus);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);  // fit-width must not flip the bar on and off
  setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
  viewport()->setCursor(Qt::OpenHandCursor);
  viewport()->setMouseTracking(true);  // hovering a layout box highlights it
  verticalScrollBar()->setSingleStep(40);
  horizontalScrollBar()->setSingleStep(40);
  requestTimer_.setSingleShot(true);
  requestTimer_.setInterval(30);
  connect(&requestTimer_, &QTimer::timeout, this, &PdfPageView::sendRequests);
  connect(queue_, &PageRenderQueue::pageReady, this, [this](int page, int) {
    const auto range = visiblePageRange();
    if (page >= range.first && page <= range.second) viewport()->update();
    if (page == currentPage_) emitRenderDpiIfChanged();
  });
  connect(queue_, &PageRenderQueue::pageFailed, this, [this](int page, const QString& message) {
    viewport()->update();
    Q_EMIT pageRenderFailed(page, message);
  });
}

PdfPageView::~PdfPageView() = default;

void PdfPageView::setDocument(std::shared_ptr<const ll::pipeline::PdfDocument> document) {
  document_ = std::move(document);
  queue_->setDocument(document_);
  pageSizes_.clear();
  if (document_) {
    for (int i = 0; i < document_->pageCount(); ++i) pageSizes_.append(document_->pageSizePoints(i));
  }
  currentPage_ = -1;
  lastRenderDpi_ = -1;
  fitMode_ = fitMode_ == FitMode::None ? FitMode::Width : fitMode_;
  relayout();
  applyFit();
  setCurrentPageInternal(pageSizes_.isEmpty() ? -1 : 0);
  programmaticScroll_ = true;
  verticalScrollBar()->setValue(0);
  horizontalScrollBar()->setValue(0);
  programmaticScroll_ = false;
  viewport()->update();
  scheduleRequests();
  emitRenderDpiIfChanged();
}

double PdfPageView::pixelsPerPoint() const { return zoom_ * kPointsToPixels; }

int PdfPageView::deviceWidthFor(int page) const {
  return std::max(1, static_cast<int>(std::lround(pageSizes_[page].width() * pixelsPerPoint() * devicePixelRatioF())));
}

void PdfPageView::relayout() {
  const double ppp = pixelsPerPoint();
  pageTops_.resize(pageSizes_.size());
  double y = kMargin;
  double maxWidth = 0;
  for (int i = 0; i < pageSizes_.size(); ++i) {
    pageTops_[i] = y;
    y += pageSizes_[i].height() * ppp + kGap;
    maxWidth = std::max(maxWidth, pageSizes_[i].width() * ppp);
  }
  contentHeight_ = pageSizes_.isEmpty() ? 0 : y - kGap + kMargin;
  contentWidth_ = pageSizes_.isEmpty() ? 0 : maxWidth + 2 * kMargin;
  updateScrollBars();
}

void PdfPageView::updateScrollBars() {
  const QSize vp = viewport()->size();
  verticalScrollBar()->setRange(0, std::max(0, static_cast<int>(std::ceil(contentHeight_)) - vp.height()));
  verticalScrollBar()->setPageStep(vp.height());
  horizontalScrollBar()->setRange(0, std::max(0, static_cast<int>(std::ceil(contentWidth_)) - vp.width()));
  horizontalScrollBar()->setPageStep(vp.width());
}

QRectF PdfPageView::pageRectInContent(int page) const {
  const double ppp = pixelsPerPoint();
  const double w = pageSizes_[page].width() * ppp;
  const double h = pageSizes_[page].height() * ppp;
  const double width = std::max(contentWidth_, static_cast<double>(viewport()->width()));
  return QRectF((width - w) / 2, pageTops_[page], w, h);
}

QRectF PdfPageView::pageRectInViewport(int page) const {
  if (page < 0 || page >= pageSizes_.size()) return {};
  return pageRectInContent(page).translated(-horizontalScrollBar()->value(), -verticalScrollBar()->value());
}

void PdfPageView::setOverlay(PageOverlay* overlay) {
  overlay_ = overlay;
  viewport()->update();
}

void PdfPageView::ensurePageRectVisible(int page, const QRectF& rectPoints) {
  if (page < 0 || page >= pageSizes_.size()) return;
  const QRectF target = pageToViewport(page).mapRect(rectPoints);
  const QRectF vp(QPointF(0, 0), QSizeF(viewport()->size()));
  auto shift = [](double lo, double hi, double viewLo, double viewHi) -> double {
    if (lo >= viewLo && hi <= viewHi) return 0;
    if (hi - lo > viewHi - viewLo) return lo - viewLo - 8;  // larger than the view: show its start
    return (lo + hi) / 2 - (viewLo + viewHi) / 2;
  };
  const double dx = shift(target.left(), target.right(), vp.left(), vp.right());
  const double dy = shift(target.top(), target.bottom(), vp.top(), vp.bottom());
  horizontalScrollBar()->setValue(horizontalScrollBar()->value() + static_cast<int>(std::lround(dx)));
  verticalScrollBar()->setValue(verticalScrollBar()->value() + static_cast<int>(std::lround(dy)));
  viewport()->update();
}

QTransform PdfPageView::pageToViewport(int page) const {
  const QRectF r = pageRectInViewport(page);
  const double ppp = pixelsPerPoint();
  return QTransform(ppp, 0, 0, ppp, r.left(), r.top());
}

int PdfPageView::pageAt(const QPointF& viewportPos, QPointF* pointsOut) const {
  for (int i = 0; i < pageSizes_.size(); ++i) {
    const QRectF r = pageRectInViewport(i);
    if (r.contains(viewportPos)) {
      if (pointsOut) *pointsOut = (viewportPos - r.topLeft()) / pixelsPerPoint();
      return i;
    }
  }
  return -1;
}

QPair<int, int> PdfPageView::visiblePageRange() const {
  if (pageSizes_.isEmpty()) return {0, -1};
  const double top = verticalScrollBar()->value();
  const double bottom = top + viewport()->height();
  const double ppp = pixelsPerPoint();
  // pageTops_ is sorted: binary search for the first page whose bottom is below the viewport top.
  auto it = std::upper_bound(pageTops_.begin(), pageTops_.end(), top);
  int first = std::max(0, static_cast<int>(it - pageTops_.begin()) - 1);
  if (pageTops_[first] + pageSizes_[first].height() * ppp < top && first + 1 < pageSizes_.size()) ++first;
  int last = first;
  while (last + 1 < pageSizes_.size() && pageTops_[last + 1] < bottom) ++last;
  return {first, last};
}

void PdfPageView::setCurrentPage(int page) {
  if (pageSizes_.isEmpty()) return;
  page = std::clamp(page, 0, static_cast<int>(pageSizes_.size()) - 1);
  programmaticScroll_ = true;
  verticalScrollBar()->setValue(static_cast<int>(std::lround(pageTops_[page] - kMargin)));
  programmaticScroll_ = false;
  if (fitMode_ == FitMode::Page && page != currentPage_) {
    setCurrentPageInternal(page);
    applyFit();  // pages of one PDF differ in size: fit the one now shown
    programmaticScroll_ = true;
    verticalScrollBar()->setValue(static_cast<int>(std::lround(pageTops_[page] - kMargin)));
    programmaticScroll_ = false;
  }
  setCurrentPageInternal(page);
  scheduleRequests();
}

void PdfPageView::setCurrentPageInternal(int page) {
  if (page == currentPage_) return;
  currentPage_ = page;
  Q_EMIT currentPageChanged(page);
  emitRenderDpiIfChanged();
}

void PdfPageView::updateCurrentPageFromScroll() {
  if (pageSizes_.isEmpty()) return;
  const QScrollBar* bar = verticalScrollBar();
  int page;
  if (bar->value() <= 0) {
    page = 0;
  } else if (bar->value() >= bar->maximum()) {
    page = pageSizes_.size() - 1;
  } else {
    const double centre = bar->value() + viewport()->height() / 2.0;
    auto it = std::upper_bound(pageTops_.begin(), pageTops_.end(), centre);
    page = std::max(0, static_cast<int>(it - pageTops_.begin()) - 1);
  }
  setCurrentPageInternal(page);
}

void PdfPageView::setZoom(double zoom) {
  applyZoom(zoom, FitMode::None, QPointF(viewport()->width() / 2.0, viewport()->height() / 2.0));
}

void PdfPageView::zoomIn() { setZoom(zoom_ * kZoomStep); }
void PdfPageView::zoomOut() { setZoom(zoom_ / kZoomStep); }

void PdfPageView::fitWidth() {
  fitMode_ = FitMode::Width;
  applyFit();
}

void PdfPageView::fitPage() {
  fitMode_ = FitMode::Page;
  applyFit();
}

void PdfPageView::applyFit() {
  if (pageSizes_.isEmpty() || fitMode_ == FitMode::None) return;
  const double availW = std::max(32.0, viewport()->width() - 2 * kMargin);
  const double availH = std::max(32.0, viewport()->height() - 2 * kMargin);
  double ppp;
  if (fitMode_ == FitMode::Width) {
    double widest = 0;
    for (const QSizeF& s : pageSizes_) widest = std::max(widest, s.width());
    ppp = widest > 0 ? availW / widest : 1.0;
  } else {
    const QSizeF s = pageSizes_[std::max(0, currentPage_)];
    ppp = (s.width() > 0 && s.height() > 0) ? std::min(availW / s.width(), availH / s.height()) : 1.0;
  }
  const int keep = std::max(0, currentPage_);
  applyZoom(ppp / kPointsToPixels, fitMode_, QPointF());
  if (fitMode_ == FitMode::Page) {
    programmaticScroll_ = true;
    verticalScrollBar()->setValue(static_cast<int>(std::lround(pageTops_[keep] - kMargin)));
    programmaticScroll_ = false;
  }
}

void PdfPageView::applyZoom(double zoom, FitMode mode, const QPointF& anchorViewport) {
  zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
  fitMode_ = mode;
  if (pageSizes_.isEmpty()) {
    if (zoom != zoom_) {
      zoom_ = zoom;
      Q_EMIT zoomChanged(zoom_);
    }
    return;
  }
  // Keep the document point under the anchor where it is (the page top when fitting).
  QPointF anchor = anchorViewport;
  QPointF anchorPoints;
  int anchorPage = anchor.isNull() ? -1 : pageAt(anchor, &anchorPoints);
  if (anchorPage < 0) {
    anchorPage = std::max(0, currentPage_);
    const QRectF r = pageRectInViewport(anchorPage);
    anchorPoints = QPointF(pageSizes_[anchorPage].width() / 2, std::max(0.0, -r.top()) / pixelsPerPoint());
    anchor = QPointF(viewport()->width() / 2.0, std::max(0.0, r.top()));
  }
  const bool changed = zoom != zoom_;
  zoom_ = zoom;
  relayout();
  const QPointF now = pageToViewport(anchorPage).map(anchorPoints);
  programmaticScroll_ = true;
  horizontalScrollBar()->setValue(horizontalScrollBar()->value() + static_cast<int>(std::lround(now.x() - anchor.x())));
  verticalScrollBar()->setValue(verticalScrollBar()->value() + static_cast<int>(std::lround(now.y() - anchor.y())));
  programmaticScroll_ = false;
  viewport()->update();
  if (changed) Q_EMIT zoomChanged(zoom_);
  scheduleRequests();
  emitRenderDpiIfChanged();
}

double PdfPageView::renderDpi() const {
  if (currentPage_ < 0) return 0;
  const QSize size = displayedImageSize(currentPage_);
  const double widthPts = pageSizes_[currentPage_].width();
  return size.isEmpty() || widthPts <= 0 ? 0 : size.width() * 72.0 / widthPts;
}

QSize PdfPageView::displayedImageSize(int page) const {
  if (page < 0 || page >= pageSizes_.size()) return {};
  QImage image = queue_->cached(page, deviceWidthFor(page));
  if (image.isNull()) image = queue_->standIn(page);
  return image.size();
}

void PdfPageView::emitRenderDpiIfChanged() {
  const double dpi = renderDpi();
  if (std::abs(dpi - lastRenderDpi_) > 1e-6) {
    lastRenderDpi_ = dpi;
    Q_EMIT renderDpiChanged(dpi);
  }
}

void PdfPageView::scheduleRequests() { requestTimer_.start(); }

void PdfPageView::sendRequests() {
  if (pageSizes_.isEmpty()) return;
  const auto range = visiblePageRange();
  QList<PageImageKey> keys;
  auto add = [&](int p) {
    if (p >= 0 && p < pageSizes_.size()) keys.append({p, deviceWidthFor(p)});
  };
  if (currentPage_ >= range.first && currentPage_ <= range.second) add(currentPage_);
  for (int p = range.first; p <= range.second; ++p) add(p);
  add(range.second + 1);  // the next page is usually where the reader goes
  add(range.first - 1);
  queue_->setWanted(keys);
}

void PdfPageView::paintEvent(QPaintEvent* event) {
  QPainter p(viewport());
  p.fillRect(event->rect(), kBackground);
  if (pageSizes_.isEmpty()) return;
  p.setRenderHint(QPainter::SmoothPixmapTransform);
  const double dpr = devicePixelRatioF();
  const auto range = visiblePageRange();
  bool missing = false;
  for (int i = range.first; i <= range.second; ++i) {
    const QRectF r = pageRectInViewport(i);
    if (!r.intersects(event->rect())) continue;
    p.fillRect(r.translated(3, 3), QColor(0, 0, 0, 70));  // drop shadow
    p.fillRect(r, Qt::white);
    QImage image = queue_->cached(i, deviceWidthFor(i));
    if (image.isNull()) {
      missing = true;
      image = queue_->standIn(i);
    }
    if (!image.isNull()) {
      // The image's own DPR makes one image pixel one device pixel at the exact size: crisp on HiDPI.
      image.setDevicePixelRatio(dpr);
      p.drawImage(r, image, QRectF(QPointF(0, 0), QSizeF(image.size())));
    } else {
      const QString failure = queue_->failure(i);
      p.setPen(failure.isEmpty() ? QColor(0x88, 0x88, 0x88) : QColor(0xb0, 0x20, 0x20));
      const QString text = failure.isEmpty() ? tr("Rendering page %1…").arg(i + 1) : failure;
      p.drawText(r.adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap, text);
    }
    if (overlay_) {
      p.save();
      p.setClipRect(r);
      overlay_->paintPage(p, i, pageToViewport(i));
      p.restore();
    }
    p.setPen(QColor(0x30, 0x30, 0x30));
    p.drawRect(r.adjusted(-0.5, -0.5, 0.5, 0.5));
  }
  if (missing && !requestTimer_.isActive()) scheduleRequests();
}

void PdfPageView::resizeEvent(QResizeEvent* event) {
  QAbstractScrollArea::resizeEvent(event);
  updateScrollBars();
  if (fitMode_ != FitMode::None) applyFit();
  scheduleRequests();
}

void PdfPageView::scrollContentsBy(int, int) {
  viewport()->update();
  if (!programmaticScroll_) updateCurrentPageFromScroll();
  scheduleRequests();
}

void PdfPageView::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
    case Qt::Key_PageDown: nextPage(); return;
    case Qt::Key_PageUp: previousPage(); return;
    case Qt::Key_Home: firstPage(); return;
    case Qt::Key_End: lastPage(); return;
    case Qt::Key_Space:  // space+drag pans as in drawing tools; any drag pans here, so just keep the key
      return;
    default: break;
  }
  QAbstractScrollArea::keyPressEvent(event);
}

void PdfPageView::wheelEvent(QWheelEvent* event) {
  if (event->modifiers() & Qt::ControlModifier) {
    const int delta = event->angleDelta().y();
    if (delta != 0) applyZoom(zoom_ * std::pow(kZoomStep, delta / 120.0), FitMode::None, event->position());
    event->accept();
    return;
  }
  QAbstractScrollArea::wheelEvent(event);
}

void PdfPageView::mousePressEvent(QMouseEvent* event) {
  // Left drag pans, a left click without a drag selects (pagePointClicked); middle drag always pans.
  if (event->button() == Qt::LeftButton || event->button() == Qt::MiddleButton) {
    panning_ = true;
    panLast_ = event->position().toPoint();
    pressPos_ = panLast_;
    pressMoved_ = false;
    viewport()->setCursor(Qt::ClosedHandCursor);
    event->accept();
    return;
  }
  QAbstractScrollArea::mousePressEvent(event);
}

void PdfPageView::mouseMoveEvent(QMouseEvent* event) {
  if (panning_) {
    const QPoint pos = event->position().toPoint();
    const QPoint delta = pos - panLast_;
    panLast_ = pos;
    if ((pos - pressPos_).manhattanLength() >= QApplication::startDragDistance()) pressMoved_ = true;
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta.x());
    verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
    event->accept();
    return;
  }
  QPointF points;
  const int page = pageAt(event->position(), &points);
  Q_EMIT pagePointHovered(page, points, event->globalPosition().toPoint());
  QAbstractScrollArea::mouseMoveEvent(event);
}

void PdfPageView::mouseReleaseEvent(QMouseEvent* event) {
  if (panning_ && (event->button() == Qt::LeftButton || event->button() == Qt::MiddleButton)) {
    panning_ = false;
    viewport()->setCursor(Qt::OpenHandCursor);
    if (event->button() == Qt::LeftButton && !pressMoved_) {
      QPointF points;
      const int page = pageAt(event->position(), &points);
      Q_EMIT pagePointClicked(page, points);
    }
    event->accept();
    return;
  }
  QAbstractScrollArea::mouseReleaseEvent(event);
}

void PdfPageView::leaveEvent(QEvent* event) {
  Q_EMIT pagePointHovered(-1, QPointF(), QPoint());
  QAbstractScrollArea::leaveEvent(event);
}

void PdfPageView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) viewport()->update();
  QAbstractScrollArea::changeEvent(event);
}

}  // namespace ll::widgets
