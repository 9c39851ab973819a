// Non-blocking message strip (see message_bar.h).
#include "widgets/message_bar.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>

namespace ll::widgets {

MessageBar::MessageBar(QWidget* parent) : QFrame(parent), label_(new QLabel(this)), close_(new QToolButton(this)) {
  setObjectName(QStringLiteral("messageBar"));
  label_->setObjectName(QStringLiteral("messageText"));
  label_->setWordWrap(true);
  label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  close_->setObjectName(QStringLiteral("messageClose"));
  close_->setAutoRaise(true);
  close_->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
  close_->setToolTip(tr("Dismiss"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(10, 6, 6, 6);
  layout->addWidget(label_, 1);
  layout->addWidget(close_, 0, Qt::AlignTop);
  connect(close_, &QToolButton::clicked, this, &MessageBar::dismiss);
  hide();
}

void MessageBar::showMessage(Kind kind, const QString& text, const QString& detail) {
  kind_ = kind;
  label_->setText(text);
  label_->setToolTip(detail);
  applyStyle();
  show();
}

QString MessageBar::text() const { return isHidden() ? QString() : label_->text(); }

void MessageBar::dismiss() {
  label_->clear();
  hide();
}

void MessageBar::applyStyle() {
  const bool error = kind_ == Kind::Error;
  setStyleSheet(error ? QStringLiteral("ll--widgets--MessageBar { background: #fbe3e1; border-bottom: 1px solid #d08b84; }"
                                       "QLabel { color: #6b1410; }")
                      : QStringLiteral("ll--widgets--MessageBar { background: #e3eefb; border-bottom: 1px solid #8aa9d0; }"
                                       "QLabel { color: #10306b; }"));
}

void MessageBar::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) close_->setToolTip(tr("Dismiss"));
  QFrame::changeEvent(event);
}

}  // namespace ll::widgets
