#pragma once
// Every Picture crop of the document next to the text Gemma 3n read in it, in page order. Clicking a
// crop selects its box on the page (the window scrolls there); selecting a Picture box elsewhere selects
// its crop here.
#include <QListWidget>

#include "widgets/review_model.h"

namespace ll::widgets {

class CropInspector : public QListWidget {
  Q_OBJECT
 public:
  static constexpr int kRolePage = Qt::UserRole;
  static constexpr int kRolePicture = Qt::UserRole + 1;

  explicit CropInspector(ReviewModel* model, QWidget* parent = nullptr);
  // The row of a crop, -1 when it is not listed.
  int rowFor(int page, int picture) const;

 Q_SIGNALS:
  // A crop was chosen: its padded rectangle in the page's PDF points (to scroll the page view there).
  void cropActivated(int page, const QRectF& rectPoints);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void rebuild();
  void addPage(const ll::pipeline::PageResult& page);
  void followSelection(const CellRef& ref);
  QString itemText(const ll::pipeline::PageResult& page, int picture) const;
  ReviewModel* model_;
  bool syncing_ = false;
};

}  // namespace ll::widgets
