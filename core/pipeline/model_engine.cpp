// ModelEngine: dots.ocr (+ Gemma 3n) behind AnalysisEngine, on one inference thread that owns the models.
// Why one thread: CUDA work from several threads on one GPU only interleaves and multiplies memory peaks;
// a single owner also lets the GUI and the CLI share the same engine without locking the models.
#include "core/pipeline/model_engine.h"

#include "core/infer/device_memory.h"

#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "core/infer/cuda_stream.h"
#include "core/infer/generation/generation_request.h"
#include "core/infer/runtime_options.h"
#include "core/models/dots_ocr/layout_generator.h"
#include "core/pipeline/vision_language_backend.h"

namespace ll::pipeline {
namespace {

// A single worker thread with a FIFO of tasks. post() returns a future the caller waits on.
class InferenceThread {
 public:
  InferenceThread() : thread_([this] { loop(); }) {}
  ~InferenceThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  template <typename F>
  auto post(F f) -> std::future<decltype(f())> {
    auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
    auto future = task->get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      tasks_.emplace_back([task] { (*task)(); });
    }
    cv_.notify_one();
    return future;
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
        if (tasks_.empty()) return;  // stop_ and nothing left
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the queue exists
};

// Runs generate(token) on the inference thread and waits, forwarding the pipeline's cancel flag to the
// generators' token so a cancel stops generation at the next step instead of after the whole batch. A throw
// (a bug or a broken model, not a per-request failure) becomes `*failure` and an empty result.
template <typename Generate>
auto generateOnThread(InferenceThread& thread, const CancelFlag& cancel, const QString& what, Generate generate,
                      QString* failure) -> decltype(generate(std::shared_ptr<infer::CancellationToken>())) {
  auto token = std::make_shared<infer::CancellationToken>();
  if (isCancelled(cancel)) token->cancel();
  auto future = thread.post([&generate, token] { return generate(token); });
  try {
    while (future.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
      if (isCancelled(cancel)) token->cancel();
    return future.get();
  } catch (const std::exception& e) {
    *failure = QStringLiteral("%1 failed: %2").arg(what, QString::fromUtf8(e.what()));
    return {};
  }
}

QString modelTypeOf(const std::string& directory) {
  QFile f(QString::fromStdString(directory) + "/config.json");
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object().value("model_type").toString();
}

ModelRecord recordFor(const QString& role, const infer::ResolvedModel& r) {
  return {role, QString::fromStdString(r.directory), modelTypeOf(r.directory), QString::fromStdString(r.revision)};
}

// One answer per job, in job order: the whole call's failure, "no answer" when the generator returned fewer
// results, or the result's error (a cancelled one says so), token count and time, plus what fill() takes from it.
template <typename Answer, typename Job, typename Result, typename Fill>
QList<Answer> answersFor(const QList<Job>& jobs, const std::vector<Result>& results, const QString& failure,
                         const QString& noAnswer, Fill fill) {
  QList<Answer> out;
  for (int i = 0; i < jobs.size(); ++i) {
    Answer a;
    a.key = jobs[i].key;
    if (!failure.isEmpty() || static_cast<size_t>(i) >= results.size()) {
      a.error = failure.isEmpty() ? noAnswer : failure;
    } else {
      const Result& r = results[static_cast<size_t>(i)];
      fill(a, r);
      a.error = QString::fromStdString(r.error);
      if (a.error.isEmpty() && r.finishReason == "cancelled") a.error = QStringLiteral("cancelled");
      a.generatedTokens = static_cast<int>(r.generatedTokens);
      a.seconds = r.seconds;
    }
    out.append(a);
  }
  return out;
}

QImage asRgb888(const QImage& image) {
  return image.format() == QImage::Format_RGB888 ? image : image.convertToFormat(QImage::Format_RGB888);
}

}  // namespace

ModelEngineSettings ModelEngineSettings::fromConfig(const PipelineConfig& c) {
  ModelEngineSettings s;
  s.dotsModel = c.dots_model_path;
  s.gemmaModel = c.gemma_model_id;
  s.device = c.device_map;
  s.dtype = c.torch_dtype;
  s.attnImpl = c.attn_impl;
  s.maxBatch = std::max(1, c.batch_size);
  return s;
}

struct ModelEngine::Impl {
  ModelEngineSettings settings;
  VlmRuntime runtime;
  std::unique_ptr<models::dots_ocr::DotsLayoutGenerator> dots;
  std::unique_ptr<VisionLanguageBackend> gemma;
  QList<ModelRecord> records;
  QString description;
  QString visionUnavailable;
  InferenceThread thread;  // last member: destroyed first, so no task outlives the models
};

ModelEngine::ModelEngine(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}

ModelEngine::~ModelEngine() {
  // The models must be freed on the thread that created them (CUDA caching allocator, thread-local state).
  auto done = d->thread.post([this] {
    d->gemma.reset();
    d->dots.reset();
  });
  done.wait();
}

std::unique_ptr<ModelEngine> ModelEngine::load(const ModelEngineSettings& settings, const std::function<void(const QString&)>& log) {
  auto impl = std::make_unique<Impl>();
  impl->settings = settings;
  if (settings.dotsModel.isEmpty())
    throw ModelLoadError(ModelLoadError::Kind::BadSetting, "no dots.ocr model given: pass --dots-model DIR_OR_REPO_ID");
  try {
    impl->runtime.device = infer::resolveDeviceName(settings.device.toStdString());
    impl->runtime.dtype = infer::effectiveDType(infer::parseDType(settings.dtype.toStdString()), impl->runtime.device);
    // As the reference: half precision is only used on a GPU.
    if (impl->runtime.device.is_cpu()) impl->runtime.dtype = c10::ScalarType::Float;
    impl->runtime.attention = infer::parseAttentionImpl(settings.attnImpl.toStdString());
  } catch (const std::exception& e) {
    throw ModelLoadError(ModelLoadError::Kind::BadSetting, e.what());
  }

  Impl* p = impl.get();
  auto loaded = p->thread.post([p, log]() -> std::string {
    // Every later task of this thread runs its model calls on this engine's GPU (cuda:1 in a second worker).
    infer::makeCurrentDevice(p->runtime.device);
    if (p->runtime.device.is_cpu()) {
      const int threads = infer::useHostCoresForInference();
      if (log)
        log(QStringLiteral("CPU inference on %1 thread(s) (LAYOUTLENS_CPU_THREADS sets another count)").arg(threads));
    }
    try {
      if (log) log(QStringLiteral("loading dots.ocr from %1").arg(p->settings.dotsModel));
      models::qwen2::DecoderOptions options;
      options.device = p->runtime.device;
      options.dtype = p->runtime.dtype;
      options.attention = p->runtime.attention;
      p->dots = models::dots_ocr::DotsLayoutGenerator::load(p->settings.dotsModel.toStdString(), options, p->settings.maxBatch);
    } catch (const std::exception& e) {
      return std::string("cannot load the dots.ocr model: ") + e.what();
    }
    if (p->settings.gemmaModel.isEmpty()) return {};
    try {
      infer::resolveModel(p->settings.gemmaModel.toStdString());
    } catch (const infer::ModelNotFoundError& e) {
      if (!p->settings.gemmaOptional) {
        p->dots.reset();
        return std::string("cannot load the Gemma 3n model: ") + e.what();
      }
      if (log) log(QStringLiteral("no Gemma model (%1): crop OCR and summaries are skipped").arg(QString::fromUtf8(e.what())));
      return {};
    }
    try {
      if (log) log(QStringLiteral("loading Gemma 3n from %1").arg(p->settings.gemmaModel));
      // A chunk of batch_size pages has a few picture regions per page, and a Gemma 3n decode step costs
      // nearly the same for 1 or 54 sequences (CUDA graphs, launch-bound): read up to three crops per
      // page of the chunk at once rather than in waves of batch_size. The pool shrinks again for the
      // summaries and halves itself when the GPU has no room (Gemma3nGenerator::reservePool).
      p->gemma = loadGemma3nBackend(p->settings.gemmaModel.toStdString(), p->runtime, 3 * p->settings.maxBatch);
    } catch (const std::exception& e) {
      p->dots.reset();
      return std::string("cannot load the Gemma 3n model: ") + e.what();
    }
    return {};
  });
  const std::string error = loaded.get();
  if (!error.empty()) throw ModelLoadError(ModelLoadError::Kind::Model, error);

  const QString where = QStringLiteral("%1 (%2)").arg(QString::fromStdString(p->runtime.device.str()),
                                                       QString::fromStdString(infer::dtypeName(p->runtime.dtype)));
  p->records.append(recordFor("layout", p->dots->resolved()));
  if (p->gemma) {
    p->records.append(recordFor("vision_language", p->gemma->resolved()));
    p->description = QStringLiteral("dots.ocr + Gemma 3n on %1").arg(where);
  } else {
    p->visionUnavailable = QStringLiteral("skipped: no Gemma model");
    p->description = QStringLiteral("dots.ocr on %1 (no Gemma model: crop OCR and summaries skipped)").arg(where);
  }
  return std::unique_ptr<ModelEngine>(new ModelEngine(std::move(impl)));
}

QString ModelEngine::describe() const { return d->description; }
QList<ModelRecord> ModelEngine::models() const { return d->records; }
QString ModelEngine::visionUnavailableReason() const { return d->visionUnavailable; }

QList<LayoutAnswer> ModelEngine::layout(const QList<LayoutJob>& jobs, const CancelFlag& cancel) {
  if (jobs.isEmpty()) return {};
  std::vector<QImage> images;  // keeps the pixels alive (and RGB888) while the inference thread reads them
  std::vector<models::dots_ocr::LayoutGenerationRequest> requests;
  for (const auto& job : jobs) {
    images.push_back(asRgb888(job.page));
    const QImage& img = images.back();
    models::dots_ocr::LayoutGenerationRequest r;
    r.image = {img.constBits(), img.width(), img.height(), img.bytesPerLine()};
    r.mode = models::dots_ocr::PromptMode::LayoutAll;
    r.maxNewTokens = job.maxNewTokens;
    requests.push_back(r);
  }
  QString failure;
  const auto results = generateOnThread(
      d->thread, cancel, QStringLiteral("layout generation"),
      [this, &requests](const std::shared_ptr<infer::CancellationToken>& token) { return d->dots->generate(requests, token); },
      &failure);
  return answersFor<LayoutAnswer>(jobs, results, failure, QStringLiteral("the layout model returned no answer for this page"),
                                  [](LayoutAnswer& a, const auto& r) {
                                    a.raw = QString::fromStdString(r.text);
                                    a.modelInputSize = QSize(static_cast<int>(r.modelWidth), static_cast<int>(r.modelHeight));
                                  });
}

QList<VisionAnswer> ModelEngine::vision(const QList<VisionJob>& jobs, const CancelFlag& cancel) {
  if (jobs.isEmpty()) return {};
  if (!d->gemma) {
    QList<VisionAnswer> out;
    for (const auto& job : jobs) out.append({job.key, {}, d->visionUnavailable});
    return out;
  }
  std::vector<QImage> images;
  std::vector<VlmRequest> requests;
  for (const auto& job : jobs) {
    images.push_back(asRgb888(job.image));
    const QImage& img = images.back();
    VlmRequest r;
    r.rgb = img.constBits();
    r.width = img.width();
    r.height = img.height();
    r.stride = img.bytesPerLine();
    r.maxNewTokens = job.maxNewTokens;
    if (job.task == VisionTask::CropOcr) {
      r.prompt = d->gemma->cropOcrPrompt();
    } else if (job.layoutText.isEmpty() && job.cropTexts.isEmpty() && !job.context.isEmpty()) {
      r.prompt = d->gemma->pageSummaryPromptWithContext(job.context.toStdString());
    } else {
      std::vector<std::string> crops;
      for (const auto& t : job.cropTexts) crops.push_back(t.toStdString());
      r.prompt = d->gemma->pageSummaryPrompt(job.layoutText.toStdString(), crops);
    }
    requests.push_back(std::move(r));
  }
  QString failure;
  const auto results = generateOnThread(
      d->thread, cancel, QStringLiteral("Gemma 3n generation"),
      [this, &requests](const std::shared_ptr<infer::CancellationToken>& token) { return d->gemma->generate(requests, token); },
      &failure);
  return answersFor<VisionAnswer>(jobs, results, failure, QStringLiteral("the vision-language model returned no answer"),
                                  [](VisionAnswer& a, const auto& r) { a.text = QString::fromStdString(r.text); });
}

QString ModelEngine::memoryInUse() const {
  return QString::fromStdString(infer::describeDeviceMemory(d->runtime.device));
}

}  // namespace ll::pipeline
