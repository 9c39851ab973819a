#pragma once
// The current page's summary written by Gemma 3n (Markdown rendered; a JSON answer pretty-printed),
// or why there is none: not analysed yet, summaries switched off, or the page failed.
#include <QTextBrowser>

namespace ll::widgets {

class ReviewModel;

class SummaryPane : public QTextBrowser {
  Q_OBJECT
 public:
  explicit SummaryPane(ReviewModel* model, QWidget* parent = nullptr);
  int page() const { return page_; }

 public Q_SLOTS:
  void setPage(int page);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void refresh();
  ReviewModel* model_;
  int page_ = -1;
};

}  // namespace ll::widgets
