#pragma once
// Runs the pipeline for the window without ever blocking it. One background thread is the inference
// thread: it loads the models once (on the first Analyze; again only when the model settings change),
// owns the engine for the rest of the session and runs PipelineRunner there. Everything it reports
// reaches the GUI thread as queued calls: progress with an ETA, each finished page the moment it is
// written, each failed page with its reason, and the outcome. Cancel sets the run's flag; the runner
// stops after the pages in flight and every finished page stays in the job folder and in the window.
#include <QObject>
#include <QSet>
#include <QThread>
#include <memory>

#include "core/pipeline/pipeline_runner.h"
#include "ui/analysis_engine_factory.h"

namespace ll::ui {

class AnalysisController : public QObject {
  Q_OBJECT
 public:
  enum class EngineState { NotLoaded, Loading, Ready, Failed };

  struct Request {
    QString pdfPath;
    QByteArray password;
    QString jobDir;                        // the job folder (created if needed; see JobStore)
    ll::pipeline::PipelineConfig config;   // config.page_range selects the pages ("" = all)
  };

  explicit AnalysisController(EngineFactory factory, QObject* parent = nullptr);
  ~AnalysisController() override;  // cancels a run and waits for it (the engine returns promptly)

  // Replaces the factory; a loaded engine is released. Only while idle (returns false otherwise).
  bool setEngineFactory(EngineFactory factory);
  bool isRunning() const { return running_; }
  EngineState engineState() const { return state_; }
  // The engine's describe() once loaded, or why loading failed.
  QString engineDetail() const { return engineDetail_; }
  QString memoryInUse() const { return memory_; }
  // The document id in the job folder of the current or last run (empty before the first page is known).
  QString docId() const { return docId_; }
  QList<ll::pipeline::ModelRecord> models() const { return models_; }

  // Starts a run; false with a message when one is already running.
  bool start(const Request& request, QString* error);
  void cancel();
  bool isCancelling() const { return running_ && ll::pipeline::isCancelled(cancel_); }
  // Frees the models (they load again on the next start). Only while idle.
  bool unloadEngine();

 Q_SIGNALS:
  void engineStateChanged(ll::ui::AnalysisController::EngineState state);
  void runStarted();
  // The run's document folder in the job (crops are relative to it); before any page is reported.
  void jobDocumentReady(const QString& documentDir);
  // etaSeconds < 0 while unknown. failedThisRun counts pages that failed in this run.
  void progressChanged(const ll::pipeline::RunProgress& progress, int failedThisRun, double etaSeconds);
  void pageFinished(const ll::pipeline::PageResult& page);
  void pageFailed(const ll::pipeline::PageResult& page);
  void logMessage(const QString& message);
  void runFinished(const ll::pipeline::DocumentOutcome& outcome);

 private:
  struct Worker;  // state owned by the inference thread
  void runOnInferenceThread(const Request& request, const EngineFactory& factory, const ll::pipeline::CancelFlag& cancel);
  void post(std::function<void()> f);  // onto the GUI thread
  void setState(EngineState state, const QString& detail, const QString& memory);

  QThread thread_;
  QObject* threadContext_;  // lives in thread_: queued calls to it run there
  std::unique_ptr<Worker> worker_;
  EngineFactory factory_;
  ll::pipeline::CancelFlag cancel_;
  bool running_ = false;
  EngineState state_ = EngineState::NotLoaded;
  QString engineDetail_;
  QString memory_;
  QString docId_;
  QList<ll::pipeline::ModelRecord> models_;
  int doneAtStart_ = -1;
  QSet<int> failedThisRun_;
};

}  // namespace ll::ui
