#pragma once
// The layout boxes drawn over the page view: each box in its category's colour, the box under the mouse
// and the selected box emphasised, find matches tinted, failed pages marked with their reason. Boxes are
// painted from PDF points through the transform the view hands over, so they sit on the drawing at every
// zoom and device pixel ratio. The same painting produces the exported overlay PNG.
#include <QObject>
#include <QPoint>
#include <QPointer>

#include "widgets/pdf_page_view.h"
#include "widgets/review_model.h"

namespace ll::widgets {

class LayoutOverlay : public QObject, public PageOverlay {
  Q_OBJECT
 public:
  // Installs itself on the view; hovering shows the box's text as a tooltip, clicking selects it.
  LayoutOverlay(PdfPageView* view, ReviewModel* model, QObject* parent = nullptr);
  ~LayoutOverlay() override;

  void paintPage(QPainter& painter, int page, const QTransform& pointsToTarget) override;
  // The tooltip shown for a box: category and (shortened) text.
  QString toolTipFor(const CellRef& ref) const;
  // The last tooltip shown (tests read it; Qt's tooltip window is asynchronous).
  QString currentToolTip() const { return toolTip_; }

  // The page with its visible boxes as an image at `dpi` (rendered here; empty image and a message on
  // failure).
  QImage renderPageWithOverlay(int page, double dpi, QString* error);

 private:
  void onHovered(int page, const QPointF& points, const QPoint& globalPos);
  void onClicked(int page, const QPointF& points);

  QPointer<PdfPageView> view_;
  ReviewModel* model_;
  QString toolTip_;
};

}  // namespace ll::widgets
