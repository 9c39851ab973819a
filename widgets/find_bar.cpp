// The find bar (see find_bar.h).
#include "widgets/find_bar.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QStyle>
#include <QToolButton>

namespace ll::widgets {

FindBar::FindBar(ReviewModel* model, QWidget* parent)
    : QWidget(parent), model_(model), edit_(new QLineEdit(this)), previous_(new QToolButton(this)), next_(new QToolButton(this)),
      close_(new QToolButton(this)), status_(new QLabel(this)) {
  setObjectName(QStringLiteral("findBar"));
  edit_->setObjectName(QStringLiteral("findEdit"));
  edit_->setClearButtonEnabled(true);
  status_->setObjectName(QStringLiteral("findStatus"));
  previous_->setArrowType(Qt::UpArrow);
  next_->setArrowType(Qt::DownArrow);
  close_->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
  close_->setAutoRaise(true);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(6, 3, 6, 3);
  layout->addWidget(edit_, 1);
  layout->addWidget(previous_);
  layout->addWidget(next_);
  layout->addWidget(status_);
  layout->addWidget(close_);
  connect(edit_, &QLineEdit::textChanged, this, &FindBar::search);
  connect(edit_, &QLineEdit::returnPressed, this, &FindBar::findNext);
  connect(next_, &QToolButton::clicked, this, &FindBar::findNext);
  connect(previous_, &QToolButton::clicked, this, &FindBar::findPrevious);
  connect(close_, &QToolButton::clicked, this, &FindBar::close);
  // New pages stream in during a run: keep the matches current without moving the selection.
  connect(model_, &ReviewModel::pageResultChanged, this, [this]() {
    if (isVisible() && !edit_->text().trimmed().isEmpty()) search();
  });
  connect(model_, &ReviewModel::modelReset, this, [this]() {
    matches_.clear();
    current_ = -1;
    updateStatus();
  });
  changeEvent(nullptr);
  updateStatus();
  hide();
}

void FindBar::activate() {
  show();
  edit_->setFocus(Qt::ShortcutFocusReason);
  edit_->selectAll();
  search();
}

void FindBar::close() {
  hide();
  model_->setHighlights({});
}

void FindBar::search() {
  matches_ = model_->find(edit_->text());
  QList<CellRef> refs;
  for (const TextMatch& m : matches_) refs.append({m.page, m.cell});
  model_->setHighlights(refs);
  current_ = -1;
  updateStatus();
}

void FindBar::findNext() { step(1); }
void FindBar::findPrevious() { step(-1); }

void FindBar::step(int delta) {
  if (matches_.isEmpty()) return;
  const int n = static_cast<int>(matches_.size());
  current_ = current_ < 0 ? (delta > 0 ? 0 : n - 1) : ((current_ + delta) % n + n) % n;
  const TextMatch& m = matches_.at(current_);
  model_->select({m.page, m.cell});
  updateStatus();
  Q_EMIT matchActivated(m.page, m.cell);
}

QString FindBar::statusText() const { return status_->text(); }

void FindBar::updateStatus() {
  const bool any = !matches_.isEmpty();
  previous_->setEnabled(any);
  next_->setEnabled(any);
  if (edit_->text().trimmed().isEmpty()) status_->clear();
  else if (!any) status_->setText(tr("No matches"));
  else if (current_ < 0) status_->setText(tr("%n match(es)", nullptr, static_cast<int>(matches_.size())));
  else status_->setText(tr("%1 of %2 (page %3)").arg(current_ + 1).arg(matches_.size()).arg(matches_.at(current_).page + 1));
}

void FindBar::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Escape) {
    close();
    return;
  }
  if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) && (event->modifiers() & Qt::ShiftModifier)) {
    findPrevious();
    return;
  }
  QWidget::keyPressEvent(event);
}

void FindBar::changeEvent(QEvent* event) {
  if (!event || event->type() == QEvent::LanguageChange) {
    edit_->setPlaceholderText(tr("Find in the extracted text"));
    previous_->setToolTip(tr("Previous match (Shift+Enter)"));
    next_->setToolTip(tr("Next match (Enter)"));
    close_->setToolTip(tr("Close (Esc)"));
    updateStatus();
  }
  if (event) QWidget::changeEvent(event);
}

}  // namespace ll::widgets
