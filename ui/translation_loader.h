#pragma once
// Installs the application's own translation (embedded by qt_add_translations under :/i18n/) and Qt's
// qtbase translation (standard dialogs and buttons) for the language chosen in Preferences, or for the
// system locale. Installing sends QEvent::LanguageChange, so open windows retranslate themselves.
#include <QList>
#include <QPair>
#include <QString>
#include <memory>

class QTranslator;

namespace ll::ui {

class TranslationLoader {
 public:
  TranslationLoader();
  ~TranslationLoader();
  TranslationLoader(const TranslationLoader&) = delete;
  TranslationLoader& operator=(const TranslationLoader&) = delete;

  // language: "" = follow the system locale, "en", "de" or "zh_CN". Returns the language now in use
  // ("en" when no translation matched, English being the source language).
  QString apply(const QString& language);
  QString currentLanguage() const { return current_; }

  // The languages the application ships, as (code, name in that language); "" first = system.
  static QList<QPair<QString, QString>> choices();
  // Where qt_add_translations embeds a language's .qm file.
  static QString resourcePath(const QString& language);

 private:
  std::unique_ptr<QTranslator> app_;
  std::unique_ptr<QTranslator> qt_;
  QString current_ = QStringLiteral("en");
};

}  // namespace ll::ui
