#pragma once
// A dismissible strip above the page view for problems and notes (a file that cannot be opened, recent
// files that vanished). Unlike a message box it never blocks: the window stays usable and tests can
// read the text.
#include <QFrame>

class QLabel;
class QToolButton;

namespace ll::widgets {

class MessageBar : public QFrame {
  Q_OBJECT
 public:
  enum class Kind { Info, Error };
  explicit MessageBar(QWidget* parent = nullptr);

  void showMessage(Kind kind, const QString& text, const QString& detail = QString());
  QString text() const;
  Kind kind() const { return kind_; }

 public Q_SLOTS:
  void dismiss();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void applyStyle();
  QLabel* label_;
  QToolButton* close_;
  Kind kind_ = Kind::Info;
};

}  // namespace ll::widgets
