#pragma once
// The first-start dialog for the two models LayoutLens needs (dots.ocr for layout, Gemma 3n for text).
// For each it says whether it was found and offers three ways to get it: choose a folder, find it in the
// Hugging Face cache (core/infer/hub_resolver, no network), or download it into that cache
// (core/pipeline/hub_download) with progress, pause/resume and an access-token field for gated models.
// The network is used only when the user presses Download, and never with HF_HUB_OFFLINE=1.
#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace ll::pipeline {
class HubDownloader;
}

namespace ll::ui {

class ModelSetupDialog : public QDialog {
  Q_OBJECT
 public:
  // The current values (a folder, cache folder or repo id each); empty ones count as missing.
  ModelSetupDialog(const QString& layoutModel, const QString& textModel, QWidget* parent = nullptr);
  ~ModelSetupDialog() override;

  QString layoutModel() const;  // for PipelineConfig::dots_model_path
  QString textModel() const;    // for PipelineConfig::gemma_model_id
  bool layoutModelFound() const { return roles_[0].found; }
  bool textModelFound() const { return roles_[1].found; }

  // True when both resolve locally, so the dialog need not be shown at start.
  static bool modelsPresent(const QString& layoutModel, const QString& textModel);

 private:
  struct Role {
    QString kind;          // "layout" or "text", as in knownHubModels()
    QLineEdit* edit = nullptr;
    QLabel* status = nullptr;
    QComboBox* downloadChoice = nullptr;
    QPushButton* downloadButton = nullptr;
    QPushButton* pauseButton = nullptr;
    QPushButton* cancelButton = nullptr;
    QProgressBar* progress = nullptr;
    ll::pipeline::HubDownloader* downloader = nullptr;
    bool found = false;
  };

  QWidget* buildRole(int index, const QString& title, const QString& explanation, const QString& value);
  void refresh(int index);
  void chooseFolder(int index);
  void findInCache(int index);
  void startDownload(int index);
  void togglePause(int index);
  void updateButtons();

  Role roles_[2];
  QLineEdit* token_ = nullptr;
  QLabel* offlineNote_ = nullptr;
  QDialogButtonBox* buttons_ = nullptr;
};

}  // namespace ll::ui
