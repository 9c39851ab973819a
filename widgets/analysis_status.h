#pragma once
// The analysis state in the status bar: whether the models are loaded (and where, and how much GPU
// memory they hold), and during a run the progress over the selected pages, the stage, the time left
// and a Cancel button.
#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace ll::widgets {

class AnalysisStatus : public QWidget {
  Q_OBJECT
 public:
  explicit AnalysisStatus(QWidget* parent = nullptr);

  void setEngineText(const QString& text, bool problem);
  QString engineText() const;
  void setRunning(bool running);
  bool isRunning() const { return running_; }
  // etaSeconds < 0: not known yet (no page finished in this run).
  void setProgress(int done, int total, int failed, const QString& stage, double etaSeconds);
  QString progressText() const;
  QProgressBar* progressBar() const { return bar_; }
  QToolButton* cancelButton() const { return cancel_; }

  static QString formatEta(double seconds);

 Q_SIGNALS:
  void cancelRequested();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  QLabel* engine_;
  QProgressBar* bar_;
  QLabel* progress_;
  QToolButton* cancel_;
  bool running_ = false;
};

}  // namespace ll::widgets
