// The page summary pane (see summary_pane.h).
#include "widgets/summary_pane.h"

#include <QEvent>
#include <QFontDatabase>
#include <QJsonDocument>

#include "widgets/review_model.h"

namespace ll::widgets {

using ll::pipeline::PageResult;

SummaryPane::SummaryPane(ReviewModel* model, QWidget* parent) : QTextBrowser(parent), model_(model) {
  setObjectName(QStringLiteral("summaryPane"));
  connect(model_, &ReviewModel::modelReset, this, &SummaryPane::refresh);
  connect(model_, &ReviewModel::pageResultChanged, this, [this](int page) {
    if (page == page_) refresh();
  });
  refresh();
}

void SummaryPane::setPage(int page) {
  if (page == page_) return;
  page_ = page;
  refresh();
}

void SummaryPane::refresh() {
  const PageResult* result = model_->page(page_);
  document()->setDefaultFont(font());
  if (page_ < 0) {
    setPlainText(tr("No document"));
  } else if (!result) {
    setPlainText(tr("Page %1 has not been analysed.").arg(page_ + 1));
  } else if (result->status == PageResult::Status::Failed) {
    setPlainText(tr("Analysis failed on page %1: %2").arg(page_ + 1).arg(result->error));
  } else if (result->summaryStatus == QLatin1String("skipped")) {
    setPlainText(result->summaryReason.isEmpty() ? tr("No summary was written for this page: page summaries were switched off (Preferences → Page summaries) or no Gemma model was available.")
                                                 : result->summaryReason);
  } else if (result->summary.trimmed().isEmpty()) {
    setPlainText(tr("The model wrote no summary for page %1.").arg(page_ + 1));
  } else {
    QJsonParseError error;
    const QJsonDocument json = QJsonDocument::fromJson(result->summary.toUtf8(), &error);
    if (error.error == QJsonParseError::NoError && !json.isNull()) {
      document()->setDefaultFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
      setPlainText(QString::fromUtf8(json.toJson(QJsonDocument::Indented)));
    } else {
      setMarkdown(result->summary);
    }
  }
}

void SummaryPane::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) refresh();
  QTextBrowser::changeEvent(event);
}

}  // namespace ll::widgets
