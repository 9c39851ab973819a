// Painting and mouse handling of the layout boxes (see layout_overlay.h).
#include "widgets/layout_overlay.h"

#include <QPainter>
#include <QToolTip>

#include "core/pipeline/pdf_document.h"
#include "widgets/category_style.h"

namespace ll::widgets {

using ll::pipeline::PageResult;

namespace {
const QColor kMatchFill(255, 214, 0, 110);
const QColor kFailed(0xb0, 0x20, 0x20);
constexpr int kToolTipChars = 400;
}  // namespace

LayoutOverlay::LayoutOverlay(PdfPageView* view, ReviewModel* model, QObject* parent)
    : QObject(parent), view_(view), model_(model) {
  view->setOverlay(this);
  auto repaint = [this]() {
    if (view_) view_->viewport()->update();
  };
  connect(model_, &ReviewModel::modelReset, this, repaint);
  connect(model_, &ReviewModel::pageResultChanged, this, repaint);
  connect(model_, &ReviewModel::selectionChanged, this, repaint);
  connect(model_, &ReviewModel::hoveredChanged, this, repaint);
  connect(model_, &ReviewModel::categoryVisibilityChanged, this, repaint);
  connect(model_, &ReviewModel::highlightsChanged, this, repaint);
  connect(view, &PdfPageView::pagePointHovered, this, &LayoutOverlay::onHovered);
  connect(view, &PdfPageView::pagePointClicked, this, &LayoutOverlay::onClicked);
}

LayoutOverlay::~LayoutOverlay() {
  if (view_ && view_->overlay() == this) view_->setOverlay(nullptr);
}

void LayoutOverlay::paintPage(QPainter& painter, int pageIndex, const QTransform& pointsToTarget) {
  const PageResult* page = model_->page(pageIndex);
  if (!page) return;
  painter.save();
  // Crisp one-pixel edges: antialiasing would smear a box edge over two device pixels.
  painter.setRenderHint(QPainter::Antialiasing, false);
  const CellRef selected = model_->selection();
  const CellRef hovered = model_->hovered();
  for (int i = 0; i < page->cells.size(); ++i) {
    const auto& cell = page->cells.at(i);
    if (!model_->isCategoryVisible(cell.category)) continue;
    const QRectF r = pointsToTarget.mapRect(ReviewModel::cellRectPoints(*page, i));
    if (r.isEmpty()) continue;
    const CellRef ref{pageIndex, i};
    const bool isSelected = ref == selected;
    const bool isHovered = ref == hovered;
    QColor fill = CategoryStyle::color(cell.category);
    fill.setAlpha(isSelected ? 80 : isHovered ? 60 : 28);
    painter.fillRect(r, fill);
    if (model_->isHighlighted(ref)) painter.fillRect(r, kMatchFill);
    QPen pen(CategoryStyle::color(cell.category));
    pen.setCosmetic(true);
    pen.setWidthF(isSelected ? 3.0 : isHovered ? 2.0 : 1.0);
    pen.setJoinStyle(Qt::MiterJoin);
    painter.setPen(pen);
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(r);
  }
  if (page->status == PageResult::Status::Failed) {
    const QRectF pageRect = pointsToTarget.mapRect(QRectF(0, 0, 1e6, 1e6)).intersected(painter.clipBoundingRect());
    QRectF banner(pageRect.left(), pageRect.top(), pageRect.width(), 0);
    QFont f = painter.font();
    const QString text = tr("Analysis failed on this page: %1").arg(page->error);
    const QFontMetricsF fm(f);
    banner.setHeight(fm.boundingRect(banner.adjusted(8, 0, -8, 0).toRect().adjusted(0, 0, 0, 10000), Qt::TextWordWrap, text).height() + 12);
    painter.fillRect(banner, QColor(0xfb, 0xe3, 0xe1, 235));
    painter.setPen(kFailed);
    painter.drawText(banner.adjusted(8, 6, -8, -6), Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop, text);
  }
  painter.restore();
}

QString LayoutOverlay::toolTipFor(const CellRef& ref) const {
  const PageResult* page = model_->page(ref.page);
  if (!page || ref.cell < 0 || ref.cell >= page->cells.size()) return {};
  const auto& cell = page->cells.at(ref.cell);
  QString text = cell.text;
  if (cell.category == QLatin1String("Picture")) {
    const int picture = model_->pictureForCell(ref.page, ref.cell);
    if (picture >= 0) text = ReviewModel::readableOcrText(page->pictures.at(picture).ocrText);
  }
  text = text.trimmed();
  if (text.size() > kToolTipChars) text = text.left(kToolTipChars) + QStringLiteral(" …");
  const QString name = CategoryStyle::displayName(cell.category);
  return text.isEmpty() ? name : QStringLiteral("%1\n%2").arg(name, text);
}

void LayoutOverlay::onHovered(int page, const QPointF& points, const QPoint& globalPos) {
  const CellRef ref = page < 0 ? CellRef{} : model_->cellAt(page, points);
  const bool changed = ref != model_->hovered();
  model_->setHovered(ref);
  if (!changed || !view_) return;
  toolTip_ = ref.isValid() ? toolTipFor(ref) : QString();
  if (toolTip_.isEmpty()) QToolTip::hideText();
  else QToolTip::showText(globalPos, toolTip_, view_->viewport());
}

void LayoutOverlay::onClicked(int page, const QPointF& points) {
  if (page < 0) return;
  const CellRef ref = model_->cellAt(page, points);
  model_->select(ref.isValid() ? ref : CellRef{});
}

QImage LayoutOverlay::renderPageWithOverlay(int page, double dpi, QString* error) {
  const auto doc = view_ ? view_->document() : nullptr;
  if (!doc) {
    if (error) *error = tr("No document is open.");
    return {};
  }
  ll::pipeline::PdfError pdfError;
  ll::pipeline::RenderOptions options;
  options.dpi = dpi;
  ll::pipeline::RenderedPage rendered = doc->render(page, options, &pdfError);
  if (rendered.image.isNull()) {
    if (error) *error = pdfError.message;
    return {};
  }
  QImage image = rendered.image.convertToFormat(QImage::Format_RGB32);
  QPainter painter(&image);
  const double scale = rendered.effectiveDpi / 72.0;
  painter.setClipRect(image.rect());
  paintPage(painter, page, QTransform::fromScale(scale, scale));
  painter.end();
  return image;
}

}  // namespace ll::widgets
