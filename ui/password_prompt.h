#pragma once
// How the main window asks for a PDF's password. It is a function so tests (and a future batch
// dialog) can answer without a modal dialog; the default shows a password input dialog.
#include <QByteArray>
#include <QString>
#include <functional>
#include <optional>

class QWidget;

namespace ll::ui {

// Called with the file and whether the previous password was wrong. std::nullopt = the user gave up.
using PasswordProvider = std::function<std::optional<QByteArray>(const QString& path, bool previousWasWrong)>;

PasswordProvider dialogPasswordProvider(QWidget* parent);

}  // namespace ll::ui
