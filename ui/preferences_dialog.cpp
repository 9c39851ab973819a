// The Preferences dialog over PipelineConfig (see preferences_dialog.h).
#include "ui/preferences_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStyle>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <utility>

#include "ui/translation_loader.h"

namespace ll::ui {

using ll::pipeline::PipelineConfig;

PreferencesDialog::PreferencesDialog(const PipelineConfig& config, QWidget* parent)
    : QDialog(parent), tabs_(new QTabWidget(this)), problemLabel_(new QLabel(this)) {
  setObjectName(QStringLiteral("preferencesDialog"));
  setWindowTitle(tr("Preferences"));
  tabs_->setObjectName(QStringLiteral("preferencesTabs"));
  tabs_->addTab(buildRendering(), tr("Rendering"));
  tabs_->addTab(buildModels(), tr("Models"));
  tabs_->addTab(buildGeneration(), tr("Generation"));
  tabs_->addTab(buildCrops(), tr("Crops"));
  tabs_->addTab(buildOutput(), tr("Output"));
  tabs_->addTab(buildInterface(), tr("Interface"));

  problemLabel_->setObjectName(QStringLiteral("problemLabel"));
  problemLabel_->setWordWrap(true);
  problemLabel_->setStyleSheet(QStringLiteral("QLabel { color: #a31515; }"));
  problemLabel_->hide();

  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this);
  defaultsButton()->setText(tr("Defaults"));
  defaultsButton()->setToolTip(tr("Put every setting back to its default value"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(defaultsButton(), &QPushButton::clicked, this, [this]() { setConfig(PipelineConfig()); });

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(tabs_);
  layout->addWidget(problemLabel_);
  layout->addWidget(buttons_);
  // Wide enough for all six tabs and a model path without scrolling.
  tabs_->setUsesScrollButtons(false);
  setMinimumWidth(640);
  setConfig(config);
}

QPushButton* PreferencesDialog::okButton() const { return buttons_->button(QDialogButtonBox::Ok); }
QPushButton* PreferencesDialog::defaultsButton() const { return buttons_->button(QDialogButtonBox::RestoreDefaults); }

void PreferencesDialog::watch(QWidget* editor) {
  if (auto* e = qobject_cast<QLineEdit*>(editor)) connect(e, &QLineEdit::textChanged, this, &PreferencesDialog::revalidate);
  else if (auto* s = qobject_cast<QSpinBox*>(editor)) connect(s, &QSpinBox::valueChanged, this, &PreferencesDialog::revalidate);
  else if (auto* d = qobject_cast<QDoubleSpinBox*>(editor)) connect(d, &QDoubleSpinBox::valueChanged, this, &PreferencesDialog::revalidate);
  else if (auto* c = qobject_cast<QComboBox*>(editor)) connect(c, &QComboBox::currentIndexChanged, this, &PreferencesDialog::revalidate);
  else if (auto* b = qobject_cast<QCheckBox*>(editor)) connect(b, &QCheckBox::toggled, this, &PreferencesDialog::revalidate);
}

QLineEdit* PreferencesDialog::lineEdit(const char* key) {
  auto* e = new QLineEdit(this);
  e->setObjectName(QLatin1String(key));
  editors_.insert(QLatin1String(key), e);
  watch(e);
  return e;
}

QSpinBox* PreferencesDialog::spinBox(const char* key, int min, int max) {
  auto* s = new QSpinBox(this);
  s->setObjectName(QLatin1String(key));
  s->setRange(min, max);
  s->setGroupSeparatorShown(true);
  editors_.insert(QLatin1String(key), s);
  watch(s);
  return s;
}

QCheckBox* PreferencesDialog::checkBox(const char* key, const QString& text) {
  auto* b = new QCheckBox(text, this);
  b->setObjectName(QLatin1String(key));
  editors_.insert(QLatin1String(key), b);
  watch(b);
  return b;
}

QComboBox* PreferencesDialog::comboBox(const char* key, const QStringList& values) {
  auto* c = new QComboBox(this);
  c->setObjectName(QLatin1String(key));
  for (const QString& v : values) c->addItem(v, v);
  editors_.insert(QLatin1String(key), c);
  watch(c);
  return c;
}

QWidget* PreferencesDialog::withBrowse(QLineEdit* edit, bool directory) {
  auto* box = new QWidget(this);
  auto* row = new QHBoxLayout(box);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(edit, 1);
  auto* browse = new QToolButton(box);
  browse->setObjectName(edit->objectName() + QStringLiteral("_browse"));
  browse->setText(tr("Browse…"));
  row->addWidget(browse);
  connect(browse, &QToolButton::clicked, this, [this, edit, directory]() {
    const QString chosen = directory
                               ? QFileDialog::getExistingDirectory(this, tr("Choose a Folder"), edit->text())
                               : QFileDialog::getOpenFileName(this, tr("Choose a PDF"), edit->text(), tr("PDF files (*.pdf)"));
    if (!chosen.isEmpty()) edit->setText(chosen);
  });
  return box;
}

// Each page registers the label of every key so that a validation message can name the field the
// user sees, not only the configuration key.
#define LL_ROW(form, key, label, widget)              \
  do {                                                \
    labels_.insert(QStringLiteral(key), (label));     \
    (form)->addRow((label) + QLatin1Char(':'), (widget)); \
  } while (0)

QWidget* PreferencesDialog::buildRendering() {
  auto* page = new QWidget(this);
  auto* form = new QFormLayout(page);
  pdfDpi_ = spinBox("pdf_dpi", 36, 1200);
  pdfDpi_->setSuffix(tr(" dpi"));
  pdfDpi_->setToolTip(tr("Resolution at which pages are rendered for the layout model"));
  maxLongEdge_ = spinBox("max_long_edge_px", 0, 65536);
  maxLongEdge_->setSpecialValueText(tr("Off"));
  maxLongEdge_->setSuffix(tr(" px"));
  maxLongEdge_->setToolTip(tr("Lower the DPI of large sheets so their long edge stays within this many pixels (256 or more; Off = no limit)"));
  pageRange_ = lineEdit("page_range");
  pageRange_->setPlaceholderText(tr("all pages, or e.g. 1-3,7"));
  LL_ROW(form, "pdf_dpi", tr("Render resolution"), pdfDpi_);
  LL_ROW(form, "max_long_edge_px", tr("Maximum long edge"), maxLongEdge_);
  LL_ROW(form, "page_range", tr("Page range"), pageRange_);
  return page;
}

QWidget* PreferencesDialog::buildModels() {
  auto* page = new QWidget(this);
  auto* form = new QFormLayout(page);
  dotsPath_ = lineEdit("dots_model_path");
  dotsPath_->setPlaceholderText(tr("folder, Hugging Face cache folder or repo id"));
  gemmaId_ = lineEdit("gemma_model_id");
  deviceMap_ = comboBox("device_map", PipelineConfig::deviceMapChoices());
  dtype_ = comboBox("torch_dtype", PipelineConfig::torchDtypeChoices());
  attnImpl_ = comboBox("attn_impl", PipelineConfig::attnImplChoices());
  LL_ROW(form, "dots_model_path", tr("Layout model (dots.ocr)"), withBrowse(dotsPath_, true));
  LL_ROW(form, "gemma_model_id", tr("Text model (Gemma 3n)"), gemmaId_);
  LL_ROW(form, "device_map", tr("Device"), deviceMap_);
  LL_ROW(form, "torch_dtype", tr("Precision"), dtype_);
  LL_ROW(form, "attn_impl", tr("Attention"), attnImpl_);
  return page;
}

QWidget* PreferencesDialog::buildGeneration() {
  auto* page = new QWidget(this);
  auto* form = new QFormLayout(page);
  batchSize_ = spinBox("batch_size", 1, 512);
  baseTokens_ = spinBox("base_max_new_tokens", 1, 131072);
  extraTokens_ = spinBox("extra_max_new_tokens", 0, 131072);
  extraTokens_->setToolTip(tr("Extra token budget for the retry when the layout output cannot be parsed"));
  pageSummaries_ = checkBox("page_summaries", tr("Write a summary of every page"));
  LL_ROW(form, "batch_size", tr("Batch size"), batchSize_);
  LL_ROW(form, "base_max_new_tokens", tr("Maximum new tokens"), baseTokens_);
  LL_ROW(form, "extra_max_new_tokens", tr("Extra tokens on retry"), extraTokens_);
  LL_ROW(form, "page_summaries", tr("Page summaries"), pageSummaries_);
  return page;
}

QWidget* PreferencesDialog::buildCrops() {
  auto* page = new QWidget(this);
  auto* form = new QFormLayout(page);
  padding_ = spinBox("padding", 0, 4096);
  padding_->setSuffix(tr(" px"));
  cropUpscale_ = new QDoubleSpinBox(this);
  cropUpscale_->setObjectName(QStringLiteral("crop_upscale"));
  cropUpscale_->setRange(0.1, 16.0);
  cropUpscale_->setDecimals(2);
  cropUpscale_->setSingleStep(0.25);
  cropUpscale_->setSuffix(QStringLiteral(" ×"));
  editors_.insert(QStringLiteral("crop_upscale"), cropUpscale_);
  watch(cropUpscale_);
  LL_ROW(form, "padding", tr("Padding around pictures"), padding_);
  LL_ROW(form, "crop_upscale", tr("Upscale factor"), cropUpscale_);
  return page;
}

QWidget* PreferencesDialog::buildOutput() {
  auto* page = new QWidget(this);
  auto* form = new QFormLayout(page);
  pdfPath_ = lineEdit("pdf_path");
  imageFolder_ = lineEdit("image_folder");
  cropsDir_ = lineEdit("crops_dir");
  reportsDir_ = lineEdit("reports_dir");
  saveManifest_ = checkBox("save_manifest", tr("Save a manifest of the picture regions"));
  manifestName_ = lineEdit("manifest_filename");
  verbose_ = checkBox("verbose", tr("Log every step"));
  LL_ROW(form, "pdf_path", tr("Input PDF"), withBrowse(pdfPath_, false));
  LL_ROW(form, "image_folder", tr("Input image folder"), withBrowse(imageFolder_, true));
  LL_ROW(form, "crops_dir", tr("Crops folder"), withBrowse(cropsDir_, true));
  LL_ROW(form, "reports_dir", tr("Reports folder"), withBrowse(reportsDir_, true));
  LL_ROW(form, "save_manifest", tr("Manifest"), saveManifest_);
  LL_ROW(form, "manifest_filename", tr("Manifest file name"), manifestName_);
  LL_ROW(form, "verbose", tr("Verbose"), verbose_);
  connect(saveManifest_, &QCheckBox::toggled, manifestName_, &QWidget::setEnabled);
  return page;
}

QWidget* PreferencesDialog::buildInterface() {
  auto* page = new QWidget(this);
  auto* form = new QFormLayout(page);
  language_ = new QComboBox(this);
  language_->setObjectName(QStringLiteral("ui_language"));
  for (const auto& [code, name] : TranslationLoader::choices())
    language_->addItem(code.isEmpty() ? tr("System") : name, code);
  editors_.insert(QStringLiteral("ui_language"), language_);
  watch(language_);
  LL_ROW(form, "ui_language", tr("Language"), language_);
  return page;
}

#undef LL_ROW

static void selectData(QComboBox* c, const QString& value) {
  int i = c->findData(value);
  if (i < 0) {  // a value from a newer or hand-edited configuration: keep it visible, validation names it
    c->addItem(value, value);
    i = c->count() - 1;
  }
  c->setCurrentIndex(i);
}

void PreferencesDialog::setConfig(const PipelineConfig& c) {
  const QSignalBlocker block(this);
  pdfDpi_->setValue(c.pdf_dpi);
  maxLongEdge_->setValue(c.max_long_edge_px);
  pageRange_->setText(c.page_range);
  dotsPath_->setText(c.dots_model_path);
  gemmaId_->setText(c.gemma_model_id);
  selectData(deviceMap_, c.device_map);
  selectData(dtype_, c.torch_dtype);
  selectData(attnImpl_, c.attn_impl);
  batchSize_->setValue(c.batch_size);
  baseTokens_->setValue(c.base_max_new_tokens);
  extraTokens_->setValue(c.extra_max_new_tokens);
  pageSummaries_->setChecked(c.page_summaries);
  padding_->setValue(c.padding);
  cropUpscale_->setValue(c.crop_upscale);
  pdfPath_->setText(c.pdf_path);
  imageFolder_->setText(c.image_folder);
  cropsDir_->setText(c.crops_dir);
  reportsDir_->setText(c.reports_dir);
  saveManifest_->setChecked(c.save_manifest);
  manifestName_->setText(c.manifest_filename);
  manifestName_->setEnabled(c.save_manifest);
  verbose_->setChecked(c.verbose);
  selectData(language_, c.ui_language);
  revalidate();
}

PipelineConfig PreferencesDialog::config() const {
  PipelineConfig c;
  c.pdf_dpi = pdfDpi_->value();
  c.max_long_edge_px = maxLongEdge_->value();
  c.page_range = pageRange_->text().trimmed();
  c.dots_model_path = dotsPath_->text().trimmed();
  c.gemma_model_id = gemmaId_->text().trimmed();
  c.device_map = deviceMap_->currentData().toString();
  c.torch_dtype = dtype_->currentData().toString();
  c.attn_impl = attnImpl_->currentData().toString();
  c.batch_size = batchSize_->value();
  c.base_max_new_tokens = baseTokens_->value();
  c.extra_max_new_tokens = extraTokens_->value();
  c.page_summaries = pageSummaries_->isChecked();
  c.padding = padding_->value();
  c.crop_upscale = cropUpscale_->value();
  c.pdf_path = pdfPath_->text().trimmed();
  c.image_folder = imageFolder_->text().trimmed();
  c.crops_dir = cropsDir_->text().trimmed();
  c.reports_dir = reportsDir_->text().trimmed();
  c.save_manifest = saveManifest_->isChecked();
  c.manifest_filename = manifestName_->text().trimmed();
  c.verbose = verbose_->isChecked();
  c.ui_language = language_->currentData().toString();
  return c;
}

void PreferencesDialog::revalidate() {
  problems_.clear();
  for (QWidget* w : std::as_const(editors_)) w->setStyleSheet(QString());
  for (const QString& message : config().validate()) {
    // validate() starts every message with the key ("page_range: …", "pdf_dpi is …").
    const QString key = message.section(QRegularExpression(QStringLiteral("[ :]")), 0, 0);
    const QString label = labels_.value(key, key);
    problems_ << tr("%1: %2").arg(label, message);
    if (QWidget* w = editors_.value(key)) w->setStyleSheet(QStringLiteral("border: 1px solid #d0302a;"));
  }
  problemLabel_->setText(problems_.join(QLatin1Char('\n')));
  problemLabel_->setVisible(!problems_.isEmpty());
  if (buttons_) okButton()->setEnabled(problems_.isEmpty());
}

}  // namespace ll::ui
