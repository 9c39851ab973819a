// The inference thread and the run it carries out (see analysis_controller.h).
#include "ui/analysis_controller.h"

#include <QHash>
#include <exception>

#include "core/pipeline/job_store.h"
#include "core/pipeline/pdf_document.h"

namespace ll::ui {

using namespace ll::pipeline;

// Only touched on the inference thread (and in the destructor, after the thread has stopped).
struct AnalysisController::Worker {
  EngineHandle handle;
  QString key;  // the settings the engine was loaded with
};

namespace {
QString engineKey(const PipelineConfig& c) {
  return QStringList{c.dots_model_path, c.gemma_model_id, c.device_map, c.torch_dtype, c.attn_impl}.join(QChar(0x1f));
}
}  // namespace

AnalysisController::AnalysisController(EngineFactory factory, QObject* parent)
    : QObject(parent), threadContext_(new QObject), worker_(std::make_unique<Worker>()), factory_(std::move(factory)) {
  thread_.setObjectName(QStringLiteral("inference"));
  threadContext_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, threadContext_, &QObject::deleteLater);
  thread_.start();
}

AnalysisController::~AnalysisController() {
  cancel();
  // Release the engine on the thread that owns it, after any run has returned.
  QMetaObject::invokeMethod(threadContext_, [this]() { worker_->handle = {}; }, Qt::BlockingQueuedConnection);
  thread_.quit();
  thread_.wait();
}

void AnalysisController::post(std::function<void()> f) { QMetaObject::invokeMethod(this, std::move(f), Qt::QueuedConnection); }

void AnalysisController::setState(EngineState state, const QString& detail, const QString& memory) {
  state_ = state;
  engineDetail_ = detail;
  memory_ = memory;
  Q_EMIT engineStateChanged(state);
}

bool AnalysisController::setEngineFactory(EngineFactory factory) {
  if (running_) return false;
  factory_ = std::move(factory);
  return unloadEngine();
}

bool AnalysisController::unloadEngine() {
  if (running_) return false;
  QMetaObject::invokeMethod(threadContext_, [this]() { worker_->handle = {}; }, Qt::BlockingQueuedConnection);
  models_.clear();
  setState(EngineState::NotLoaded, QString(), QString());
  return true;
}

bool AnalysisController::start(const Request& request, QString* error) {
  if (running_) {
    if (error) *error = tr("An analysis is already running; wait for it or cancel it first.");
    return false;
  }
  running_ = true;
  cancel_ = makeCancelFlag();
  doneAtStart_ = -1;
  failedThisRun_.clear();
  docId_.clear();
  Q_EMIT runStarted();
  const EngineFactory factory = factory_;
  const CancelFlag cancel = cancel_;
  QMetaObject::invokeMethod(threadContext_, [this, request, factory, cancel]() { runOnInferenceThread(request, factory, cancel); },
                            Qt::QueuedConnection);
  return true;
}

void AnalysisController::cancel() {
  if (cancel_) cancel_->store(true);
}

void AnalysisController::runOnInferenceThread(const Request& request, const EngineFactory& factory, const CancelFlag& cancel) {
  auto finish = [this](DocumentOutcome outcome) {
    post([this, outcome]() {
      running_ = false;
      Q_EMIT runFinished(outcome);
    });
  };
  DocumentOutcome outcome;
  outcome.sourcePath = request.pdfPath;

  // Models: load once, keep for every later run with the same model settings.
  const QString key = engineKey(request.config);
  if (!worker_->handle.engine || worker_->key != key) {
    worker_->handle = {};
    post([this]() { setState(EngineState::Loading, QString(), QString()); });
    QString error;
    EngineHandle handle;
    try {
      if (factory) handle = factory(request.config, &error);
      else error = tr("No analysis engine is configured.");
    } catch (const std::exception& e) {
      error = QString::fromUtf8(e.what());
    }
    if (!handle.engine) {
      if (error.isEmpty()) error = tr("the engine reported no reason");
      post([this, error]() { setState(EngineState::Failed, error, QString()); });
      outcome.error = tr("The models could not be loaded: %1").arg(error);
      finish(outcome);
      return;
    }
    worker_->handle = std::move(handle);
    worker_->key = key;
  }
  AnalysisEngine& engine = *worker_->handle.engine;
  auto memory = [this]() { return worker_->handle.memoryInUse ? worker_->handle.memoryInUse() : QString(); };
  {
    const QString detail = engine.describe();
    const QString mem = memory();
    const QList<ModelRecord> models = engine.models();
    post([this, detail, mem, models]() {
      models_ = models;
      setState(EngineState::Ready, detail, mem);
    });
  }

  QString error;
  auto store = JobStore::open(request.jobDir, &error);
  if (!store) {
    outcome.error = error;
    finish(outcome);
    return;
  }
  // The document's id and what earlier runs left, so the window shows them and failures can be found.
  PdfError pdfError;
  const auto doc = PdfDocument::open(request.pdfPath, request.password, &pdfError);
  if (!doc) {
    outcome.error = pdfError.message;
    finish(outcome);
    return;
  }
  const QString docId = store->addDocument(request.pdfPath, doc->pageCount(), &error);
  if (docId.isEmpty()) {
    outcome.error = error;
    finish(outcome);
    return;
  }
  QList<int> selected;
  if (!parsePageRange(request.config.page_range, doc->pageCount(), &selected, &error)) {
    outcome.error = tr("Page range: %1").arg(error);
    finish(outcome);
    return;
  }
  const QString documentDir = store->documentDir(docId);
  post([this, docId, documentDir]() {
    docId_ = docId;
    Q_EMIT jobDocumentReady(documentDir);
  });
  QSet<int> known;                 // pages finished (earlier or now): nothing more to look for
  QHash<int, int> failedAttempts;  // page -> attempts already reported as failed
  for (const PageResult& page : store->loadAllPages(docId)) {
    if (page.status == PageResult::Status::Done) {
      known.insert(page.pageIndex);
      post([this, page]() { Q_EMIT pageFinished(page); });
    } else {
      failedAttempts.insert(page.pageIndex, page.attempts);
      post([this, page]() { Q_EMIT pageFailed(page); });
    }
  }
  // The runner records a failed page in the job store and goes on; look for new failures as it reports.
  auto scanFailures = [&]() {
    for (int p : selected) {
      if (known.contains(p)) continue;
      const auto page = store->loadPage(docId, p);
      if (!page || page->status != PageResult::Status::Failed || failedAttempts.value(p) == page->attempts) continue;
      failedAttempts.insert(p, page->attempts);
      const PageResult failed = *page;
      post([this, failed]() {
        failedThisRun_.insert(failed.pageIndex);
        Q_EMIT pageFailed(failed);
      });
    }
  };

  RunnerCallbacks callbacks;
  callbacks.pageFinished = [&](const QString&, const PageResult& page) {
    known.insert(page.pageIndex);
    post([this, page]() { Q_EMIT pageFinished(page); });
  };
  callbacks.progress = [&](const RunProgress& progress) {
    scanFailures();
    const QString mem = memory();
    post([this, progress, mem]() {
      memory_ = mem;
      if (doneAtStart_ < 0) doneAtStart_ = progress.pagesDone;
      const int doneNow = progress.pagesDone - doneAtStart_ + static_cast<int>(failedThisRun_.size());
      const int remaining = std::max(0, progress.pagesTotal - progress.pagesDone - static_cast<int>(failedThisRun_.size()));
      const double eta = doneNow > 0 ? progress.elapsedSeconds / doneNow * remaining : -1;
      Q_EMIT progressChanged(progress, static_cast<int>(failedThisRun_.size()), eta);
    });
  };
  callbacks.log = [this](const QString& message) { post([this, message]() { Q_EMIT logMessage(message); }); };

  PipelineRunner runner(engine, request.config, *store, callbacks);
  try {
    outcome = runner.runDocument(request.pdfPath, request.password, cancel);
  } catch (const std::exception& e) {
    outcome.error = tr("The analysis stopped with an internal error: %1").arg(QString::fromUtf8(e.what()));
  }
  scanFailures();
  store.reset();  // release the job lock before the window hears the run is over
  const QString mem = memory();
  post([this, mem]() { memory_ = mem; });
  finish(outcome);
}

}  // namespace ll::ui
