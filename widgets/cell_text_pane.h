#pragma once
// The text beside the page: the layout boxes of the current page in reading order (the model's order)
// and, below, the selected box's text as the model wrote it: tables as tables (HTML), formulas as
// LaTeX source, everything else as rendered Markdown, pictures with the OCR text of their crop.
// Choosing a row selects the box on the page and the other way round.
#include <QWidget>

#include "widgets/review_model.h"

class QLabel;
class QListWidget;
class QTextBrowser;

namespace ll::widgets {

class CellTextPane : public QWidget {
  Q_OBJECT
 public:
  explicit CellTextPane(ReviewModel* model, QWidget* parent = nullptr);

  int page() const { return page_; }
  QListWidget* cellList() const { return list_; }
  QTextBrowser* textView() const { return text_; }

 public Q_SLOTS:
  // The page whose boxes are listed (the window's current page).
  void setPage(int page);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void rebuild();
  void showSelection();
  ReviewModel* model_;
  QLabel* header_;
  QListWidget* list_;
  QTextBrowser* text_;
  int page_ = -1;
  bool syncing_ = false;
};

}  // namespace ll::widgets
