// The page's boxes and the selected box's text (see cell_text_pane.h).
#include "widgets/cell_text_pane.h"

#include <QEvent>
#include <QFontDatabase>
#include <QLabel>
#include <QListWidget>
#include <QRegularExpression>
#include <QSplitter>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTextDocumentFragment>
#include <QVBoxLayout>

#include "widgets/category_style.h"

namespace ll::widgets {

using ll::pipeline::PageResult;

namespace {
constexpr int kRowChars = 80;

// dots.ocr writes bare <table> markup; give it visible cell borders (QTextDocument honours the attributes).
QString tableHtml(QString html) {
  static const QRegularExpression tableTag(QStringLiteral("<table(?![^>]*border)"), QRegularExpression::CaseInsensitiveOption);
  html.replace(tableTag, QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\""));
  return html;
}

QString firstLine(const QString& text) {
  QString line = text.simplified();
  if (line.size() > kRowChars) line = line.left(kRowChars) + QStringLiteral("…");
  return line;
}
}  // namespace

CellTextPane::CellTextPane(ReviewModel* model, QWidget* parent)
    : QWidget(parent), model_(model), header_(new QLabel(this)), list_(new QListWidget(this)), text_(new QTextBrowser(this)) {
  setObjectName(QStringLiteral("cellTextPane"));
  list_->setObjectName(QStringLiteral("cellList"));
  text_->setObjectName(QStringLiteral("cellText"));
  text_->setOpenExternalLinks(false);
  header_->setWordWrap(true);
  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(list_);
  splitter->addWidget(text_);
  splitter->setStretchFactor(0, 1);
  splitter->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(header_);
  layout->addWidget(splitter, 1);

  connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
    if (syncing_ || row < 0) return;
    model_->select({page_, list_->item(row)->data(Qt::UserRole).toInt()});
  });
  connect(model_, &ReviewModel::modelReset, this, &CellTextPane::rebuild);
  connect(model_, &ReviewModel::categoryVisibilityChanged, this, &CellTextPane::rebuild);
  connect(model_, &ReviewModel::pageResultChanged, this, [this](int page) {
    if (page == page_) rebuild();
  });
  connect(model_, &ReviewModel::selectionChanged, this, [this](const CellRef& ref) {
    if (ref.page >= 0 && ref.page != page_) setPage(ref.page);
    else showSelection();
  });
  rebuild();
}

void CellTextPane::setPage(int page) {
  if (page == page_) return;
  page_ = page;
  rebuild();
}

void CellTextPane::rebuild() {
  syncing_ = true;
  list_->clear();
  const PageResult* result = model_->page(page_);
  if (page_ < 0) header_->setText(tr("No document"));
  else if (!result) header_->setText(tr("Page %1 has not been analysed.").arg(page_ + 1));
  else if (result->status == PageResult::Status::Failed)
    header_->setText(tr("Page %1: analysis failed: %2").arg(page_ + 1).arg(result->error));
  else header_->setText(tr("Page %1: %n layout box(es)", nullptr, static_cast<int>(result->cells.size())).arg(page_ + 1));
  if (result) {
    for (int i = 0; i < result->cells.size(); ++i) {
      const auto& cell = result->cells.at(i);
      if (!model_->isCategoryVisible(cell.category)) continue;
      QString text = cell.text;
      if (cell.category == QLatin1String("Table")) text = QTextDocumentFragment::fromHtml(text).toPlainText();
      if (cell.category == QLatin1String("Picture")) {
        const int picture = model_->pictureForCell(page_, i);
        if (picture >= 0) text = ReviewModel::readableOcrText(result->pictures.at(picture).ocrText);
      }
      auto* item = new QListWidgetItem(CategoryStyle::swatch(cell.category),
                                       QStringLiteral("%1  %2").arg(CategoryStyle::displayName(cell.category), firstLine(text)), list_);
      item->setData(Qt::UserRole, i);
    }
  }
  syncing_ = false;
  showSelection();
}

void CellTextPane::showSelection() {
  const CellRef sel = model_->selection();
  syncing_ = true;
  int row = -1;
  if (sel.page == page_) {
    for (int i = 0; i < list_->count(); ++i)
      if (list_->item(i)->data(Qt::UserRole).toInt() == sel.cell) row = i;
  }
  list_->setCurrentRow(row);
  if (row >= 0) list_->scrollToItem(list_->item(row));
  syncing_ = false;

  text_->clear();
  const PageResult* result = model_->page(page_);
  if (row < 0 || !result) return;
  const auto& cell = result->cells.at(sel.cell);
  QTextDocument* doc = text_->document();
  if (cell.category == QLatin1String("Formula")) {
    doc->setDefaultFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    text_->setPlainText(cell.text);  // the LaTeX source, as the model wrote it
  } else if (cell.category == QLatin1String("Picture")) {
    const int picture = model_->pictureForCell(page_, sel.cell);
    const QString ocr = picture >= 0 ? ReviewModel::readableOcrText(result->pictures.at(picture).ocrText) : QString();
    doc->setDefaultFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    text_->setPlainText(ocr.isEmpty() ? tr("No text was read in this picture.") : ocr);
  } else if (cell.category == QLatin1String("Table")) {
    doc->setDefaultFont(font());
    text_->setHtml(tableHtml(cell.text));
  } else {
    doc->setDefaultFont(font());
    text_->setMarkdown(cell.text);
  }
}

void CellTextPane::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) rebuild();
  QWidget::changeEvent(event);
}

}  // namespace ll::widgets
