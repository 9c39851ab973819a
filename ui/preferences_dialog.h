#pragma once
// Preferences: every PipelineConfig setting, grouped as the reference groups them (Rendering, Models,
// Generation, Crops, Output) plus Interface (UI language). Each editor's objectName is the setting's
// JSON/QSettings key, so a setting has one name everywhere. Values are checked with
// PipelineConfig::validate() on every edit: the problem is shown inline, naming the field, and OK is
// disabled until it is fixed.
#include <QDialog>
#include <QHash>

#include "core/pipeline/pipeline_config.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QDialogButtonBox;

namespace ll::ui {

class PreferencesDialog : public QDialog {
  Q_OBJECT
 public:
  explicit PreferencesDialog(const ll::pipeline::PipelineConfig& config, QWidget* parent = nullptr);

  ll::pipeline::PipelineConfig config() const;
  void setConfig(const ll::pipeline::PipelineConfig& config);

  // The current problems, one line each, starting with the field's label; empty when valid.
  QStringList problems() const { return problems_; }
  QPushButton* okButton() const;
  QPushButton* defaultsButton() const;

 private Q_SLOTS:
  void revalidate();

 private:
  QWidget* buildRendering();
  QWidget* buildModels();
  QWidget* buildGeneration();
  QWidget* buildCrops();
  QWidget* buildOutput();
  QWidget* buildInterface();
  QLineEdit* lineEdit(const char* key);
  QSpinBox* spinBox(const char* key, int min, int max);
  QCheckBox* checkBox(const char* key, const QString& text);
  QComboBox* comboBox(const char* key, const QStringList& values);
  QWidget* withBrowse(QLineEdit* edit, bool directory);
  void watch(QWidget* editor);

  QTabWidget* tabs_;
  QLabel* problemLabel_;
  QDialogButtonBox* buttons_ = nullptr;
  QHash<QString, QString> labels_;    // key -> translated label, for messages
  QHash<QString, QWidget*> editors_;  // key -> editor
  QStringList problems_;

  QSpinBox *pdfDpi_, *maxLongEdge_, *batchSize_, *baseTokens_, *extraTokens_, *padding_;
  QDoubleSpinBox* cropUpscale_;
  QLineEdit *pageRange_, *dotsPath_, *gemmaId_, *pdfPath_, *imageFolder_, *cropsDir_, *reportsDir_, *manifestName_;
  QComboBox *deviceMap_, *dtype_, *attnImpl_, *language_;
  QCheckBox *pageSummaries_, *saveManifest_, *verbose_;
};

}  // namespace ll::ui
