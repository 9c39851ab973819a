// The review window end to end with a scripted engine (tests/support): Analyze streams pages into the
// overlay and panes while the GUI thread keeps running; models load once; page/text/crop selection stay
// in sync; Ctrl+F steps through matches page to page; the exported report equals the job's results;
// Cancel keeps finished pages and the window stays usable (the next Analyze resumes); a failing page is
// shown with its reason while the others finish; a model that cannot load gives a message, not results;
// reports and earlier jobs open again for review.
#include <QAction>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPainter>
#include <QPdfWriter>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include "core/pipeline/job_store.h"
#include "core/pipeline/pdf_document.h"
#include "support/scripted_analysis_engine.h"
#include "ui/analysis_controller.h"
#include "ui/main_window.h"
#include "widgets/analysis_status.h"
#include "widgets/cell_text_pane.h"
#include "widgets/crop_inspector.h"
#include "widgets/find_bar.h"
#include "widgets/message_bar.h"
#include "widgets/pdf_page_view.h"
#include "widgets/review_model.h"

using ll::pipeline::PageResult;
using ll::testing::ScriptedAnalysisEngine;
using ll::testing::ScriptedCell;
using ll::ui::AnalysisController;
using ll::ui::AnalysisScope;
using ll::ui::MainWindow;
using ll::widgets::CellRef;

namespace {
constexpr int kPages = 4;

// Page i is 300 x 200 pt with a grey marker of value 40*(i+1) at (10,10)-(30,30) pt: the scripted
// engine tells the pages apart by it.
QString makePdf(const QString& path) {
  QPdfWriter writer(path);
  writer.setResolution(72);
  writer.setPageSize(QPageSize(QSizeF(300, 200), QPageSize::Point));
  writer.setPageMargins(QMarginsF(0, 0, 0, 0));
  QPainter painter(&writer);
  for (int i = 0; i < kPages; ++i) {
    if (i > 0) writer.newPage();
    painter.fillRect(QRect(0, 0, 300, 200), Qt::white);
    painter.fillRect(QRect(10, 10, 20, 20), QColor(40 * (i + 1), 40 * (i + 1), 40 * (i + 1)));
    painter.fillRect(QRect(90, 60, 120, 80), Qt::black);
  }
  painter.end();
  return path;
}

int pageOf(const QImage& image) {
  const double scale = image.width() / 300.0;
  return qRound(qGray(image.pixel(qRound(20 * scale), qRound(20 * scale))) / 40.0) - 1;
}

QList<ScriptedCell> sheetLayout(const QImage& image) {
  const int p = pageOf(image);
  QList<ScriptedCell> cells{{QStringLiteral("Title"), QRectF(0.2, 0.02, 0.6, 0.1), QStringLiteral("# Sheet %1").arg(p + 1)},
                            {QStringLiteral("Picture"), QRectF(0.3, 0.3, 0.4, 0.4), QString()}};
  if (p % 2 == 0) cells.append({QStringLiteral("Text"), QRectF(0.1, 0.85, 0.8, 0.1), QStringLiteral("Weld all around, sheet %1").arg(p + 1)});
  return cells;
}

struct Factory {
  std::shared_ptr<int> calls = std::make_shared<int>(0);
  std::function<void(ScriptedAnalysisEngine&)> setup;
  ScriptedAnalysisEngine* last = nullptr;  // valid while the window holds the engine
  ll::ui::EngineFactory make() {
    return [this](const ll::pipeline::PipelineConfig&, QString*) {
      ++*calls;
      auto engine = std::make_unique<ScriptedAnalysisEngine>();
      engine->layoutScript = sheetLayout;
      engine->cropText = [](const QImage&) { return QStringLiteral("Detail view, M8 thread"); };
      if (setup) setup(*engine);
      last = engine.get();
      ll::ui::EngineHandle h;
      h.engine = std::move(engine);
      h.memoryInUse = [] { return QStringLiteral("1.5 GiB on cpu"); };
      return h;
    };
  }
};

QJsonObject readJson(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object();
}
}  // namespace

class ReviewWindowTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(settingsDir_.isValid() && dataDir_.isValid());
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir_.path());
    QCoreApplication::setOrganizationName(QStringLiteral("LayoutLensTest"));
    QCoreApplication::setApplicationName(QStringLiteral("review_window_test"));
    pdf_ = makePdf(dataDir_.filePath(QStringLiteral("sheets.pdf")));
  }

  void init() {
    QSettings().clear();
    jobDir_ = std::make_unique<QTemporaryDir>();
    QVERIFY(jobDir_->isValid());
  }

  void analyzeStreamsPagesWhileTheGuiRuns() {
    Factory factory;
    // Each page keeps the engine busy longer than the longest GUI stall the test accepts.
    factory.setup = [](ScriptedAnalysisEngine& e) { e.layoutDelayMs = 800; };
    MainWindow w;
    prepare(w, factory);
    QCOMPARE(label(w, "engineStatus").contains(QStringLiteral("not loaded")), true);
    QVERIFY(w.openFile(pdf_));

    // The GUI thread must keep turning while the engine works on the inference thread.
    QElapsedTimer sinceTick;
    qint64 longestGap = 0;
    QTimer ticker;
    ticker.setInterval(10);
    connect(&ticker, &QTimer::timeout, this, [&]() {
      longestGap = std::max(longestGap, sinceTick.restart());
    });
    QSignalSpy finished(w.analysis(), &AnalysisController::runFinished);
    QList<int> pagesShownAtEachArrival;  // the window's own handler runs first: the page is already shown
    connect(w.analysis(), &AnalysisController::pageFinished, this, [&](const PageResult&) {
      pagesShownAtEachArrival.append(finished.isEmpty() ? static_cast<int>(w.review()->pages().size()) : -1);
    });
    sinceTick.start();
    ticker.start();
    QVERIFY(w.analyze(AnalysisScope::Document));
    QVERIFY(w.analysisStatus()->isRunning());
    QVERIFY(!action(w, "actionAnalyzeDocument")->isEnabled());
    QVERIFY(action(w, "actionCancelAnalysis")->isEnabled());
    QVERIFY(finished.wait(30000));
    ticker.stop();
    QVERIFY(!factory.last->calledOnGuiThread);
    // Had a page's 800 ms of inference blocked the GUI thread, the ticker would have missed that long.
    QVERIFY2(longestGap < 700, qPrintable(QStringLiteral("the GUI thread stalled for %1 ms").arg(longestGap)));
    // Pages arrived one by one, before the run ended.
    QCOMPARE(pagesShownAtEachArrival, (QList<int>{1, 2, 3, 4}));
    QCOMPARE(w.review()->finishedPageCount(), kPages);
    const PageResult* p3 = w.review()->page(2);
    QVERIFY(p3);
    QCOMPARE(p3->cells.size(), 3);
    QCOMPARE(p3->cells.at(0).text, QStringLiteral("# Sheet 3"));
    QCOMPARE(p3->pictures.size(), 1);
    QCOMPARE(p3->pictures.at(0).ocrText, QStringLiteral("Detail view, M8 thread"));
    QVERIFY(!w.analysisStatus()->isRunning());
    QVERIFY(label(w, "engineStatus").contains(QStringLiteral("scripted test engine on cpu")));
    QVERIFY(label(w, "engineStatus").contains(QStringLiteral("1.5 GiB on cpu")));
    QCOMPARE(w.messageBar()->kind(), ll::widgets::MessageBar::Kind::Info);
    QVERIFY(w.messageBar()->text().contains(QStringLiteral("4 of 4 pages")));
    QVERIFY(action(w, "actionExportReport")->isEnabled());

    // Crops and text are there for the panes; the models stay loaded for the next run.
    QCOMPARE(w.cropInspector()->count(), kPages);
    QVERIFY(QFileInfo::exists(w.review()->cropPath(p3->pictures.at(0))));
    QVERIFY(w.analyze(AnalysisScope::CurrentPage));
    QVERIFY(finished.wait(30000));
    QCOMPARE(*factory.calls, 1);
  }

  void selectionIsSharedByPageTextAndCrops() {
    Factory factory;
    MainWindow w;
    prepare(w, factory);
    QVERIFY(w.openFile(pdf_));
    runToEnd(w, AnalysisScope::Document);
    ll::widgets::PdfPageView* view = w.pageView();
    view->setZoom(1.0);
    view->setCurrentPage(1);
    // Click the picture box of page 2 on the page.
    const PageResult* page = w.review()->page(1);
    const QRectF picture = ll::widgets::ReviewModel::cellRectPoints(*page, 1);
    view->ensurePageRectVisible(1, picture);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->pageToViewport(1).map(picture.center()).toPoint());
    QCOMPARE(w.review()->selection(), (CellRef{1, 1}));
    QCOMPARE(w.textPane()->page(), 1);
    QCOMPARE(w.textPane()->cellList()->currentRow(), 1);
    QCOMPARE(w.cropInspector()->currentRow(), 1);
    // Clicking a crop moves the page view to it.
    w.cropInspector()->setCurrentRow(3);
    QCOMPARE(w.review()->selection(), (CellRef{3, 1}));
    QCOMPARE(view->currentPage(), 3);
    QVERIFY(view->pageRectInViewport(3).intersects(QRectF(QPointF(0, 0), QSizeF(view->viewport()->size()))));
    // Selecting a row in the text pane selects on the page.
    w.textPane()->cellList()->setCurrentRow(0);
    QCOMPARE(w.review()->selection(), (CellRef{3, 0}));
    QCOMPARE(w.cropInspector()->currentRow(), -1);
  }

  void findStepsPageToPage() {
    Factory factory;
    MainWindow w;
    prepare(w, factory);
    QVERIFY(w.openFile(pdf_));
    runToEnd(w, AnalysisScope::Document);
    QTest::keySequence(&w, QKeySequence::Find);
    QVERIFY(w.findBar()->isVisible());
    QTest::keyClicks(w.findBar()->lineEdit(), QStringLiteral("weld all"));
    QCOMPARE(w.findBar()->matches().size(), 2);  // sheets 1 and 3
    QTest::keyClick(w.findBar()->lineEdit(), Qt::Key_Return);
    QCOMPARE(w.review()->selection(), (CellRef{0, 2}));
    QCOMPARE(w.pageView()->currentPage(), 0);
    QTest::keyClick(w.findBar()->lineEdit(), Qt::Key_Return);
    QCOMPARE(w.review()->selection(), (CellRef{2, 2}));
    QCOMPARE(w.pageView()->currentPage(), 2);
    QTest::keyClick(w.findBar()->lineEdit(), Qt::Key_Return);  // wraps to the first match
    QCOMPARE(w.pageView()->currentPage(), 0);
    QVERIFY(w.review()->isHighlighted({2, 2}));
    QTest::keyClick(w.findBar()->lineEdit(), Qt::Key_Escape);
    QVERIFY(!w.findBar()->isVisible());
    QVERIFY(!w.review()->isHighlighted({2, 2}));
  }

  void exportedReportEqualsTheJobsResults() {
    Factory factory;
    MainWindow w;
    prepare(w, factory);
    QVERIFY(w.openFile(pdf_));
    runToEnd(w, AnalysisScope::Document);
    QTemporaryDir out;
    const QString exported = out.filePath(QStringLiteral("chosen/place/report.json"));
    QVERIFY(QDir().mkpath(QFileInfo(exported).absolutePath()));
    QString error;
    QVERIFY2(w.exportReport(exported, &error), qPrintable(error));
    const QJsonObject mine = readJson(exported);
    const QString docDir = QDir(jobDir_->path()).filePath(w.analysis()->docId());
    const QJsonObject job = readJson(docDir + QStringLiteral("/final_report.json"));
    QVERIFY(!job.isEmpty());
    QCOMPARE(mine.value(QStringLiteral("schema_version")).toInt(), ll::pipeline::kReportSchemaVersion);
    QCOMPARE(mine.value(QStringLiteral("pages")), job.value(QStringLiteral("pages")));
    QCOMPARE(mine.value(QStringLiteral("document")), job.value(QStringLiteral("document")));
    QCOMPARE(mine.value(QStringLiteral("models")), job.value(QStringLiteral("models")));
    QCOMPARE(mine.value(QStringLiteral("config")), job.value(QStringLiteral("config")));
    QCOMPARE(mine.value(QStringLiteral("pages")).toArray().size(), kPages);

    // The overlay PNG of the current page, at the analysis DPI.
    const QString png = out.filePath(QStringLiteral("page.png"));
    QVERIFY2(w.exportPageOverlay(0, png, &error), qPrintable(error));
    QImage image(png);
    QCOMPARE(image.size(), QSize(300, 200));  // 72 dpi in the test settings
  }

  void cancelKeepsFinishedPagesAndTheNextRunResumes() {
    Factory factory;
    factory.setup = [](ScriptedAnalysisEngine& e) { e.layoutDelayMs = 400; };
    MainWindow w;
    prepare(w, factory);
    QVERIFY(w.openFile(pdf_));
    QSignalSpy pages(w.analysis(), &AnalysisController::pageFinished);
    QSignalSpy finished(w.analysis(), &AnalysisController::runFinished);
    QVERIFY(w.analyze(AnalysisScope::Document));
    QVERIFY(pages.wait(20000));
    action(w, "actionCancelAnalysis")->trigger();
    QVERIFY(finished.wait(20000));
    const auto outcome = finished.at(0).at(0).value<ll::pipeline::DocumentOutcome>();
    QVERIFY(outcome.cancelled);
    const int kept = w.review()->finishedPageCount();
    QVERIFY2(kept >= 1 && kept < kPages, qPrintable(QString::number(kept)));
    QCOMPARE(w.review()->failedPageCount(), 0);  // a cancelled page is not a failed page
    QVERIFY(w.messageBar()->text().contains(QStringLiteral("cancelled")));
    // What the window shows is what the job folder holds.
    QString error;
    auto store = ll::pipeline::JobStore::open(jobDir_->path(), &error);
    QVERIFY2(store, qPrintable(error));
    QCOMPARE(store->loadAllPages(w.analysis()->docId()).size(), kept);
    store.reset();

    // The window is usable: navigate, find, and Analyze again resumes without redoing finished pages.
    QVERIFY(action(w, "actionAnalyzeDocument")->isEnabled());
    w.pageView()->setCurrentPage(3);
    QCOMPARE(w.pageView()->currentPage(), 3);
    const int before = factory.last->layoutPages;
    QVERIFY(w.analyze(AnalysisScope::Document));
    QVERIFY(finished.wait(30000));
    QCOMPARE(w.review()->finishedPageCount(), kPages);
    QCOMPARE(factory.last->layoutPages - before, kPages - kept);
  }

  void aFailingPageShowsItsReasonAndTheRestFinishes() {
    Factory factory;
    factory.setup = [](ScriptedAnalysisEngine& e) {
      e.layoutFailure = [](const QImage& page) { return pageOf(page) == 1 ? QStringLiteral("CUDA out of memory (injected)") : QString(); };
    };
    MainWindow w;
    prepare(w, factory);
    QVERIFY(w.openFile(pdf_));
    QSignalSpy failed(w.analysis(), &AnalysisController::pageFailed);
    runToEnd(w, AnalysisScope::Document);
    QVERIFY(!QApplication::activeModalWidget());
    QCOMPARE(failed.count(), 1);
    QCOMPARE(w.review()->finishedPageCount(), kPages - 1);
    const PageResult* bad = w.review()->page(1);
    QVERIFY(bad && bad->status == PageResult::Status::Failed);
    QVERIFY(bad->error.contains(QStringLiteral("CUDA out of memory (injected)")));
    QCOMPARE(w.messageBar()->kind(), ll::widgets::MessageBar::Kind::Error);
    QVERIFY(w.messageBar()->text().contains(QStringLiteral("1 failed")));
    w.pageView()->setCurrentPage(1);
    QVERIFY(w.textPane()->findChild<QLabel*>()->text().contains(QStringLiteral("CUDA out of memory")));
  }

  void modelsThatCannotLoadGiveAMessageAndNoResults() {
    MainWindow w;
    w.setJobDirectory(jobDir_->path());
    w.setEngineFactory([](const ll::pipeline::PipelineConfig&, QString* error) {
      *error = QStringLiteral("the dots.ocr model folder /nowhere does not exist");
      return ll::ui::EngineHandle{};
    });
    w.show();
    QVERIFY(w.openFile(pdf_));
    runToEnd(w, AnalysisScope::CurrentPage);
    QCOMPARE(w.messageBar()->kind(), ll::widgets::MessageBar::Kind::Error);
    QVERIFY(w.messageBar()->text().contains(QStringLiteral("could not be loaded")));
    QVERIFY(w.messageBar()->text().contains(QStringLiteral("/nowhere does not exist")));
    QVERIFY(w.messageBar()->text().contains(QStringLiteral("Preferences")));
    QVERIFY(label(w, "engineStatus").contains(QStringLiteral("could not be loaded")));
    QVERIFY(w.review()->pages().isEmpty());
    QVERIFY(!action(w, "actionExportReport")->isEnabled());

    // The shipped factory with no layout model set (the state after installing) points to Preferences.
    MainWindow real;
    real.setJobDirectory(jobDir_->path());
    real.setEngineFactory(ll::ui::createModelEngine);
    ll::pipeline::PipelineConfig config;
    config.dots_model_path.clear();
    real.applyConfig(config);
    QVERIFY(real.openFile(pdf_));
    runToEnd(real, AnalysisScope::CurrentPage);
    QCOMPARE(real.analysis()->engineState(), AnalysisController::EngineState::Failed);
    QVERIFY(real.review()->pages().isEmpty());
    QCOMPARE(real.messageBar()->kind(), ll::widgets::MessageBar::Kind::Error);
    QVERIFY2(real.messageBar()->text().contains(QStringLiteral("Preferences")), qPrintable(real.messageBar()->text()));
  }

  void reportsAndEarlierJobsOpenForReview() {
    Factory factory;
    QString reportPath;
    {
      MainWindow w;
      prepare(w, factory);
      QVERIFY(w.openFile(pdf_));
      runToEnd(w, AnalysisScope::Pages, QStringLiteral("1-2"));
      QCOMPARE(w.review()->finishedPageCount(), 2);
      reportPath = QDir(jobDir_->path()).filePath(w.analysis()->docId() + QStringLiteral("/final_report.json"));
    }
    {  // Opening the PDF again finds its job and shows the finished pages.
      MainWindow w;
      prepare(w, factory);
      QVERIFY(w.openFile(pdf_));
      QCOMPARE(w.review()->finishedPageCount(), 2);
      QVERIFY(w.messageBar()->text().contains(QStringLiteral("2 of 4 pages")));
      QCOMPARE(w.cropInspector()->count(), 2);
    }
    {  // The report opens its PDF and its results; crops resolve next to the report.
      MainWindow w;
      prepare(w, factory);
      QVERIFY(w.openResults(reportPath));
      QVERIFY(w.document());
      QCOMPARE(w.review()->finishedPageCount(), 2);
      QVERIFY(QFileInfo::exists(w.review()->cropPath(w.review()->page(0)->pictures.at(0))));
      // Resume from the window: the rest of the document, in the same job.
      runToEnd(w, AnalysisScope::Document);
      QCOMPARE(w.review()->finishedPageCount(), kPages);
    }
    MainWindow w;
    prepare(w, factory);
    QTemporaryDir other;
    const QString bogus = other.filePath(QStringLiteral("bogus.json"));
    QFile f(bogus);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"hello\": 1}");
    f.close();
    QVERIFY(!w.openResults(bogus));
    QVERIFY(w.messageBar()->text().contains(QStringLiteral("not a LayoutLens report")));
  }

 private:
  void prepare(MainWindow& w, Factory& factory) {
    w.setJobDirectory(jobDir_->path());
    w.setEngineFactory(factory.make());
    ll::pipeline::PipelineConfig config;
    config.pdf_dpi = 72;
    config.batch_size = 1;
    config.padding = 4;
    config.crop_upscale = 1.0;
    w.applyConfig(config);
    w.resize(1200, 800);
    w.show();
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
  }

  void runToEnd(MainWindow& w, AnalysisScope scope, const QString& range = QString()) {
    QSignalSpy finished(w.analysis(), &AnalysisController::runFinished);
    QVERIFY(w.analyze(scope, range));
    QVERIFY(finished.wait(30000));
    QCoreApplication::processEvents();
  }

  static QString label(const MainWindow& w, const char* name) {
    auto* l = w.findChild<QLabel*>(QLatin1String(name));
    return l ? l->text() : QStringLiteral("<no %1>").arg(QLatin1String(name));
  }
  static QAction* action(const MainWindow& w, const char* name) {
    auto* a = w.findChild<QAction*>(QLatin1String(name));
    if (!a) qFatal("no action %s", name);
    return a;
  }

  QTemporaryDir settingsDir_;
  QTemporaryDir dataDir_;
  std::unique_ptr<QTemporaryDir> jobDir_;
  QString pdf_;
};

QTEST_MAIN(ReviewWindowTest)
#include "review_window_test.moc"
