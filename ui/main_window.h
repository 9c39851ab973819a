#pragma once
// The PDF review window: page view in the centre, page thumbnails in a dock, a non-blocking message
// bar for problems, page/zoom/DPI in the status bar, and the File/View/Go/Help menus. It is the base
// that later gets layout overlays, the crop inspector and page summaries. Everything a test needs is
// reachable: actions and widgets have objectNames, the password prompt is injectable and errors go to
// the message bar instead of a modal box.
#include <QMainWindow>
#include <memory>

#include "core/pipeline/pipeline_config.h"
#include "ui/password_prompt.h"

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
}  // namespace ll::pipeline

namespace ll::widgets {
class MessageBar;
class PageThumbnailModel;
class PdfPageView;
}  // namespace ll::widgets

namespace ll::ui {

class TranslationLoader;

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

 public Q_SLOTS:
  void openFileDialog();
  void openSampleDrawing();
  void showPreferences();
  void showAbout();

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
};

}  // namespace ll::ui
