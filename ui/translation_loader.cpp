// Chooses and installs the UI translation (see translation_loader.h).
#include "ui/translation_loader.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace ll::ui {

TranslationLoader::TranslationLoader() = default;

TranslationLoader::~TranslationLoader() {
  if (app_) QCoreApplication::removeTranslator(app_.get());
  if (qt_) QCoreApplication::removeTranslator(qt_.get());
}

QList<QPair<QString, QString>> TranslationLoader::choices() {
  // Native names on purpose: a user who cannot read the current language still finds their own.
  return {{QString(), QString()}, {QStringLiteral("en"), QStringLiteral("English")},
          {QStringLiteral("de"), QStringLiteral("Deutsch")}, {QStringLiteral("zh_CN"), QStringLiteral("简体中文")}};
}

QString TranslationLoader::resourcePath(const QString& language) {
  return QStringLiteral(":/i18n/app_%1.qm").arg(language);
}

QString TranslationLoader::apply(const QString& language) {
  if (app_) QCoreApplication::removeTranslator(app_.get());
  if (qt_) QCoreApplication::removeTranslator(qt_.get());
  app_.reset();
  qt_.reset();

  QString chosen;
  if (language.isEmpty()) {
    // The first system UI language we ship wins; "de-AT" finds "de", "zh-Hans-CN" finds "zh_CN".
    for (const QString& ui : QLocale::system().uiLanguages()) {
      const QLocale l(ui);
      if (l.language() == QLocale::English) break;
      const QString name = l.name();  // e.g. de_DE, zh_CN
      if (QFileInfo::exists(resourcePath(name))) chosen = name;
      else if (QFileInfo::exists(resourcePath(name.section('_', 0, 0)))) chosen = name.section('_', 0, 0);
      if (!chosen.isEmpty()) break;
    }
  } else if (language != QLatin1String("en")) {
    chosen = language;
  }
  if (chosen.isEmpty()) {
    current_ = QStringLiteral("en");
    QEvent e(QEvent::LanguageChange);  // back to the source strings
    if (QCoreApplication::instance()) QCoreApplication::sendEvent(QCoreApplication::instance(), &e);
    return current_;
  }

  auto app = std::make_unique<QTranslator>();
  if (!app->load(resourcePath(chosen))) {
    current_ = QStringLiteral("en");
    return current_;
  }
  QCoreApplication::installTranslator(app.get());
  app_ = std::move(app);
  auto qt = std::make_unique<QTranslator>();
  if (qt->load(QLocale(chosen), QStringLiteral("qtbase"), QStringLiteral("_"),
               QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
    QCoreApplication::installTranslator(qt.get());
    qt_ = std::move(qt);
  }
  current_ = chosen;
  return current_;
}

}  // namespace ll::ui
