// The analysis and review half of the main window: Analyze (whole document, a page range, the current
// page) on the background inference thread, results streaming into the overlay and the panes, per-page
// errors without modal boxes, Find across the extracted text, opening reports and jobs, and exporting
// the report and the page overlay. The viewing half is in main_window.cpp.
#include <QAction>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMenuBar>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolBar>

#include "core/pipeline/job_store.h"
#include "core/pipeline/pdf_document.h"
#include "layoutlens_version.h"
#include "ui/analysis_controller.h"
#include "ui/main_window.h"
#include "ui/model_setup_dialog.h"
#include "widgets/analysis_status.h"
#include "widgets/category_legend.h"
#include "widgets/cell_text_pane.h"
#include "widgets/crop_inspector.h"
#include "widgets/find_bar.h"
#include "widgets/layout_overlay.h"
#include "widgets/message_bar.h"
#include "widgets/pdf_page_view.h"
#include "widgets/review_model.h"
#include "widgets/summary_pane.h"

namespace ll::ui {

using ll::pipeline::DocumentOutcome;
using ll::pipeline::PageResult;
using ll::widgets::CellRef;
using ll::widgets::MessageBar;
using ll::widgets::ReviewModel;

namespace {
const QString kLastReportDirKey = QStringLiteral("window/lastReportDirectory");

QString defaultJobDirectory() {
  return QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)).filePath(QStringLiteral("jobs"));
}
}  // namespace

void MainWindow::createReviewDocks() {
  jobDir_ = defaultJobDirectory();
  review_ = new ReviewModel(this);
  overlay_ = new ll::widgets::LayoutOverlay(pageView_, review_, this);
  findBar_ = new ll::widgets::FindBar(review_, this);
  analysisStatus_ = new ll::widgets::AnalysisStatus(this);
  analysis_ = new AnalysisController(createModelEngine, this);

  textPane_ = new ll::widgets::CellTextPane(review_, this);
  cropInspector_ = new ll::widgets::CropInspector(review_, this);
  summaryPane_ = new ll::widgets::SummaryPane(review_, this);
  legend_ = new ll::widgets::CategoryLegend(review_, this);
  auto dock = [this](QWidget* widget, const char* name, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(this);
    d->setObjectName(QLatin1String(name));
    d->setWidget(widget);
    d->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(area, d);
    return d;
  };
  textDock_ = dock(textPane_, "textDock", Qt::RightDockWidgetArea);
  summaryDock_ = dock(summaryPane_, "summaryDock", Qt::RightDockWidgetArea);
  tabifyDockWidget(textDock_, summaryDock_);
  textDock_->raise();
  cropDock_ = dock(cropInspector_, "cropDock", Qt::RightDockWidgetArea);
  legendDock_ = dock(legend_, "legendDock", Qt::LeftDockWidgetArea);
  resizeDocks({textDock_, cropDock_}, {420, 420}, Qt::Horizontal);

  // One selection for page, text pane and crop inspector; the page view scrolls to whatever is selected.
  connect(review_, &ReviewModel::selectionChanged, this, [this](const CellRef& ref) {
    const PageResult* page = review_->page(ref.page);
    if (page && ref.isValid()) pageView_->ensurePageRectVisible(ref.page, ReviewModel::cellRectPoints(*page, ref.cell));
  });
  connect(cropInspector_, &ll::widgets::CropInspector::cropActivated, pageView_, &ll::widgets::PdfPageView::ensurePageRectVisible);
  connect(findBar_, &ll::widgets::FindBar::matchActivated, this, [this](int page, int cell) {
    if (cell < 0) pageView_->setCurrentPage(page);
  });
  connect(pageView_, &ll::widgets::PdfPageView::currentPageChanged, textPane_, &ll::widgets::CellTextPane::setPage);
  connect(pageView_, &ll::widgets::PdfPageView::currentPageChanged, summaryPane_, &ll::widgets::SummaryPane::setPage);

  connect(analysisStatus_, &ll::widgets::AnalysisStatus::cancelRequested, this, &MainWindow::cancelAnalysis);
  connect(analysis_, &AnalysisController::engineStateChanged, this, &MainWindow::updateEngineStatus);
  connect(analysis_, &AnalysisController::runStarted, this, [this]() {
    analysisStatus_->setRunning(true);
    updateActions();
  });
  connect(analysis_, &AnalysisController::progressChanged, this,
          [this](const ll::pipeline::RunProgress& p, int failed, double eta) {
            analysisStatus_->setProgress(p.pagesDone, p.pagesTotal, failed, p.stage, eta);
            updateEngineStatus();
          });
  auto fromThisRun = [this]() { return document_ && runPdfPath_ == document_->path(); };
  connect(analysis_, &AnalysisController::pageFinished, this, [this, fromThisRun](const PageResult& page) {
    if (fromThisRun()) review_->setPageResult(page);
  });
  connect(analysis_, &AnalysisController::pageFailed, this, [this, fromThisRun](const PageResult& page) {
    if (!fromThisRun()) return;
    review_->setPageResult(page);
    statusBar()->showMessage(tr("Page %1 failed: %2").arg(page.pageIndex + 1).arg(page.error), 10000);
  });
  connect(analysis_, &AnalysisController::logMessage, this, [this](const QString& m) {
    if (config_.verbose) statusBar()->showMessage(m, 5000);
  });
  connect(analysis_, &AnalysisController::jobDocumentReady, this, [this, fromThisRun](const QString& documentDir) {
    if (!fromThisRun()) return;
    resultsMeta_.resultsDir = documentDir;
    review_->setResultsDir(documentDir);
  });
  connect(analysis_, &AnalysisController::runFinished, this, &MainWindow::onRunFinished);
  updateEngineStatus();
}

void MainWindow::createReviewActions() {
  auto make = [this](const char* name) {
    auto* a = new QAction(this);
    a->setObjectName(QLatin1String(name));
    return a;
  };
  openResultsAction_ = make("actionOpenResults");
  connect(openResultsAction_, &QAction::triggered, this, &MainWindow::openResultsDialog);
  exportReportAction_ = make("actionExportReport");
  exportReportAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  connect(exportReportAction_, &QAction::triggered, this, &MainWindow::exportReportDialog);
  exportOverlayAction_ = make("actionExportOverlay");
  connect(exportOverlayAction_, &QAction::triggered, this, &MainWindow::exportOverlayDialog);

  findAction_ = make("actionFind");
  findAction_->setShortcut(QKeySequence::Find);
  connect(findAction_, &QAction::triggered, findBar_, &ll::widgets::FindBar::activate);
  findNextAction_ = make("actionFindNext");
  findNextAction_->setShortcuts(QKeySequence::FindNext);
  connect(findNextAction_, &QAction::triggered, findBar_, &ll::widgets::FindBar::findNext);
  findPreviousAction_ = make("actionFindPrevious");
  findPreviousAction_->setShortcuts(QKeySequence::FindPrevious);
  connect(findPreviousAction_, &QAction::triggered, findBar_, &ll::widgets::FindBar::findPrevious);

  analyzeDocumentAction_ = make("actionAnalyzeDocument");
  analyzeDocumentAction_->setIcon(QIcon::fromTheme(QStringLiteral("media-playback-start")));
  analyzeDocumentAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  connect(analyzeDocumentAction_, &QAction::triggered, this, &MainWindow::analyzeDocument);
  analyzePagesAction_ = make("actionAnalyzePages");
  connect(analyzePagesAction_, &QAction::triggered, this, &MainWindow::analyzePagesDialog);
  analyzeCurrentPageAction_ = make("actionAnalyzeCurrentPage");
  analyzeCurrentPageAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
  connect(analyzeCurrentPageAction_, &QAction::triggered, this, &MainWindow::analyzeCurrentPage);
  cancelAnalysisAction_ = make("actionCancelAnalysis");
  cancelAnalysisAction_->setIcon(QIcon::fromTheme(QStringLiteral("process-stop")));
  connect(cancelAnalysisAction_, &QAction::triggered, this, &MainWindow::cancelAnalysis);
  unloadModelsAction_ = make("actionUnloadModels");
  connect(unloadModelsAction_, &QAction::triggered, this, [this]() { analysis_->unloadEngine(); });
  showBoxesAction_ = make("actionShowLayoutBoxes");
  showBoxesAction_->setCheckable(true);
  showBoxesAction_->setChecked(true);
  showBoxesAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
  connect(showBoxesAction_, &QAction::toggled, this, [this](bool on) { pageView_->setOverlay(on ? overlay_ : nullptr); });
}

void MainWindow::createReviewMenus() {
  // File: reports next to Open, exports before Preferences.
  fileMenu_->insertAction(openSampleAction_, openResultsAction_);
  fileMenu_->insertSeparator(preferencesAction_);
  fileMenu_->insertAction(preferencesAction_, exportReportAction_);
  fileMenu_->insertAction(preferencesAction_, exportOverlayAction_);
  fileMenu_->insertSeparator(preferencesAction_);

  editMenu_ = new QMenu(this);
  editMenu_->setObjectName(QStringLiteral("menuEdit"));
  editMenu_->addAction(findAction_);
  editMenu_->addAction(findNextAction_);
  editMenu_->addAction(findPreviousAction_);
  menuBar()->insertMenu(viewMenu_->menuAction(), editMenu_);

  viewMenu_->addSeparator();
  viewMenu_->addAction(showBoxesAction_);
  for (QDockWidget* d : {textDock_, summaryDock_, cropDock_, legendDock_}) viewMenu_->addAction(d->toggleViewAction());

  analysisMenu_ = new QMenu(this);
  analysisMenu_->setObjectName(QStringLiteral("menuAnalysis"));
  analysisMenu_->addAction(analyzeDocumentAction_);
  analysisMenu_->addAction(analyzePagesAction_);
  analysisMenu_->addAction(analyzeCurrentPageAction_);
  analysisMenu_->addAction(cancelAnalysisAction_);
  analysisMenu_->addSeparator();
  analysisMenu_->addAction(unloadModelsAction_);
  menuBar()->insertMenu(helpMenu_->menuAction(), analysisMenu_);

  splitDockWidget(thumbnailDock_, legendDock_, Qt::Vertical);  // legend under the page thumbnails

  toolBar_->addSeparator();
  toolBar_->addAction(analyzeDocumentAction_);
  toolBar_->addAction(cancelAnalysisAction_);
}

void MainWindow::retranslateReviewUi() {
  editMenu_->setTitle(tr("&Edit"));
  analysisMenu_->setTitle(tr("&Analysis"));
  textDock_->setWindowTitle(tr("Text"));
  summaryDock_->setWindowTitle(tr("Summary"));
  cropDock_->setWindowTitle(tr("Picture Crops"));
  legendDock_->setWindowTitle(tr("Layout Legend"));
  openResultsAction_->setText(tr("Open Report or &Job…"));
  openResultsAction_->setToolTip(tr("Review the results of an earlier analysis (a report JSON or a job's document.json)"));
  exportReportAction_->setText(tr("&Export Report…"));
  exportOverlayAction_->setText(tr("Export Page &Overlay as PNG…"));
  findAction_->setText(tr("&Find…"));
  findNextAction_->setText(tr("Find &Next"));
  findPreviousAction_->setText(tr("Find &Previous"));
  analyzeDocumentAction_->setText(tr("&Analyze Document"));
  analyzeDocumentAction_->setToolTip(tr("Find the layout, read the pictures and summarise every page (%1); pages done earlier are kept")
                                         .arg(analyzeDocumentAction_->shortcut().toString(QKeySequence::NativeText)));
  analyzePagesAction_->setText(tr("Analyze &Pages…"));
  analyzeCurrentPageAction_->setText(tr("Analyze &Current Page"));
  cancelAnalysisAction_->setText(tr("&Cancel Analysis"));
  cancelAnalysisAction_->setToolTip(tr("Stop the analysis; pages already finished are kept"));
  unloadModelsAction_->setText(tr("&Unload Models"));
  showBoxesAction_->setText(tr("Layout &Boxes"));
  updateEngineStatus();
}

bool MainWindow::analysisRunning() const { return analysis_ && analysis_->isRunning(); }

void MainWindow::updateReviewActions() {
  const bool open = static_cast<bool>(document_);
  const bool running = analysisRunning();
  for (QAction* a : {analyzeDocumentAction_, analyzePagesAction_, analyzeCurrentPageAction_}) a->setEnabled(open && !running);
  cancelAnalysisAction_->setEnabled(running && !analysis_->isCancelling());
  unloadModelsAction_->setEnabled(!running && analysis_->engineState() == AnalysisController::EngineState::Ready);
  const bool hasResults = open && !review_->pages().isEmpty();
  exportReportAction_->setEnabled(hasResults);
  exportOverlayAction_->setEnabled(open);
  openResultsAction_->setEnabled(!running);
  for (QAction* a : {findAction_, findNextAction_, findPreviousAction_}) a->setEnabled(open);
}

void MainWindow::updateEngineStatus() {
  if (!analysisStatus_ || !analysis_) return;
  QString text;
  bool problem = false;
  switch (analysis_->engineState()) {
    case AnalysisController::EngineState::NotLoaded: text = tr("Models not loaded (they load when you press Analyze)"); break;
    case AnalysisController::EngineState::Loading: text = tr("Loading models…"); break;
    case AnalysisController::EngineState::Ready:
      text = analysis_->memoryInUse().isEmpty() ? tr("Models ready: %1").arg(analysis_->engineDetail())
                                                : tr("Models ready: %1 · %2 in use").arg(analysis_->engineDetail(), analysis_->memoryInUse());
      break;
    case AnalysisController::EngineState::Failed:
      text = tr("Models could not be loaded");
      problem = true;
      break;
  }
  analysisStatus_->setEngineText(text, problem);
  analysisStatus_->setToolTip(analysis_->engineDetail());
  if (unloadModelsAction_) updateReviewActions();
}

void MainWindow::setEngineFactory(EngineFactory factory) { analysis_->setEngineFactory(std::move(factory)); }

void MainWindow::resetReview() {
  review_->reset(document_ ? document_->pageCount() : 0);
  resultsMeta_ = {};
  if (document_) {
    resultsMeta_.sourcePath = QFileInfo(document_->path()).absoluteFilePath();
    resultsMeta_.pageCount = document_->pageCount();
  }
  textPane_->setPage(pageView_->currentPage());
  summaryPane_->setPage(pageView_->currentPage());
  updateActions();
}

void MainWindow::showResults(const ReviewResults& results) {
  const QString source = resultsMeta_.sourcePath;
  resultsMeta_ = results;
  resultsMeta_.pages.clear();  // the review model holds the pages
  if (resultsMeta_.sourcePath.isEmpty()) resultsMeta_.sourcePath = source;
  review_->setResultsDir(results.resultsDir);
  for (const PageResult& page : results.pages) review_->setPageResult(page);
  updateActions();
}

void MainWindow::loadEarlierResults() {
  QString error;
  const QString sha = ll::pipeline::JobStore::sha256OfFile(document_->path(), &error);
  resultsMeta_.sha256 = sha;
  const QString docDir = ll::ui::findJobDocument(jobDir_, sha);
  if (docDir.isEmpty()) return;
  ReviewResults results;
  if (!loadJobDocument(docDir, &results, &error)) return;
  results.sourcePath = resultsMeta_.sourcePath;  // the file as opened now (it may have moved since)
  showResults(results);
  const int done = review_->finishedPageCount();
  const int failed = review_->failedPageCount();
  if (done + failed == 0) return;
  QString text = tr("Results of an earlier analysis are shown: %1 of %2 pages done.").arg(done).arg(document_->pageCount());
  if (failed > 0) text += QLatin1Char(' ') + tr("%n page(s) failed.", nullptr, failed);
  if (done < document_->pageCount()) text += QLatin1Char(' ') + tr("Analyze continues with the remaining pages.");
  messageBar_->showMessage(MessageBar::Kind::Info, text, QDir::toNativeSeparators(docDir));
}

bool MainWindow::analyze(AnalysisScope scope, const QString& pageRange) {
  if (!document_) {
    messageBar_->showMessage(MessageBar::Kind::Error, tr("Open a PDF first (File > Open), then analyse it."));
    return false;
  }
  if (analysisRunning()) {
    messageBar_->showMessage(MessageBar::Kind::Error, tr("An analysis is already running; wait for it or cancel it first."));
    return false;
  }
  // Once per session (or whenever no layout model is set): a user who runs layout only, without Gemma, is not
  // asked again on every Analyze.
  if (modelSetupOnAnalyze_ && (!modelSetupShown_ || config_.dots_model_path.trimmed().isEmpty()) &&
      !ModelSetupDialog::modelsPresent(config_.dots_model_path, config_.gemma_model_id)) {
    modelSetupShown_ = true;
    ModelSetupDialog setup(config_.dots_model_path, config_.gemma_model_id, this);
    if (setup.exec() != QDialog::Accepted) return false;
    ll::pipeline::PipelineConfig updated = config_;
    updated.dots_model_path = setup.layoutModel();
    updated.gemma_model_id = setup.textModel();
    applyConfig(updated);
  }
  ll::pipeline::PipelineConfig config = config_;
  switch (scope) {
    case AnalysisScope::Document: config.page_range.clear(); break;
    case AnalysisScope::CurrentPage: config.page_range = QString::number(std::max(0, pageView_->currentPage()) + 1); break;
    case AnalysisScope::Pages: {
      QList<int> pages;
      QString error;
      if (!ll::pipeline::parsePageRange(pageRange.trimmed(), document_->pageCount(), &pages, &error) || pageRange.trimmed().isEmpty()) {
        messageBar_->showMessage(MessageBar::Kind::Error,
                                 tr("The page range \"%1\" cannot be used: %2. Write pages like 1-3,7 (this document has %3 pages).")
                                     .arg(pageRange, error.isEmpty() ? tr("it is empty") : error)
                                     .arg(document_->pageCount()));
        return false;
      }
      config.page_range = pageRange.trimmed();
      break;
    }
  }
  const QStringList problems = config.validate();
  if (!problems.isEmpty()) {
    messageBar_->showMessage(MessageBar::Kind::Error, tr("The settings cannot be used for an analysis: %1 Fix them in Preferences.").arg(problems.first()),
                             problems.join(QLatin1Char('\n')));
    return false;
  }
  AnalysisController::Request request;
  request.pdfPath = QFileInfo(document_->path()).absoluteFilePath();
  request.password = password_;
  request.jobDir = resultsMeta_.jobDir.isEmpty() ? jobDir_ : resultsMeta_.jobDir;
  request.config = config;
  runPdfPath_ = document_->path();
  QString error;
  if (!analysis_->start(request, &error)) {
    messageBar_->showMessage(MessageBar::Kind::Error, error);
    return false;
  }
  messageBar_->dismiss();
  resultsMeta_.jobDir = request.jobDir;
  resultsMeta_.config = config.toJson();
  return true;
}

void MainWindow::analyzeDocument() { analyze(AnalysisScope::Document); }
void MainWindow::analyzeCurrentPage() { analyze(AnalysisScope::CurrentPage); }

void MainWindow::analyzePagesDialog() {
  if (!document_) return;
  bool ok = false;
  const QString range = QInputDialog::getText(this, tr("Analyze Pages"),
                                              tr("Pages to analyse (1–%1), e.g. 1-3,7:").arg(document_->pageCount()),
                                              QLineEdit::Normal, QStringLiteral("1-%1").arg(document_->pageCount()), &ok);
  if (ok) analyze(AnalysisScope::Pages, range);
}

void MainWindow::cancelAnalysis() {
  if (!analysisRunning()) return;
  analysis_->cancel();
  statusBar()->showMessage(tr("Cancelling: the pages in progress finish their current step; finished pages are kept."), 8000);
  updateActions();
}

void MainWindow::onRunFinished(const DocumentOutcome& outcome) {
  analysisStatus_->setRunning(false);
  updateActions();
  updateEngineStatus();
  const bool forShownDocument = document_ && runPdfPath_ == document_->path();
  runPdfPath_.clear();
  if (!outcome.error.isEmpty()) {
    QString text = outcome.error;
    if (analysis_->engineState() == AnalysisController::EngineState::Failed)
      text += QLatin1Char(' ') + tr("Check the dots.ocr model folder and the Gemma model in Preferences, then press Analyze again.");
    messageBar_->showMessage(MessageBar::Kind::Error, text, analysis_->engineDetail());
    return;
  }
  if (!forShownDocument) return;
  // Remember where the results live (crops, report) and what produced them, for the export.
  ll::ui::ReviewResults meta = resultsMeta_;
  if (!outcome.reportPath.isEmpty()) {
    ReviewResults fromReport;
    QString error;
    if (loadReviewResults(outcome.reportPath, &fromReport, &error)) {
      meta.models = fromReport.models;
      meta.config = fromReport.config;
      meta.sha256 = fromReport.sha256;
      meta.createdUtc = fromReport.createdUtc;
      meta.generator = fromReport.generator;
      meta.resultsDir = fromReport.resultsDir;
    }
  }
  resultsMeta_ = meta;
  review_->setResultsDir(meta.resultsDir);
  const int failed = review_->failedPageCount();
  if (outcome.cancelled) {
    messageBar_->showMessage(MessageBar::Kind::Info,
                             tr("Analysis cancelled. %n finished page(s) are kept; Analyze continues with the rest.", nullptr,
                                review_->finishedPageCount()));
  } else if (failed > 0) {
    messageBar_->showMessage(MessageBar::Kind::Error,
                             tr("Analysis finished: %1 page(s) done, %2 failed (the reason is shown on each failed page). Analyze again to retry them.")
                                 .arg(review_->finishedPageCount())
                                 .arg(failed));
  } else {
    messageBar_->showMessage(MessageBar::Kind::Info,
                             tr("Analysis finished: %1 of %2 pages have results. File > Export Report saves them.")
                                 .arg(review_->finishedPageCount())
                                 .arg(document_->pageCount()));
  }
  updateActions();
}

bool MainWindow::openResults(const QString& path) {
  if (analysisRunning()) {
    messageBar_->showMessage(MessageBar::Kind::Error, tr("An analysis is running. Cancel it before opening other results."));
    return false;
  }
  ReviewResults results;
  QString error;
  if (!loadReviewResults(path, &results, &error)) {
    messageBar_->showMessage(MessageBar::Kind::Error, error);
    return false;
  }
  if (!QFileInfo::exists(results.sourcePath)) {
    messageBar_->showMessage(MessageBar::Kind::Error,
                             tr("The PDF these results belong to is not at %1 any more. Open the PDF from its new place; its earlier results are found again.")
                                 .arg(QDir::toNativeSeparators(results.sourcePath)));
    return false;
  }
  if (!openFile(results.sourcePath)) return false;
  if (!resultsMeta_.sha256.isEmpty() && !results.sha256.isEmpty() && resultsMeta_.sha256 != results.sha256) {
    messageBar_->showMessage(MessageBar::Kind::Error,
                             tr("%1 has changed since it was analysed (its checksum differs), so the results are not shown. Analyze it again.")
                                 .arg(QFileInfo(results.sourcePath).fileName()));
    return false;
  }
  resetReview();
  results.sha256 = results.sha256.isEmpty() ? resultsMeta_.sha256 : results.sha256;
  showResults(results);
  QString text = tr("Showing %1 analysed page(s) from %2.").arg(review_->pages().size()).arg(QDir::toNativeSeparators(path));
  if (!results.problems.isEmpty()) text += QLatin1Char(' ') + tr("%n page(s) could not be read.", nullptr, static_cast<int>(results.problems.size()));
  messageBar_->showMessage(results.problems.isEmpty() ? MessageBar::Kind::Info : MessageBar::Kind::Error, text, results.problems.join(QLatin1Char('\n')));
  QSettings().setValue(kLastReportDirKey, QFileInfo(path).absolutePath());
  return true;
}

void MainWindow::openResultsDialog() {
  QSettings settings;
  const QString dir = settings.value(kLastReportDirKey, jobDir_).toString();
  const QString path = QFileDialog::getOpenFileName(this, tr("Open Report or Job"), dir,
                                                    tr("LayoutLens reports and jobs (*.json);;All files (*)"));
  if (!path.isEmpty()) openResults(path);
}

bool MainWindow::exportReport(const QString& path, QString* error) {
  if (!document_ || review_->pages().isEmpty()) {
    if (error) *error = tr("There are no results to export yet: analyse the document or open a report first.");
    return false;
  }
  ReviewResults results = resultsMeta_;
  results.pages = review_->pages();
  if (results.createdUtc.isEmpty()) results.createdUtc = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
  if (results.generator.isEmpty()) results.generator = QStringLiteral(LAYOUTLENS_NAME " " LAYOUTLENS_VERSION);
  if (results.models.isEmpty()) results.models = analysis_->models();
  return writeReport(path, toReport(results), error);
}

void MainWindow::exportReportDialog() {
  if (!document_) return;
  QSettings settings;
  const QString dir = settings.value(kLastReportDirKey, QFileInfo(document_->path()).absolutePath()).toString();
  const QString suggested = QDir(dir).filePath(QFileInfo(document_->path()).completeBaseName() + QStringLiteral("_report.json"));
  const QString path = QFileDialog::getSaveFileName(this, tr("Export Report"), suggested, tr("JSON report (*.json)"));
  if (path.isEmpty()) return;
  QString error;
  if (exportReport(path, &error)) {
    settings.setValue(kLastReportDirKey, QFileInfo(path).absolutePath());
    statusBar()->showMessage(tr("Report saved to %1").arg(QDir::toNativeSeparators(path)), 8000);
  } else {
    messageBar_->showMessage(MessageBar::Kind::Error, tr("The report was not saved: %1").arg(error));
  }
}

bool MainWindow::exportPageOverlay(int page, const QString& path, QString* error) {
  const QImage image = overlay_->renderPageWithOverlay(page, config_.pdf_dpi, error);
  if (image.isNull()) return false;
  if (!image.save(path, "PNG")) {
    if (error) *error = tr("%1 cannot be written; check the folder and the free space.").arg(QDir::toNativeSeparators(path));
    return false;
  }
  return true;
}

void MainWindow::exportOverlayDialog() {
  if (!document_) return;
  const int page = std::max(0, pageView_->currentPage());
  QSettings settings;
  const QString dir = settings.value(kLastReportDirKey, QFileInfo(document_->path()).absolutePath()).toString();
  const QString suggested =
      QDir(dir).filePath(QStringLiteral("%1_page%2_layout.png").arg(QFileInfo(document_->path()).completeBaseName()).arg(page + 1));
  const QString path = QFileDialog::getSaveFileName(this, tr("Export Page Overlay"), suggested, tr("PNG image (*.png)"));
  if (path.isEmpty()) return;
  QString error;
  if (exportPageOverlay(page, path, &error)) statusBar()->showMessage(tr("Page %1 with its layout boxes saved to %2").arg(page + 1).arg(QDir::toNativeSeparators(path)), 8000);
  else messageBar_->showMessage(MessageBar::Kind::Error, tr("The overlay was not saved: %1").arg(error));
}

}  // namespace ll::ui
