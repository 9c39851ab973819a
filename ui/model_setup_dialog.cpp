// First-start model setup: a status line per model, and folder / cache / download as the ways to fix it.
// Resolution is the same as the engine's (core/infer/hub_resolver), so "found" here means the job will
// find it too; downloads land where that resolver looks first.
#include "ui/model_setup_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/infer/hub_resolver.h"
#include "core/pipeline/hub_download.h"

namespace ll::ui {

namespace {

using ll::pipeline::HubDownloader;

// The config.json model_type each role needs.
QString expectedType(const QString& kind) { return kind == QLatin1String("layout") ? QStringLiteral("dots_ocr") : QStringLiteral("gemma3n"); }
QString objectPrefix(const QString& kind) { return kind == QLatin1String("layout") ? QStringLiteral("layoutModel") : QStringLiteral("textModel"); }

QString modelTypeIn(const QString& dir) {
  QFile f(dir + QStringLiteral("/config.json"));
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("model_type")).toString();
}

struct Resolution {
  bool found = false;
  QString text;
};

Resolution resolve(const QString& value, const QString& kind) {
  if (value.trimmed().isEmpty()) return {false, ModelSetupDialog::tr("Not set.")};
  try {
    const auto r = ll::infer::resolveModel(value.trimmed().toStdString());
    const QString dir = QDir::toNativeSeparators(QString::fromStdString(r.directory));
    const QString type = modelTypeIn(QString::fromStdString(r.directory));
    if (type != expectedType(kind))
      return {false, ModelSetupDialog::tr("%1 holds a model of type “%2”, but this needs “%3”.").arg(dir, type.isEmpty() ? QStringLiteral("?") : type, expectedType(kind))};
    if (r.revision.empty()) return {true, ModelSetupDialog::tr("Found: %1").arg(dir)};
    return {true, ModelSetupDialog::tr("Found: %1 (revision %2)").arg(dir, QString::fromStdString(r.revision).left(12))};
  } catch (const ll::infer::ModelNotFoundError& e) {
    return {false, QString::fromStdString(e.what())};
  }
}

}  // namespace

ModelSetupDialog::ModelSetupDialog(const QString& layoutModel, const QString& textModel, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Set Up Models"));
  setObjectName(QStringLiteral("modelSetupDialog"));
  roles_[0].kind = QStringLiteral("layout");
  roles_[1].kind = QStringLiteral("text");

  auto* layout = new QVBoxLayout(this);
  auto* intro = new QLabel(tr("LayoutLens needs two models on this computer: dots.ocr finds the layout of each page, and Gemma 3n "
                              "reads the text in pictures and writes the page summaries. For each one, choose the folder that holds "
                              "it, find it in the Hugging Face cache, or download it. Nothing is downloaded unless you press Download."),
                           this);
  intro->setWordWrap(true);
  layout->addWidget(intro);

  layout->addWidget(buildRole(0, tr("Layout model (dots.ocr)"), tr("rednote-hilab/dots.ocr, about 6 GB."), layoutModel));
  layout->addWidget(buildRole(1, tr("Text model (Gemma 3n)"),
                              tr("E4B is more accurate, E2B smaller and faster. Gemma is gated: accept its licence on its Hugging Face "
                                 "page with your account, then paste an access token below."),
                              textModel));

  auto* tokenRow = new QHBoxLayout;
  auto* tokenLabel = new QLabel(tr("Hugging Face access token:"), this);
  token_ = new QLineEdit(this);
  token_->setObjectName(QStringLiteral("hubToken"));
  token_->setEchoMode(QLineEdit::Password);
  token_->setPlaceholderText(tr("hf_… (only for gated models; HF_TOKEN is used when empty)"));
  tokenLabel->setBuddy(token_);
  tokenRow->addWidget(tokenLabel);
  tokenRow->addWidget(token_, 1);
  layout->addLayout(tokenRow);

  const QString cache = ll::pipeline::defaultHubCacheDir();
  auto* cacheNote = new QLabel(tr("Downloads go to the Hugging Face cache: %1").arg(QDir::toNativeSeparators(cache)), this);
  cacheNote->setObjectName(QStringLiteral("cacheNote"));
  cacheNote->setWordWrap(true);
  cacheNote->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(cacheNote);

  offlineNote_ = new QLabel(tr("HF_HUB_OFFLINE is set, so downloads are switched off. Choose a folder or find the models in the cache."), this);
  offlineNote_->setObjectName(QStringLiteral("offlineNote"));
  offlineNote_->setWordWrap(true);
  offlineNote_->setVisible(ll::pipeline::hubOfflineMode());
  layout->addWidget(offlineNote_);

  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Use These Models"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  // Closing the dialog stops running downloads; their partial files stay and the next download resumes them.
  connect(this, &QDialog::finished, this, [this] {
    for (auto& r : roles_)
      if (r.downloader) r.downloader->cancel();
  });
  layout->addWidget(buttons_);

  refresh(0);
  refresh(1);
}

ModelSetupDialog::~ModelSetupDialog() = default;

QWidget* ModelSetupDialog::buildRole(int index, const QString& title, const QString& explanation, const QString& value) {
  Role& role = roles_[index];
  const QString prefix = objectPrefix(role.kind);
  auto* box = new QGroupBox(title, this);
  auto* v = new QVBoxLayout(box);
  auto* note = new QLabel(explanation, box);
  note->setWordWrap(true);
  v->addWidget(note);

  auto* row = new QHBoxLayout;
  role.edit = new QLineEdit(value, box);
  role.edit->setObjectName(prefix);
  role.edit->setPlaceholderText(tr("Folder, Hugging Face cache folder or repo id"));
  auto* choose = new QPushButton(tr("Choose Folder…"), box);
  choose->setObjectName(prefix + QStringLiteral("ChooseFolder"));
  auto* find = new QPushButton(tr("Find in Cache"), box);
  find->setObjectName(prefix + QStringLiteral("FindInCache"));
  row->addWidget(role.edit, 1);
  row->addWidget(choose);
  row->addWidget(find);
  v->addLayout(row);

  role.status = new QLabel(box);
  role.status->setObjectName(prefix + QStringLiteral("Status"));
  role.status->setWordWrap(true);
  role.status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  v->addWidget(role.status);

  auto* downloadRow = new QHBoxLayout;
  role.downloadChoice = new QComboBox(box);
  role.downloadChoice->setObjectName(prefix + QStringLiteral("DownloadChoice"));
  for (const auto& m : ll::pipeline::knownHubModels())
    if (m.role == role.kind) role.downloadChoice->addItem(m.repoId, m.repoId);
  role.downloadButton = new QPushButton(tr("Download"), box);
  role.downloadButton->setObjectName(prefix + QStringLiteral("Download"));
  role.pauseButton = new QPushButton(tr("Pause"), box);
  role.pauseButton->setObjectName(prefix + QStringLiteral("Pause"));
  role.cancelButton = new QPushButton(tr("Stop"), box);
  role.cancelButton->setObjectName(prefix + QStringLiteral("Stop"));
  role.progress = new QProgressBar(box);
  role.progress->setObjectName(prefix + QStringLiteral("Progress"));
  role.progress->setRange(0, 1000);
  role.progress->setValue(0);
  role.progress->setTextVisible(true);
  role.progress->setFormat(QString());
  downloadRow->addWidget(role.downloadChoice);
  downloadRow->addWidget(role.downloadButton);
  downloadRow->addWidget(role.pauseButton);
  downloadRow->addWidget(role.cancelButton);
  v->addLayout(downloadRow);
  v->addWidget(role.progress);

  connect(role.edit, &QLineEdit::textChanged, this, [this, index] { refresh(index); });
  connect(choose, &QPushButton::clicked, this, [this, index] { chooseFolder(index); });
  connect(find, &QPushButton::clicked, this, [this, index] { findInCache(index); });
  connect(role.downloadButton, &QPushButton::clicked, this, [this, index] { startDownload(index); });
  connect(role.pauseButton, &QPushButton::clicked, this, [this, index] { togglePause(index); });
  connect(role.cancelButton, &QPushButton::clicked, this, [this, index] {
    if (roles_[index].downloader) roles_[index].downloader->cancel();
  });
  return box;
}

QString ModelSetupDialog::layoutModel() const { return roles_[0].edit->text().trimmed(); }
QString ModelSetupDialog::textModel() const { return roles_[1].edit->text().trimmed(); }

bool ModelSetupDialog::modelsPresent(const QString& layoutModel, const QString& textModel) {
  return resolve(layoutModel, QStringLiteral("layout")).found && resolve(textModel, QStringLiteral("text")).found;
}

void ModelSetupDialog::refresh(int index) {
  Role& role = roles_[index];
  const Resolution r = resolve(role.edit->text(), role.kind);
  role.found = r.found;
  role.status->setText(r.text);
  role.status->setStyleSheet(r.found ? QStringLiteral("color: #1b7f2a;") : QStringLiteral("color: #b3261e;"));
  updateButtons();
}

void ModelSetupDialog::chooseFolder(int index) {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose the folder that holds config.json and the weights"), roles_[index].edit->text());
  if (!dir.isEmpty()) roles_[index].edit->setText(QDir::toNativeSeparators(dir));
}

void ModelSetupDialog::findInCache(int index) {
  Role& role = roles_[index];
  for (const auto& m : ll::infer::listCachedModels()) {
    if (m.directory.empty() || modelTypeIn(QString::fromStdString(m.directory)) != expectedType(role.kind)) continue;
    role.edit->setText(QString::fromStdString(m.repoId));
    refresh(index);  // also when the text was already this repo id (no textChanged then)
    return;
  }
  QStringList places;
  for (const auto& root : ll::infer::hubCacheRoots()) places << QDir::toNativeSeparators(QString::fromStdString(root.path));
  role.found = false;
  role.status->setText(tr("No %1 model in the Hugging Face cache (searched %2). Download it, or choose its folder.")
                           .arg(expectedType(role.kind), places.isEmpty() ? tr("nothing: HF_HUB_CACHE, HF_HOME and HOME are unset") : places.join(QStringLiteral(", "))));
  role.status->setStyleSheet(QStringLiteral("color: #b3261e;"));
  updateButtons();
}

void ModelSetupDialog::startDownload(int index) {
  Role& role = roles_[index];
  if (!role.downloader) {
    role.downloader = new HubDownloader(this);
    connect(role.downloader, &HubDownloader::progress, this, [this, index](qint64 done, qint64 total, const QString& file) {
      Role& r = roles_[index];
      if (total <= 0) return;
      r.progress->setValue(static_cast<int>(done * 1000 / total));
      r.progress->setFormat(file.isEmpty() ? tr("%1 of %2").arg(ll::pipeline::formatByteSize(done), ll::pipeline::formatByteSize(total)) : tr("%1 of %2 · %3").arg(ll::pipeline::formatByteSize(done), ll::pipeline::formatByteSize(total), file));
    });
    connect(role.downloader, &HubDownloader::statusMessage, this, [this, index](const QString& message) {
      roles_[index].status->setText(message);
      roles_[index].status->setStyleSheet(QString());
    });
    connect(role.downloader, &HubDownloader::stateChanged, this, [this] { updateButtons(); });
    connect(role.downloader, &HubDownloader::finished, this, [this, index](bool ok) {
      Role& r = roles_[index];
      if (ok) {
        const QString repo = r.downloadChoice->currentData().toString();
        r.edit->setText(repo);
        refresh(index);  // also when the text was already this repo id (no textChanged then)
      } else {
        r.found = false;
        r.status->setText(r.downloader->state() == HubDownloader::State::Cancelled
                              ? tr("Download stopped. What was downloaded is kept; Download continues from there.")
                              : r.downloader->errorMessage());
        r.status->setStyleSheet(QStringLiteral("color: #b3261e;"));
      }
      updateButtons();
    });
  }
  ll::pipeline::HubDownloadRequest request;
  request.repoId = role.downloadChoice->currentData().toString();
  request.token = token_->text().trimmed();
  role.progress->setValue(0);
  role.progress->setFormat(QString());
  role.downloader->start(request);
  updateButtons();
}

void ModelSetupDialog::togglePause(int index) {
  HubDownloader* d = roles_[index].downloader;
  if (!d) return;
  if (d->state() == HubDownloader::State::Paused) d->resume();
  else d->pause();
  updateButtons();
}

void ModelSetupDialog::updateButtons() {
  const bool offline = ll::pipeline::hubOfflineMode();
  offlineNote_->setVisible(offline);
  for (auto& r : roles_) {
    const auto state = r.downloader ? r.downloader->state() : HubDownloader::State::Idle;
    const bool running = state == HubDownloader::State::Listing || state == HubDownloader::State::Downloading || state == HubDownloader::State::Paused;
    r.downloadButton->setEnabled(!offline && !running && r.downloadChoice->count() > 0);
    r.downloadChoice->setEnabled(!running);
    r.pauseButton->setEnabled(state == HubDownloader::State::Downloading || state == HubDownloader::State::Paused);
    r.pauseButton->setText(state == HubDownloader::State::Paused ? tr("Resume") : tr("Pause"));
    r.cancelButton->setEnabled(running);
    r.progress->setVisible(state != HubDownloader::State::Idle);
  }
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(roles_[0].found && roles_[1].found);
}

}  // namespace ll::ui
