// The PDF review window (see main_window.h).
#include "ui/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QIcon>
#include <QLabel>
#include <QListView>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>
#include <QVBoxLayout>

#include "core/pipeline/pdf_document.h"
#include "layoutlens_version.h"
#include "resources/resources.h"
#include "ui/preferences_dialog.h"
#include "ui/recent_files.h"
#include "ui/translation_loader.h"
#include "widgets/analysis_status.h"
#include "widgets/find_bar.h"
#include "widgets/message_bar.h"
#include "widgets/page_thumbnail_model.h"
#include "widgets/pdf_page_view.h"

namespace ll::ui {

using ll::pipeline::PdfDocument;
using ll::pipeline::PdfError;
using ll::widgets::MessageBar;

namespace {
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kLastDirKey = QStringLiteral("window/lastDirectory");

// Desktop theme icons where the platform has them; the style's own icons, or the text, elsewhere.
QIcon themedIcon(const QString& name, QStyle::StandardPixmap fallback = QStyle::SP_CustomBase) {
  QIcon icon = QIcon::fromTheme(name);
  if (icon.isNull()) icon = QIcon::fromTheme(name + QStringLiteral("-symbolic"));
  if (icon.isNull() && fallback != QStyle::SP_CustomBase) icon = QApplication::style()->standardIcon(fallback);
  return icon;
}

// The platform's standard keys plus an extra one, without duplicates: the same sequence bound twice
// to one action makes Qt report it as ambiguous and ignore it.
QList<QKeySequence> withStandardKeys(const QKeySequence& extra, QKeySequence::StandardKey key) {
  QList<QKeySequence> keys{extra};
  for (const QKeySequence& k : QKeySequence::keyBindings(key))
    if (!keys.contains(k)) keys << k;
  return keys;
}
}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      passwordProvider_(dialogPasswordProvider(this)),
      pageView_(new ll::widgets::PdfPageView(this)),
      messageBar_(new MessageBar(this)),
      thumbnailModel_(new ll::widgets::PageThumbnailModel(this)) {
  setObjectName(QStringLiteral("mainWindow"));
  setWindowIcon(QIcon(ll::resources::applicationIconPath()));
  setAcceptDrops(true);

  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(messageBar_);
  createReviewDocks();  // the review model and panes; the find bar sits above the page view
  layout->addWidget(findBar_);
  layout->addWidget(pageView_, 1);
  setCentralWidget(central);

  createActions();
  createMenusAndToolBar();
  createDock();
  createStatusBar();
  createReviewMenus();
  retranslateUi();

  connect(pageView_, &ll::widgets::PdfPageView::currentPageChanged, this, [this](int page) {
    updateStatus();
    updateActions();
    syncThumbnailSelection(page);
  });
  connect(pageView_, &ll::widgets::PdfPageView::zoomChanged, this, [this]() { updateStatus(); });
  connect(pageView_, &ll::widgets::PdfPageView::renderDpiChanged, this, [this]() { updateStatus(); });
  connect(pageView_, &ll::widgets::PdfPageView::pageRenderFailed, this, [this](int page, const QString& message) {
    statusBar()->showMessage(tr("Page %1 could not be rendered: %2").arg(page + 1).arg(message), 10000);
  });

  QSettings settings;
  config_ = ll::pipeline::PipelineConfig::load(settings);
  resize(1280, 900);
  restoreGeometry(settings.value(kGeometryKey).toByteArray());
  restoreState(settings.value(kStateKey).toByteArray());
  updateActions();
  updateStatus();
  updateWindowTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions() {
  auto make = [this](const char* name, const QIcon& icon = QIcon()) {
    auto* a = new QAction(icon, QString(), this);
    a->setObjectName(QLatin1String(name));
    return a;
  };
  openAction_ = make("actionOpen", themedIcon(QStringLiteral("document-open"), QStyle::SP_DialogOpenButton));
  openAction_->setShortcut(QKeySequence::Open);
  connect(openAction_, &QAction::triggered, this, &MainWindow::openFileDialog);
  openSampleAction_ = make("actionOpenSample");
  connect(openSampleAction_, &QAction::triggered, this, &MainWindow::openSampleDrawing);
  closeAction_ = make("actionClose");
  closeAction_->setShortcut(QKeySequence::Close);
  connect(closeAction_, &QAction::triggered, this, &MainWindow::closeDocument);
  preferencesAction_ = make("actionPreferences");
  preferencesAction_->setShortcut(QKeySequence::Preferences);
  preferencesAction_->setMenuRole(QAction::PreferencesRole);
  connect(preferencesAction_, &QAction::triggered, this, &MainWindow::showPreferences);
  quitAction_ = make("actionQuit");
  quitAction_->setShortcut(QKeySequence::Quit);
  quitAction_->setMenuRole(QAction::QuitRole);
  connect(quitAction_, &QAction::triggered, this, &QWidget::close);
  clearRecentAction_ = make("actionClearRecent");
  connect(clearRecentAction_, &QAction::triggered, this, [this]() {
    QSettings settings;
    RecentFiles(settings).clear();
  });

  zoomInAction_ = make("actionZoomIn", themedIcon(QStringLiteral("zoom-in")));
  // Ctrl+= as well: on most keyboards "+" needs Shift, so Ctrl+Plus alone is awkward to type.
  zoomInAction_->setShortcuts(withStandardKeys(QKeySequence(Qt::CTRL | Qt::Key_Equal), QKeySequence::ZoomIn));
  connect(zoomInAction_, &QAction::triggered, pageView_, &ll::widgets::PdfPageView::zoomIn);
  zoomOutAction_ = make("actionZoomOut", themedIcon(QStringLiteral("zoom-out")));
  zoomOutAction_->setShortcuts(withStandardKeys(QKeySequence(Qt::CTRL | Qt::Key_Minus), QKeySequence::ZoomOut));
  connect(zoomOutAction_, &QAction::triggered, pageView_, &ll::widgets::PdfPageView::zoomOut);
  // Ctrl+0 / Ctrl+1 / Ctrl+2 as in Acrobat, which most engineers already have in their fingers.
  fitPageAction_ = make("actionFitPage", themedIcon(QStringLiteral("zoom-fit-best")));
  fitPageAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
  fitPageAction_->setCheckable(true);
  connect(fitPageAction_, &QAction::triggered, pageView_, &ll::widgets::PdfPageView::fitPage);
  actualSizeAction_ = make("actionActualSize", themedIcon(QStringLiteral("zoom-original")));
  actualSizeAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
  connect(actualSizeAction_, &QAction::triggered, pageView_, &ll::widgets::PdfPageView::actualSize);
  fitWidthAction_ = make("actionFitWidth");
  fitWidthAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
  fitWidthAction_->setCheckable(true);
  connect(fitWidthAction_, &QAction::triggered, pageView_, &ll::widgets::PdfPageView::fitWidth);

  // Page keys belong to the page view: as window-wide shortcuts they would steal Home/End from text fields.
  auto pageAction = [this, &make](const char* name, const QString& icon, QStyle::StandardPixmap fallback, Qt::Key key,
                                  void (ll::widgets::PdfPageView::*slot)()) {
    QAction* a = make(name, themedIcon(icon, fallback));
    a->setShortcut(QKeySequence(key));
    a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    pageView_->addAction(a);
    connect(a, &QAction::triggered, pageView_, slot);
    return a;
  };
  firstPageAction_ = pageAction("actionFirstPage", QStringLiteral("go-first"), QStyle::SP_MediaSkipBackward, Qt::Key_Home,
                                &ll::widgets::PdfPageView::firstPage);
  previousPageAction_ = pageAction("actionPreviousPage", QStringLiteral("go-previous"), QStyle::SP_ArrowUp, Qt::Key_PageUp,
                                   &ll::widgets::PdfPageView::previousPage);
  nextPageAction_ = pageAction("actionNextPage", QStringLiteral("go-next"), QStyle::SP_ArrowDown, Qt::Key_PageDown,
                               &ll::widgets::PdfPageView::nextPage);
  lastPageAction_ = pageAction("actionLastPage", QStringLiteral("go-last"), QStyle::SP_MediaSkipForward, Qt::Key_End,
                               &ll::widgets::PdfPageView::lastPage);
  aboutAction_ = make("actionAbout");
  aboutAction_->setMenuRole(QAction::AboutRole);
  connect(aboutAction_, &QAction::triggered, this, &MainWindow::showAbout);
  createReviewActions();
}

void MainWindow::createMenusAndToolBar() {
  fileMenu_ = menuBar()->addMenu(QString());
  fileMenu_->setObjectName(QStringLiteral("menuFile"));
  fileMenu_->addAction(openAction_);
  recentMenu_ = fileMenu_->addMenu(QString());
  recentMenu_->setObjectName(QStringLiteral("menuRecent"));
  connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
  fileMenu_->addAction(openSampleAction_);
  fileMenu_->addAction(closeAction_);
  fileMenu_->addSeparator();
  fileMenu_->addAction(preferencesAction_);
  fileMenu_->addSeparator();
  fileMenu_->addAction(quitAction_);

  viewMenu_ = menuBar()->addMenu(QString());
  viewMenu_->setObjectName(QStringLiteral("menuView"));
  viewMenu_->addAction(zoomInAction_);
  viewMenu_->addAction(zoomOutAction_);
  viewMenu_->addSeparator();
  viewMenu_->addAction(fitPageAction_);
  viewMenu_->addAction(actualSizeAction_);
  viewMenu_->addAction(fitWidthAction_);

  goMenu_ = menuBar()->addMenu(QString());
  goMenu_->setObjectName(QStringLiteral("menuGo"));
  goMenu_->addAction(firstPageAction_);
  goMenu_->addAction(previousPageAction_);
  goMenu_->addAction(nextPageAction_);
  goMenu_->addAction(lastPageAction_);

  helpMenu_ = menuBar()->addMenu(QString());
  helpMenu_->setObjectName(QStringLiteral("menuHelp"));
  helpMenu_->addAction(aboutAction_);

  toolBar_ = addToolBar(QString());
  toolBar_->setObjectName(QStringLiteral("mainToolBar"));
  toolBar_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  toolBar_->addAction(openAction_);
  toolBar_->addSeparator();
  toolBar_->addAction(previousPageAction_);
  toolBar_->addAction(nextPageAction_);
  toolBar_->addSeparator();
  toolBar_->addAction(zoomOutAction_);
  toolBar_->addAction(zoomInAction_);
  toolBar_->addAction(fitWidthAction_);
  toolBar_->addAction(fitPageAction_);
}

void MainWindow::createDock() {
  thumbnailList_ = new QListView(this);
  thumbnailList_->setObjectName(QStringLiteral("thumbnailList"));
  thumbnailList_->setModel(thumbnailModel_);
  thumbnailList_->setViewMode(QListView::IconMode);
  thumbnailList_->setFlow(QListView::TopToBottom);
  thumbnailList_->setWrapping(false);
  thumbnailList_->setMovement(QListView::Static);
  thumbnailList_->setResizeMode(QListView::Adjust);
  thumbnailList_->setUniformItemSizes(true);  // only visible rows are asked for their thumbnail
  thumbnailList_->setSpacing(6);
  thumbnailList_->setSelectionMode(QAbstractItemView::SingleSelection);
  thumbnailList_->setIconSize(thumbnailModel_->thumbnailBox());
  thumbnailList_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
  thumbnailList_->setMinimumWidth(thumbnailModel_->thumbnailBox().width() + 40);
  connect(thumbnailList_->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this](const QModelIndex& index) {
            if (!syncingSelection_ && index.isValid()) pageView_->setCurrentPage(index.row());
          });
  thumbnailDock_ = new QDockWidget(this);
  thumbnailDock_->setObjectName(QStringLiteral("thumbnailDock"));
  thumbnailDock_->setWidget(thumbnailList_);
  thumbnailDock_->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable);
  addDockWidget(Qt::LeftDockWidgetArea, thumbnailDock_);
  QAction* toggle = thumbnailDock_->toggleViewAction();
  toggle->setObjectName(QStringLiteral("actionShowThumbnails"));
  toggle->setShortcut(QKeySequence(Qt::Key_F4));
  viewMenu_->addSeparator();
  viewMenu_->addAction(toggle);
}

void MainWindow::createStatusBar() {
  auto label = [this](const char* name) {
    auto* l = new QLabel(this);
    l->setObjectName(QLatin1String(name));
    l->setContentsMargins(8, 0, 8, 0);
    statusBar()->addPermanentWidget(l);
    return l;
  };
  statusBar()->addPermanentWidget(analysisStatus_);
  pageStatus_ = label("pageStatus");
  zoomStatus_ = label("zoomStatus");
  dpiStatus_ = label("dpiStatus");
}

void MainWindow::retranslateUi() {
  fileMenu_->setTitle(tr("&File"));
  recentMenu_->setTitle(tr("Open &Recent"));
  viewMenu_->setTitle(tr("&View"));
  goMenu_->setTitle(tr("&Go"));
  helpMenu_->setTitle(tr("&Help"));
  toolBar_->setWindowTitle(tr("Main Toolbar"));
  thumbnailDock_->setWindowTitle(tr("Pages"));
  openAction_->setText(tr("&Open…"));
  openAction_->setToolTip(tr("Open a PDF (%1)").arg(openAction_->shortcut().toString(QKeySequence::NativeText)));
  openSampleAction_->setText(tr("Open &Sample Drawing"));
  closeAction_->setText(tr("&Close"));
  preferencesAction_->setText(tr("&Preferences…"));
  quitAction_->setText(tr("&Quit"));
  clearRecentAction_->setText(tr("&Clear Recent Files"));
  zoomInAction_->setText(tr("Zoom &In"));
  zoomOutAction_->setText(tr("Zoom &Out"));
  fitPageAction_->setText(tr("Fit &Page"));
  actualSizeAction_->setText(tr("&Actual Size"));
  fitWidthAction_->setText(tr("Fit &Width"));
  firstPageAction_->setText(tr("&First Page"));
  previousPageAction_->setText(tr("&Previous Page"));
  nextPageAction_->setText(tr("&Next Page"));
  lastPageAction_->setText(tr("&Last Page"));
  aboutAction_->setText(tr("&About LayoutLens"));
  thumbnailDock_->toggleViewAction()->setText(tr("Page &Thumbnails"));
  retranslateReviewUi();
  updateStatus();
  updateWindowTitle();
}

void MainWindow::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QMainWindow::changeEvent(event);
}

void MainWindow::updateActions() {
  const bool open = static_cast<bool>(document_);
  const int page = pageView_->currentPage();
  const int count = pageView_->pageCount();
  for (QAction* a : {closeAction_, zoomInAction_, zoomOutAction_, actualSizeAction_, fitWidthAction_, fitPageAction_})
    a->setEnabled(open);
  firstPageAction_->setEnabled(open && page > 0);
  previousPageAction_->setEnabled(open && page > 0);
  nextPageAction_->setEnabled(open && page + 1 < count);
  lastPageAction_->setEnabled(open && page + 1 < count);
  openSampleAction_->setEnabled(!ll::resources::sampleDrawingPath().isEmpty());
  updateReviewActions();
}

void MainWindow::updateStatus() {
  if (!pageStatus_) return;
  fitWidthAction_->setChecked(pageView_->fitMode() == ll::widgets::PdfPageView::FitMode::Width);
  fitPageAction_->setChecked(pageView_->fitMode() == ll::widgets::PdfPageView::FitMode::Page);
  if (!document_) {
    pageStatus_->setText(tr("No document"));
    zoomStatus_->clear();
    dpiStatus_->clear();
    return;
  }
  pageStatus_->setText(tr("Page %1 / %2").arg(pageView_->currentPage() + 1).arg(pageView_->pageCount()));
  zoomStatus_->setText(tr("Zoom %1 %").arg(qRound(pageView_->zoom() * 100)));
  const double dpi = pageView_->renderDpi();
  dpiStatus_->setText(dpi > 0 ? tr("Render %1 dpi").arg(qRound(dpi)) : tr("Rendering…"));
}

void MainWindow::updateWindowTitle() {
  if (!document_) {
    setWindowTitle(QStringLiteral("LayoutLens"));
    return;
  }
  const QString name = QFileInfo(document_->path()).fileName();
  const QString title = document_->title().trimmed();
  setWindowTitle(title.isEmpty() || title == name ? tr("%1 — LayoutLens").arg(name)
                                                  : tr("%1 (%2) — LayoutLens").arg(name, title));
}

void MainWindow::syncThumbnailSelection(int page) {
  if (page < 0 || page >= thumbnailModel_->rowCount()) return;
  syncingSelection_ = true;
  const QModelIndex index = thumbnailModel_->index(page);
  thumbnailList_->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
  thumbnailList_->scrollTo(index);
  syncingSelection_ = false;
}

QString MainWindow::openErrorText(const QString& fileName, const PdfError& error) const {
  switch (error.code) {
    case PdfError::NotFound: return tr("%1 does not exist. Check the path, or choose the file again with File > Open.").arg(fileName);
    case PdfError::Unreadable: return tr("%1 cannot be read. Check that you have permission to read it.").arg(fileName);
    case PdfError::NotAPdf: return tr("%1 is not a PDF file. LayoutLens opens PDF documents only.").arg(fileName);
    case PdfError::Damaged: return tr("%1 is damaged and cannot be opened. Ask for a new copy, or re-save it with another PDF tool.").arg(fileName);
    case PdfError::PasswordRequired:
    case PdfError::WrongPassword: return tr("%1 is password-protected and was not opened.").arg(fileName);
    case PdfError::NoPages: return tr("%1 has no pages to show.").arg(fileName);
    case PdfError::TooLarge: return tr("%1 is too large to open: %2").arg(fileName, error.message);
    default: return tr("%1 cannot be opened: %2").arg(fileName, error.message);
  }
}

bool MainWindow::openFile(const QString& path) {
  if (analysisRunning()) {
    messageBar_->showMessage(MessageBar::Kind::Error, tr("An analysis is running on this document. Cancel it (Analysis > Cancel) before opening another document."));
    return false;
  }
  const QString fileName = QFileInfo(path).fileName().isEmpty() ? path : QFileInfo(path).fileName();
  PdfError error;
  QApplication::setOverrideCursor(Qt::WaitCursor);
  std::shared_ptr<PdfDocument> doc = PdfDocument::open(path, QByteArray(), &error);
  QApplication::restoreOverrideCursor();
  QByteArray usedPassword;
  // Ask until the password is right or the user gives up; say so when the last one was wrong.
  while (!doc && (error.code == PdfError::PasswordRequired || error.code == PdfError::WrongPassword)) {
    const bool wrong = error.code == PdfError::WrongPassword;
    const std::optional<QByteArray> password = passwordProvider_ ? passwordProvider_(path, wrong) : std::nullopt;
    if (!password) break;
    usedPassword = *password;
    doc = PdfDocument::open(path, *password, &error);
  }
  if (!doc) {
    messageBar_->showMessage(MessageBar::Kind::Error, openErrorText(fileName, error), error.message);
    if (error.code == PdfError::NotFound) {
      QSettings settings;
      RecentFiles(settings).remove(path);
    }
    return false;
  }
  messageBar_->dismiss();
  document_ = doc;
  password_ = usedPassword;
  thumbnailModel_->setThumbnailBox(thumbnailModel_->thumbnailBox(), devicePixelRatioF());
  thumbnailModel_->setDocument(document_);
  pageView_->setDocument(document_);
  resetReview();
  loadEarlierResults();
  syncThumbnailSelection(0);
  QSettings settings;
  RecentFiles(settings).add(path);
  settings.setValue(kLastDirKey, QFileInfo(path).absolutePath());
  updateActions();
  updateStatus();
  updateWindowTitle();
  pageView_->setFocus();
  return true;
}

void MainWindow::closeDocument() {
  if (analysisRunning()) cancelAnalysis();
  document_.reset();
  password_.clear();
  pageView_->setDocument(nullptr);
  resetReview();
  thumbnailModel_->setDocument(nullptr);
  updateActions();
  updateStatus();
  updateWindowTitle();
}

void MainWindow::openFileDialog() {
  QSettings settings;
  const QString dir = settings.value(kLastDirKey, QDir::homePath()).toString();
  const QString path = QFileDialog::getOpenFileName(this, tr("Open PDF"), dir, tr("PDF documents (*.pdf);;All files (*)"));
  if (!path.isEmpty()) openFile(path);
}

void MainWindow::openSampleDrawing() {
  const QString path = ll::resources::sampleDrawingPath();
  if (path.isEmpty()) {
    messageBar_->showMessage(MessageBar::Kind::Error,
                             tr("The sample drawing was not found next to the program. Build the sample_drawing target, or reinstall LayoutLens."));
    return;
  }
  openFile(path);
}

void MainWindow::rebuildRecentMenu() {
  QSettings settings;
  RecentFiles recent(settings);
  const QStringList removed = recent.pruneMissing();
  if (!removed.isEmpty()) {
    QStringList names;
    for (const QString& f : removed) names << QFileInfo(f).fileName();
    messageBar_->showMessage(MessageBar::Kind::Info,
                             tr("Removed from the recent files because they no longer exist: %1").arg(names.join(QStringLiteral(", "))),
                             removed.join(QLatin1Char('\n')));
  }
  recentMenu_->clear();
  const QStringList files = recent.files();
  for (int i = 0; i < files.size(); ++i) {
    const QString path = files.at(i);
    // "&1".."&9" then "1&0" give every entry a keyboard accelerator.
    const QString number = i < 9 ? QStringLiteral("&%1").arg(i + 1) : QStringLiteral("1&0");
    QAction* a = recentMenu_->addAction(QStringLiteral("%1  %2").arg(number, QFileInfo(path).fileName()));
    a->setToolTip(path);
    a->setStatusTip(path);
    a->setData(path);
    connect(a, &QAction::triggered, this, [this, path]() { openFile(path); });
  }
  if (files.isEmpty()) {
    QAction* none = recentMenu_->addAction(tr("No recent files"));
    none->setEnabled(false);
  }
  recentMenu_->addSeparator();
  recentMenu_->addAction(clearRecentAction_);
  clearRecentAction_->setEnabled(!files.isEmpty());
}

void MainWindow::applyConfig(const ll::pipeline::PipelineConfig& config) {
  const bool languageChanged = config.ui_language != config_.ui_language;
  config_ = config;
  QSettings settings;
  config_.save(settings);
  if (languageChanged) {
    if (translationLoader_) translationLoader_->apply(config_.ui_language);
    else statusBar()->showMessage(tr("The new language is used from the next start."), 8000);
  }
}

void MainWindow::showPreferences() {
  PreferencesDialog dialog(config_, this);
  if (dialog.exec() == QDialog::Accepted) applyConfig(dialog.config());
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About LayoutLens"),
                     tr("<h3>LayoutLens %1</h3><p>Review technical drawings and engineering PDFs with layout and OCR "
                        "models, on your own machine.</p><p>Qt %2</p>")
                         .arg(QStringLiteral(LAYOUTLENS_VERSION), QString::fromLatin1(qVersion())));
}

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings settings;
  settings.setValue(kGeometryKey, saveGeometry());
  settings.setValue(kStateKey, saveState());
  QMainWindow::closeEvent(event);
}

QStringList MainWindow::droppedPdfs(const QMimeData* mime) {
  QStringList files;
  if (!mime || !mime->hasUrls()) return files;
  for (const QUrl& url : mime->urls()) {
    if (url.isLocalFile() && url.toLocalFile().endsWith(QStringLiteral(".pdf"), Qt::CaseInsensitive))
      files << url.toLocalFile();
  }
  return files;
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (!droppedPdfs(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QStringList files = droppedPdfs(event->mimeData());
  if (files.isEmpty()) return;
  event->acceptProposedAction();
  openFile(files.first());
  if (files.size() > 1)
    statusBar()->showMessage(tr("%n more dropped file(s) not opened: one document is shown at a time.", nullptr,
                                static_cast<int>(files.size() - 1)),
                             8000);
}

}  // namespace ll::ui
