// The German and Simplified Chinese translations are embedded where the loader looks (:/i18n/), load,
// translate the window's strings (live, through LanguageChange) and bring Qt's own translation along.
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "ui/main_window.h"
#include "ui/translation_loader.h"

using ll::ui::TranslationLoader;

namespace {
QString fileMenuTitle(const ll::ui::MainWindow& w) { return w.findChild<QMenu*>(QStringLiteral("menuFile"))->title(); }
}  // namespace

class TranslationLoaderTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(settingsDir_.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir_.path());
    QCoreApplication::setOrganizationName(QStringLiteral("LayoutLensTest"));
    QCoreApplication::setApplicationName(QStringLiteral("translation_loader_test"));
  }

  void translationsAreEmbedded() {
    QVERIFY(QFileInfo::exists(TranslationLoader::resourcePath(QStringLiteral("de"))));
    QVERIFY(QFileInfo::exists(TranslationLoader::resourcePath(QStringLiteral("zh_CN"))));
    QCOMPARE(TranslationLoader::choices().size(), 4);
  }

  void germanAndChineseTranslateTheWindow() {
    TranslationLoader loader;
    ll::ui::MainWindow w;
    QCOMPARE(fileMenuTitle(w), QStringLiteral("&File"));

    QCOMPARE(loader.apply(QStringLiteral("de")), QStringLiteral("de"));
    QTRY_COMPARE(fileMenuTitle(w), QStringLiteral("&Datei"));  // retranslated live (the event is posted)
    QCOMPARE(w.findChild<QAction*>(QStringLiteral("actionZoomIn"))->text(), QStringLiteral("Ver&größern"));
    QCOMPARE(QCoreApplication::translate("ll::ui::MainWindow", "Page %1 / %2"), QStringLiteral("Seite %1 / %2"));
    // Qt's own strings (standard buttons) come from qtbase_de.qm.
    const QString cancel = QCoreApplication::translate("QPlatformTheme", "Cancel");
    if (cancel == QLatin1String("Cancel")) QWARN("qtbase_de.qm not installed (Debian: qt6-translations-l10n)");
    else QCOMPARE(cancel, QStringLiteral("Abbrechen"));

    QCOMPARE(loader.apply(QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
    QTRY_COMPARE(fileMenuTitle(w), QStringLiteral("文件(&F)"));
    ll::ui::MainWindow fresh;  // a window created after loading starts translated
    QCOMPARE(fileMenuTitle(fresh), QStringLiteral("文件(&F)"));

    QCOMPARE(loader.apply(QStringLiteral("en")), QStringLiteral("en"));
    QTRY_COMPARE(fileMenuTitle(w), QStringLiteral("&File"));
  }

  void followsTheSystemLocaleByDefault() {
    // The tests run with LC_ALL=C.UTF-8 (tests/CMakeLists.txt): no shipped language matches.
    if (QLocale::system().language() != QLocale::C && QLocale::system().language() != QLocale::English)
      QSKIP("the system locale is not English/C here");
    TranslationLoader loader;
    QCOMPARE(loader.apply(QString()), QStringLiteral("en"));
    QCOMPARE(QCoreApplication::translate("ll::ui::MainWindow", "&File"), QStringLiteral("&File"));
  }

  void unknownLanguageFallsBackToEnglish() {
    TranslationLoader loader;
    QCOMPARE(loader.apply(QStringLiteral("xx")), QStringLiteral("en"));
  }

 private:
  QTemporaryDir settingsDir_;
};

QTEST_MAIN(TranslationLoaderTest)
#include "translation_loader_test.moc"
