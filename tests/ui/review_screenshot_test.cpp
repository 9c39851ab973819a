// The README's pictures of the review window: a real corpus drawing (an Ultimaker 2 part drawing) analysed
// with the SCRIPTED test engine (tests/support/scripted_analysis_engine.h) - the boxes, crop texts and
// summary below are written by hand for this sheet, not produced by the models. It runs the real
// pipeline, window and panes on those answers and checks what the pictures show; with
// LAYOUTLENS_SCREENSHOT_DIR set (tools: xvfb-run, QT_QPA_PLATFORM=xcb) it also saves the grabs there.
#include <QDir>
#include <QDockWidget>
#include <QListWidget>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTextFrame>
#include <QTextTable>
#include <atomic>

#include "support/scripted_analysis_engine.h"
#include "ui/analysis_controller.h"
#include "ui/main_window.h"
#include "widgets/cell_text_pane.h"
#include "widgets/crop_inspector.h"
#include "widgets/find_bar.h"
#include "widgets/pdf_page_view.h"
#include "widgets/review_model.h"
#include "widgets/summary_pane.h"

using ll::testing::ScriptedAnalysisEngine;
using ll::testing::ScriptedCell;
using ll::ui::MainWindow;

namespace {
const char* kDrawing = "technical/B1153-B2P-B.pdf";

// Hand-placed on the sheet (fractions of the A3 landscape page).
QList<ScriptedCell> sheetLayout(const QImage&) {
  return {
      {QStringLiteral("Page-header"), QRectF(0.050, 0.024, 0.103, 0.040), QStringLiteral("Ultimaker")},
      {QStringLiteral("Page-header"), QRectF(0.766, 0.026, 0.205, 0.036), QStringLiteral("Base Document Ultimaker Original")},
      {QStringLiteral("Picture"), QRectF(0.060, 0.140, 0.375, 0.545), QString()},
      {QStringLiteral("Picture"), QRectF(0.480, 0.145, 0.475, 0.385), QString()},
      {QStringLiteral("Picture"), QRectF(0.060, 0.765, 0.375, 0.150), QString()},
      {QStringLiteral("Table"), QRectF(0.546, 0.694, 0.424, 0.230),
       QStringLiteral("<table><tr><td>name: Print Table Base Plate</td><td>part nr.: 1153-B2P-B</td></tr>"
                      "<tr><td>material: EN AW-6082</td><td>weight: 797.1497 gram</td></tr>"
                      "<tr><td>date: 2/16/2014</td><td>made by: / checked by: / approved by:</td></tr>"
                      "<tr><td>part of assembly: 3300-B2A-A</td><td>document number: B1153-B2P-B, rev.nr.: B</td></tr></table>")},
      {QStringLiteral("Page-footer"), QRectF(0.568, 0.926, 0.385, 0.020),
       QStringLiteral("All rights are reserved. Reproduction in whole or in part is prohibited without the written consent of the copyright owner.")},
  };
}
}  // namespace

class ReviewScreenshotTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir_.path());
    QCoreApplication::setOrganizationName(QStringLiteral("LayoutLensTest"));
    QCoreApplication::setApplicationName(QStringLiteral("review_screenshot_test"));
    QSettings().clear();
  }

  void drawingAnalysedWithTheScriptedEngine() {
    const QString pdf = QStringLiteral(LAYOUTLENS_CORPUS_DIR "/") + QLatin1String(kDrawing);
    if (!QFileInfo::exists(pdf)) QSKIP("the corpus drawing is not available");
    MainWindow w;
    w.setJobDirectory(jobDir_.path());
    w.setEngineFactory([](const ll::pipeline::PipelineConfig&, QString*) {
      auto engine = std::make_unique<ScriptedAnalysisEngine>();
      engine->layoutScript = sheetLayout;
      auto next = std::make_shared<std::atomic<int>>(0);
      engine->cropText = [next](const QImage&) {
        static const QStringList texts{QStringLiteral("{\"text\": \"303.5\"}"), QStringLiteral("{\"text\": \"\"}"),
                                       QStringLiteral("{\"text\": \"4\\n257\"}")};
        return texts.at((*next)++ % texts.size());
      };
      engine->summaryText = [](const ll::pipeline::VisionJob&) {
        return QStringLiteral(
            "**Print Table Base Plate** (part 1153-B2P-B, rev. B, Ultimaker Original), EN AW-6082, 797.1 g.\n\n"
            "- Top view with the overall height 303.5 and the mounting holes\n- Side view: 257 x 4\n- Isometric view\n\n"
            "Part of assembly 3300-B2A-A; drawn 2/16/2014.");
      };
      ll::ui::EngineHandle h;
      h.engine = std::move(engine);
      return h;
    });
    ll::pipeline::PipelineConfig config;
    config.pdf_dpi = 100;
    w.applyConfig(config);
    w.resize(1600, 960);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.openFile(pdf));
    QSignalSpy finished(w.analysis(), &ll::ui::AnalysisController::runFinished);
    QVERIFY(w.analyze(ll::ui::AnalysisScope::Document));
    QVERIFY(finished.wait(60000));
    QCOMPARE(w.review()->finishedPageCount(), 1);
    QCOMPARE(w.review()->page(0)->cells.size(), 7);
    QCOMPARE(w.cropInspector()->count(), 3);
    QVERIFY(w.cropInspector()->item(2)->text().contains(QStringLiteral("257")));

    w.pageView()->fitPage();
    w.review()->select({0, 5});  // the title block: the text pane shows it as a table
    QTextTable* table = nullptr;
    for (QTextFrame* f : w.textPane()->textView()->document()->rootFrame()->childFrames())
      if ((table = qobject_cast<QTextTable*>(f))) break;
    QVERIFY(table && table->rows() == 4);
    QVERIFY(QTest::qWaitFor([&] { return w.pageView()->isRenderIdle(); }, 20000));
    QTest::qWait(200);
    save(w, "review-window.png");

    // Find: "257" is in the side view's crop text; the match is tinted and its crop selected.
    QDockWidget* summary = w.findChild<QDockWidget*>(QStringLiteral("summaryDock"));
    QVERIFY(summary);
    summary->raise();
    QVERIFY(w.summaryPane()->toPlainText().contains(QStringLiteral("Print Table Base Plate")));
    w.findBar()->activate();
    w.findBar()->lineEdit()->setText(QStringLiteral("257"));
    QCOMPARE(w.findBar()->matches().size(), 1);
    w.findBar()->findNext();
    QCOMPARE(w.cropInspector()->currentRow(), 2);
    QVERIFY(QTest::qWaitFor([&] { return w.pageView()->isRenderIdle(); }, 20000));
    QTest::qWait(200);
    save(w, "review-find.png");
  }

 private:
  static void save(QWidget& w, const char* name) {
    const QString dir = qEnvironmentVariable("LAYOUTLENS_SCREENSHOT_DIR");
    if (dir.isEmpty()) return;
    QVERIFY(QDir().mkpath(dir));
    QVERIFY(w.grab().save(QDir(dir).filePath(QLatin1String(name))));
  }

  QTemporaryDir settingsDir_;
  QTemporaryDir jobDir_;
};

QTEST_MAIN(ReviewScreenshotTest)
#include "review_screenshot_test.moc"
