// The interactive password prompt (a QInputDialog in password mode).
#include "ui/password_prompt.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QInputDialog>
#include <QLineEdit>
#include <QPointer>

namespace ll::ui {

PasswordProvider dialogPasswordProvider(QWidget* parent) {
  QPointer<QWidget> owner(parent);
  return [owner](const QString& path, bool previousWasWrong) -> std::optional<QByteArray> {
    const QString name = QFileInfo(path).fileName();
    QString label = previousWasWrong
                        ? QCoreApplication::translate("PasswordPrompt", "The password was wrong. Enter the password for %1 again:").arg(name)
                        : QCoreApplication::translate("PasswordPrompt", "%1 is protected. Enter its password:").arg(name);
    bool ok = false;
    const QString text = QInputDialog::getText(owner.data(), QCoreApplication::translate("PasswordPrompt", "Password Required"), label,
                                               QLineEdit::Password, QString(), &ok);
    if (!ok) return std::nullopt;
    return text.toUtf8();
  };
}

}  // namespace ll::ui
