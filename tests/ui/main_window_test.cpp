// The review window end to end on corpus PDFs, offscreen and with a temporary QSettings: opening,
// page navigation and the status bar, zoom actions, the password prompt (injected, wrong then right),
// broken and missing files (message, window stays usable), recent files, drag and drop, and restoring
// window geometry and state.
#include <QAction>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QMimeData>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QDir>
#include <QTest>
#include <QUrl>

#include "core/pipeline/pdf_document.h"
#include "ui/main_window.h"
#include "widgets/message_bar.h"
#include "widgets/pdf_page_view.h"

using ll::ui::MainWindow;

namespace {
QString corpus(const char* relative) { return QStringLiteral(LAYOUTLENS_CORPUS_DIR "/") + QLatin1String(relative); }
QString label(const MainWindow& w, const char* name) {
  auto* l = w.findChild<QLabel*>(QLatin1String(name));
  return l ? l->text() : QStringLiteral("<no %1>").arg(QLatin1String(name));
}
QAction* action(const MainWindow& w, const char* name) {
  auto* a = w.findChild<QAction*>(QLatin1String(name));
  if (!a) qFatal("no action %s", name);
  return a;
}
}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    // The corpus lives beside the checkout (../shared/corpus); a clone elsewhere has none.
    if (!QDir(QStringLiteral(LAYOUTLENS_CORPUS_DIR)).exists()) QSKIP("no PDF corpus at " LAYOUTLENS_CORPUS_DIR);
    QVERIFY(settingsDir_.isValid());
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir_.path());
    QCoreApplication::setOrganizationName(QStringLiteral("LayoutLensTest"));
    QCoreApplication::setApplicationName(QStringLiteral("main_window_test"));
  }
  void init() { QSettings().clear(); }

  void opensAndNavigates() {
    MainWindow w;
    w.show();
    QCOMPARE(label(w, "pageStatus"), QStringLiteral("No document"));
    QVERIFY(!action(w, "actionNextPage")->isEnabled());
    QVERIFY(w.openFile(corpus("technical/us-821393-wright-flyer.pdf")));
    QVERIFY(w.windowTitle().contains(QStringLiteral("us-821393-wright-flyer.pdf")));
    QCOMPARE(label(w, "pageStatus"), QStringLiteral("Page 1 / 10"));
    QVERIFY(label(w, "zoomStatus").startsWith(QStringLiteral("Zoom ")));
    QCOMPARE(w.thumbnailList()->model()->rowCount(), 10);

    QTest::keyClick(w.pageView(), Qt::Key_PageDown);
    QCOMPARE(label(w, "pageStatus"), QStringLiteral("Page 2 / 10"));
    QCOMPARE(w.thumbnailList()->currentIndex().row(), 1);
    QTest::keyClick(w.pageView(), Qt::Key_End);
    QCOMPARE(label(w, "pageStatus"), QStringLiteral("Page 10 / 10"));
    QVERIFY(!action(w, "actionNextPage")->isEnabled());
    QTest::keyClick(w.pageView(), Qt::Key_Home);
    QCOMPARE(label(w, "pageStatus"), QStringLiteral("Page 1 / 10"));
    action(w, "actionNextPage")->trigger();
    action(w, "actionNextPage")->trigger();
    QCOMPARE(label(w, "pageStatus"), QStringLiteral("Page 3 / 10"));
    // Choosing a thumbnail moves the view.
    w.thumbnailList()->setCurrentIndex(w.thumbnailList()->model()->index(6, 0));
    QCOMPARE(label(w, "pageStatus"), QStringLiteral("Page 7 / 10"));
    QVERIFY(QTest::qWaitFor([&] { return w.pageView()->isRenderIdle(); }, 20000));
    QVERIFY(label(w, "dpiStatus").contains(QStringLiteral("dpi")));
  }

  void zoomActionsChangeZoomAndStatus() {
    MainWindow w;
    w.resize(1200, 800);
    w.show();
    QVERIFY(w.openFile(corpus("technical/B1153-B2P-B.pdf")));
    QVERIFY(action(w, "actionFitWidth")->isChecked());
    QVERIFY(QTest::qWaitFor([&] { return w.pageView()->isRenderIdle(); }, 20000));
    const int width = w.pageView()->displayedImageSize(0).width();
    const QString dpiBefore = label(w, "dpiStatus");
    action(w, "actionZoomIn")->trigger();
    QVERIFY(!action(w, "actionFitWidth")->isChecked());
    QCOMPARE(label(w, "zoomStatus"), QStringLiteral("Zoom %1 %").arg(qRound(w.pageView()->zoom() * 100)));
    QVERIFY(QTest::qWaitFor([&] { return w.pageView()->isRenderIdle(); }, 20000));
    QVERIFY(w.pageView()->displayedImageSize(0).width() > width);
    QVERIFY(label(w, "dpiStatus") != dpiBefore);
    action(w, "actionActualSize")->trigger();
    QCOMPARE(label(w, "zoomStatus"), QStringLiteral("Zoom 100 %"));
    action(w, "actionFitPage")->trigger();
    QVERIFY(action(w, "actionFitPage")->isChecked());
    // Keyboard shortcuts reach the actions: Ctrl+= zooms in, Ctrl+- zooms out.
    QVERIFY(QTest::qWaitForWindowActive(&w));
    const double zoom = w.pageView()->zoom();
    QTest::keyClick(w.pageView(), Qt::Key_Equal, Qt::ControlModifier);
    QVERIFY(w.pageView()->zoom() > zoom);
    QTest::keyClick(w.pageView(), Qt::Key_Minus, Qt::ControlModifier);
    QVERIFY(std::abs(w.pageView()->zoom() - zoom) < 1e-9);
  }

  void asksForThePasswordUntilItIsRight() {
    MainWindow w;
    QList<bool> calls;
    w.setPasswordProvider([&](const QString& path, bool previousWasWrong) -> std::optional<QByteArray> {
      [&] { QVERIFY(path.endsWith(QStringLiteral("popplertest-encrypted-256.pdf"))); }();
      calls << previousWasWrong;
      return calls.size() == 1 ? QByteArray("not-the-password") : QByteArray("user-secret");
    });
    QVERIFY(w.openFile(corpus("robustness/popplertest-encrypted-256.pdf")));
    QCOMPARE(calls, (QList<bool>{false, true}));  // the second prompt was told the first was wrong
    QVERIFY(w.document());
    QVERIFY(w.document()->isEncrypted());
    QCOMPARE(label(w, "pageStatus"), QStringLiteral("Page 1 / 1"));
    QVERIFY(w.messageBar()->text().isEmpty());
  }

  void givingUpOnThePasswordLeavesAClearMessage() {
    MainWindow w;
    int calls = 0;
    w.setPasswordProvider([&](const QString&, bool) -> std::optional<QByteArray> {
      ++calls;
      return std::nullopt;
    });
    QVERIFY(!w.openFile(corpus("robustness/popplertest-encrypted-256.pdf")));
    QCOMPARE(calls, 1);
    QVERIFY(!w.document());
    QVERIFY(w.messageBar()->text().contains(QStringLiteral("password-protected")));
    QCOMPARE(w.messageBar()->kind(), ll::widgets::MessageBar::Kind::Error);
  }

  void brokenAndMissingFilesKeepTheWindowUsable() {
    MainWindow w;
    w.show();
    QVERIFY(w.openFile(corpus("technical/B1153-B2P-B.pdf")));
    auto before = w.document();

    QVERIFY(!w.openFile(corpus("robustness/qpdf-bad1.pdf")));
    const QString message = w.messageBar()->text();
    QVERIFY2(message.startsWith(QStringLiteral("qpdf-bad1.pdf ")), qPrintable(message));
    QVERIFY(w.messageBar()->isVisible());
    QCOMPARE(w.document(), before);  // the open document is still shown
    QCOMPARE(label(w, "pageStatus"), QStringLiteral("Page 1 / 1"));

    QVERIFY(!w.openFile(corpus("robustness/bug1020226.pdf")));
    QVERIFY(w.messageBar()->text().startsWith(QStringLiteral("bug1020226.pdf ")));

    QVERIFY(!w.openFile(QStringLiteral("/nonexistent/folder/drawing.pdf")));
    QVERIFY2(w.messageBar()->text().contains(QStringLiteral("does not exist")), qPrintable(w.messageBar()->text()));

    // Still usable: another document opens and the message goes away.
    QVERIFY(w.openFile(corpus("technical/us-821393-wright-flyer.pdf")));
    QVERIFY(w.messageBar()->text().isEmpty());
    QCOMPARE(label(w, "pageStatus"), QStringLiteral("Page 1 / 10"));
    action(w, "actionClose")->trigger();
    QVERIFY(!w.document());
    QCOMPARE(label(w, "pageStatus"), QStringLiteral("No document"));
  }

  void recentFilesAreRememberedAndVanishedOnesPruned() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString copy = dir.filePath(QStringLiteral("copy of drawing.pdf"));
    QVERIFY(QFile::copy(corpus("technical/B1153-B2P-B.pdf"), copy));
    MainWindow w;
    QVERIFY(w.openFile(corpus("technical/us-821393-wright-flyer.pdf")));
    QVERIFY(w.openFile(copy));
    const QStringList recent = QSettings().value(QStringLiteral("recentFiles")).toStringList();
    QCOMPARE(recent.size(), 2);
    QCOMPARE(recent.first(), copy);

    auto* menu = w.findChild<QMenu*>(QStringLiteral("menuRecent"));
    QVERIFY(menu);
    Q_EMIT menu->aboutToShow();
    QStringList entries;
    for (QAction* a : menu->actions())
      if (!a->data().toString().isEmpty()) entries << a->data().toString();
    QCOMPARE(entries, recent);

    w.closeDocument();
    QVERIFY(QFile::remove(copy));
    Q_EMIT menu->aboutToShow();
    QVERIFY2(w.messageBar()->text().contains(QStringLiteral("copy of drawing.pdf")), qPrintable(w.messageBar()->text()));
    QCOMPARE(w.messageBar()->kind(), ll::widgets::MessageBar::Kind::Info);
    QCOMPARE(QSettings().value(QStringLiteral("recentFiles")).toStringList(),
             QStringList{QDir::cleanPath(corpus("technical/us-821393-wright-flyer.pdf"))});
    // A recent entry opens its file.
    for (QAction* a : menu->actions())
      if (!a->data().toString().isEmpty()) a->trigger();
    QVERIFY(w.document());
    QCOMPARE(w.document()->pageCount(), 10);
  }

  void droppingAPdfOpensIt() {
    MainWindow w;
    w.show();
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(corpus("technical/B1153-B2P-B.pdf")), QUrl::fromLocalFile(corpus("technical/NS4150B.pdf"))});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &drop);
    QVERIFY(w.document());
    QVERIFY(w.document()->path().endsWith(QStringLiteral("B1153-B2P-B.pdf")));  // the first one opens

    QMimeData text;
    text.setText(QStringLiteral("not a file"));
    QDragEnterEvent refused(QPoint(50, 50), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    refused.setAccepted(false);
    QCoreApplication::sendEvent(&w, &refused);
    QVERIFY(!refused.isAccepted());
  }

  void geometryAndStateAreRestored() {
    {
      MainWindow w;
      w.show();
      w.resize(700, 500);
      w.findChild<QDockWidget*>(QStringLiteral("thumbnailDock"))->hide();
      w.close();
    }
    MainWindow again;
    again.show();
    QCOMPARE(again.size(), QSize(700, 500));
    QVERIFY(again.findChild<QDockWidget*>(QStringLiteral("thumbnailDock"))->isHidden());
  }

  void preferencesAreStored() {
    MainWindow w;
    auto config = w.config();
    config.pdf_dpi = 144;
    config.attn_impl = QStringLiteral("sdpa");
    w.applyConfig(config);
    QSettings settings;
    QCOMPARE(ll::pipeline::PipelineConfig::load(settings).toJson(), config.toJson());
    MainWindow next;
    QCOMPARE(next.config().pdf_dpi, 144);
  }

 private:
  QTemporaryDir settingsDir_;
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
