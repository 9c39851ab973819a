#pragma once
// Find (Ctrl+F) across every text the analysis extracted from the document: the layout boxes' text and
// the text read in picture crops. All matches are tinted on the pages; Enter / the arrows step through
// them page by page (wrapping), selecting each box so the page view and the panes follow.
#include <QWidget>

#include "widgets/review_model.h"

class QLabel;
class QLineEdit;
class QToolButton;

namespace ll::widgets {

class FindBar : public QWidget {
  Q_OBJECT
 public:
  explicit FindBar(ReviewModel* model, QWidget* parent = nullptr);

  QLineEdit* lineEdit() const { return edit_; }
  const QList<TextMatch>& matches() const { return matches_; }
  int currentMatch() const { return current_; }
  QString statusText() const;

 public Q_SLOTS:
  void activate();  // show, focus and select the query
  void findNext();
  void findPrevious();
  void close();

 Q_SIGNALS:
  // A match became current: the window scrolls to it (cell -1: the crop has no box; go to the page).
  void matchActivated(int page, int cell);

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  void search();
  void step(int delta);
  void updateStatus();
  ReviewModel* model_;
  QLineEdit* edit_;
  QToolButton* previous_;
  QToolButton* next_;
  QToolButton* close_;
  QLabel* status_;
  QList<TextMatch> matches_;
  int current_ = -1;
};

}  // namespace ll::widgets
