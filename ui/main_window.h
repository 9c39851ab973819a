#pragma once
// The PDF review window: page view in the centre, page thumbnails in a dock, a non-blocking message
// bar for problems, page/zoom/DPI in the status bar, and the File/View/Go/Help menus. It is the base
// that later gets layout overlays, the crop inspector and page summaries. Everything a test needs is
// reachable: actions and widgets have objectNames, the password prompt is injectable and errors go to
// the message bar instead of a modal box.
#include <QMainWindow>
#include <memory>

#include "core/pipeline/page_result.h"
#include "core/pipeline/pipeline_config.h"
#include "ui/analysis_engine_factory.h"
#include "ui/password_prompt.h"
#include "ui/review_results.h"

class QAction;
class QDockWidget;
class QLabel;
class QListView;
class QMenu;
class QMimeData;
class QToolBar;

namespace ll::pipeline {
class PdfDocument;
struct PdfError;
struct DocumentOutcome;
}  // namespace ll::pipeline

namespace ll::widgets {
class AnalysisStatus;
class CategoryLegend;
class CellTextPane;
class CropInspector;
class FindBar;
class LayoutOverlay;
class MessageBar;
class PageThumbnailModel;
class PdfPageView;
class ReviewModel;
class SummaryPane;
}  // namespace ll::widgets

namespace ll::ui {

class AnalysisController;
class TranslationLoader;

enum class AnalysisScope { Document, Pages, CurrentPage };

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a PDF, asking for a password when it is encrypted. On failure the message bar says why,
  // the previous document stays open and false is returned.
  bool openFile(const QString& path);
  void closeDocument();

  void setPasswordProvider(PasswordProvider provider) { passwordProvider_ = std::move(provider); }
  // Where a language chosen in Preferences is applied at once (without one it applies on restart).
  void setTranslationLoader(TranslationLoader* loader) { translationLoader_ = loader; }

  std::shared_ptr<const ll::pipeline::PdfDocument> document() const { return document_; }
  ll::widgets::PdfPageView* pageView() const { return pageView_; }
  ll::widgets::MessageBar* messageBar() const { return messageBar_; }
  QListView* thumbnailList() const { return thumbnailList_; }
  const ll::pipeline::PipelineConfig& config() const { return config_; }
  // Applies and stores settings as the Preferences dialog does on OK.
  void applyConfig(const ll::pipeline::PipelineConfig& config);

  // --- Analysis and review (main_window_review.cpp) ---
  // The engine used by Analyze; the app passes createModelEngine, tests a scripted engine. Only while idle.
  void setEngineFactory(EngineFactory factory);
  // The app turns this on: Analyze with a model that cannot be found first opens the model setup dialog
  // (choose a folder, find it in the Hugging Face cache, or download it). Tests with a scripted engine leave it off.
  void setModelSetupOnAnalyze(bool on) { modelSetupOnAnalyze_ = on; }
  // The job folder analyses are written to (default: <application data>/jobs); earlier results of a PDF
  // are found there when it is opened again.
  void setJobDirectory(const QString& dir) { jobDir_ = dir; }
  QString jobDirectory() const { return jobDir_; }
  // Starts analysing the open document; false (and a message in the message bar) when it cannot start.
  // pageRange is 1-based ("1-3,7") and used with AnalysisScope::Pages.
  bool analyze(AnalysisScope scope, const QString& pageRange = QString());
  // Opens a report (the pipeline's JSON) or a job's document.json with the PDF it describes.
  bool openResults(const QString& path);
  // Writes the document's results as a report in the pipeline's schema.
  bool exportReport(const QString& path, QString* error);
  // Writes a page with its visible layout boxes as a PNG at the analysis DPI.
  bool exportPageOverlay(int page, const QString& path, QString* error);

  AnalysisController* analysis() const { return analysis_; }
  ll::widgets::ReviewModel* review() const { return review_; }
  ll::widgets::LayoutOverlay* overlay() const { return overlay_; }
  ll::widgets::CellTextPane* textPane() const { return textPane_; }
  ll::widgets::CropInspector* cropInspector() const { return cropInspector_; }
  ll::widgets::SummaryPane* summaryPane() const { return summaryPane_; }
  ll::widgets::FindBar* findBar() const { return findBar_; }
  ll::widgets::CategoryLegend* legend() const { return legend_; }
  ll::widgets::AnalysisStatus* analysisStatus() const { return analysisStatus_; }

 public Q_SLOTS:
  void openFileDialog();
  void openSampleDrawing();
  void showPreferences();
  void showAbout();
  void analyzeDocument();
  void analyzePagesDialog();
  void analyzeCurrentPage();
  void cancelAnalysis();
  void openResultsDialog();
  void exportReportDialog();
  void exportOverlayDialog();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  void createActions();
  void createMenusAndToolBar();
  void createDock();
  void createStatusBar();
  void retranslateUi();
  void updateActions();
  void updateStatus();
  void updateWindowTitle();
  void rebuildRecentMenu();
  void syncThumbnailSelection(int page);
  QString openErrorText(const QString& fileName, const ll::pipeline::PdfError& error) const;
  static QStringList droppedPdfs(const QMimeData* mime);
  // main_window_review.cpp
  void createReviewActions();
  void createReviewMenus();
  void createReviewDocks();
  void retranslateReviewUi();
  void updateReviewActions();
  void resetReview();
  void loadEarlierResults();
  void showResults(const ReviewResults& results);
  void updateEngineStatus();
  void onRunFinished(const ll::pipeline::DocumentOutcome& outcome);
  bool analysisRunning() const;

  std::shared_ptr<const ll::pipeline::PdfDocument> document_;
  ll::pipeline::PipelineConfig config_;
  PasswordProvider passwordProvider_;
  TranslationLoader* translationLoader_ = nullptr;

  ll::widgets::PdfPageView* pageView_;
  ll::widgets::MessageBar* messageBar_;
  ll::widgets::PageThumbnailModel* thumbnailModel_;
  QListView* thumbnailList_ = nullptr;
  QDockWidget* thumbnailDock_ = nullptr;
  QToolBar* toolBar_ = nullptr;
  QLabel* pageStatus_ = nullptr;
  QLabel* zoomStatus_ = nullptr;
  QLabel* dpiStatus_ = nullptr;

  QMenu *fileMenu_ = nullptr, *recentMenu_ = nullptr, *viewMenu_ = nullptr, *goMenu_ = nullptr, *helpMenu_ = nullptr;
  QAction *openAction_, *openSampleAction_, *closeAction_, *preferencesAction_, *quitAction_, *clearRecentAction_;
  QAction *zoomInAction_, *zoomOutAction_, *actualSizeAction_, *fitWidthAction_, *fitPageAction_;
  QAction *firstPageAction_, *previousPageAction_, *nextPageAction_, *lastPageAction_;
  QAction* aboutAction_;
  bool syncingSelection_ = false;

  // Analysis and review.
  QByteArray password_;  // of the open document, for the pipeline's own reader
  QString jobDir_;
  bool modelSetupOnAnalyze_ = false;
  bool modelSetupShown_ = false;
  AnalysisController* analysis_ = nullptr;
  QString runPdfPath_;           // the document the running analysis belongs to
  ReviewResults resultsMeta_;    // source, models, configuration of the results shown (pages live in review_)
  ll::widgets::ReviewModel* review_ = nullptr;
  ll::widgets::LayoutOverlay* overlay_ = nullptr;
  ll::widgets::CellTextPane* textPane_ = nullptr;
  ll::widgets::CropInspector* cropInspector_ = nullptr;
  ll::widgets::SummaryPane* summaryPane_ = nullptr;
  ll::widgets::FindBar* findBar_ = nullptr;
  ll::widgets::CategoryLegend* legend_ = nullptr;
  ll::widgets::AnalysisStatus* analysisStatus_ = nullptr;
  QDockWidget *textDock_ = nullptr, *cropDock_ = nullptr, *summaryDock_ = nullptr, *legendDock_ = nullptr;
  QMenu *editMenu_ = nullptr, *analysisMenu_ = nullptr;
  QAction *openResultsAction_ = nullptr, *exportReportAction_ = nullptr, *exportOverlayAction_ = nullptr;
  QAction *findAction_ = nullptr, *findNextAction_ = nullptr, *findPreviousAction_ = nullptr;
  QAction *analyzeDocumentAction_ = nullptr, *analyzePagesAction_ = nullptr, *analyzeCurrentPageAction_ = nullptr;
  QAction *cancelAnalysisAction_ = nullptr, *unloadModelsAction_ = nullptr, *showBoxesAction_ = nullptr;
};

}  // namespace ll::ui
