#pragma once
// The overlay's legend: one row per layout category with its colour, how many boxes of it the document
// has, and a check box that shows or hides those boxes on the page.
#include <QListWidget>

namespace ll::widgets {

class ReviewModel;

class CategoryLegend : public QListWidget {
  Q_OBJECT
 public:
  explicit CategoryLegend(ReviewModel* model, QWidget* parent = nullptr);
  // The row of a category (model spelling), or nullptr.
  QListWidgetItem* itemFor(const QString& category) const;

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void refresh();
  ReviewModel* model_;
  bool updating_ = false;
};

}  // namespace ll::widgets
