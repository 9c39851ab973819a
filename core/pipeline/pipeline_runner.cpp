#include "core/pipeline/pipeline_runner.h"

#include <QBuffer>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QFuture>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QtConcurrent/QtConcurrentRun>
#include <stdexcept>

#include "core/layout/bbox_mapping.h"
#include "core/layout/layout_parser.h"
#include "core/layout/picture_regions.h"
#include "core/layout/vision_answer.h"
#include "core/pipeline/page_source.h"
#include "core/pipeline/pdf_document.h"
#include "core/pipeline/picture_cropper.h"
#include "layoutlens_version.h"

namespace ll::pipeline {
namespace {

struct RenderedPageWork {
  int pageIndex = 0;
  RenderedPage rendered;
  QSizeF sizePt;
  QString error;
  double seconds = 0;
};

QList<RenderedPageWork> renderPages(std::shared_ptr<PageSource> doc, QList<int> pages, RenderOptions options,
                                    CancelFlag cancel) {
  QList<RenderedPageWork> out;
  for (int p : pages) {
    if (isCancelled(cancel)) break;
    QElapsedTimer t;
    t.start();
    RenderedPageWork w;
    w.pageIndex = p;
    w.sizePt = doc->pageSizePoints(p);
    w.rendered = doc->render(p, options, &w.error);
    if (w.rendered.image.isNull() && w.error.isEmpty()) w.error = QStringLiteral("page %1 could not be rendered").arg(p + 1);
    if (!w.rendered.image.isNull()) w.error.clear();
    w.seconds = t.elapsed() / 1000.0;
    out.append(std::move(w));
  }
  return out;
}

// One page on its way through the stages of a chunk.
struct PageWork {
  RenderedPageWork* render = nullptr;
  PageResult result;
  layout::PageGeometry geometry;
  std::vector<layout::PictureRegion> regions;
  QString failure;  // set at the first stage that fails; the page is then recorded as failed
};

QRect toRect(const layout::PixelBox& b) {
  return QRect(QPoint(static_cast<int>(b.x1), static_cast<int>(b.y1)),
               QPoint(static_cast<int>(b.x2) - 1, static_cast<int>(b.y2) - 1));
}

QRectF toRectF(const layout::PixelBox& b) { return QRectF(QPointF(b.x1, b.y1), QPointF(b.x2, b.y2)); }

bool savePng(const QImage& image, const QString& path, QString* error) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  if (!image.save(&buffer, "PNG")) {
    if (error) *error = QStringLiteral("cannot encode %1 as PNG").arg(path);
    return false;
  }
  return writeFileAtomically(path, bytes, error);
}

QStringList cropTexts(const QList<PictureRegionRecord>& pictures) {
  QStringList out;
  for (const auto& p : pictures)
    if (!p.ocrText.isEmpty()) out << QStringLiteral("[%1] %2").arg(p.id, p.ocrText);
  return out;
}

QString summaryContext(const QString& layoutText, const QStringList& crops) {
  QString context = QStringLiteral("Layout text of the page (dots.ocr):\n") + layoutText;
  if (!crops.isEmpty()) context += QStringLiteral("\n\nText read inside the picture regions:\n") + crops.join('\n') + '\n';
  return context;
}

}  // namespace

VisionAnswerStatus classifyVisionAnswer(const VisionAnswer& answer) {
  if (!answer.error.isEmpty()) return {answer.text, "failed", answer.error};
  // core/layout's tolerant reader: strict JSON first, then fences, leading prose, cut-off strings, ...
  const auto parsed = layout::parseVisionAnswer(answer.text.toStdString());
  VisionAnswerStatus s{answer.text, QString::fromLatin1(layout::answerStatusName(parsed.status)), QString::fromStdString(parsed.reason)};
  if (parsed.status == layout::AnswerStatus::Repaired && parsed.json)
    s.text = QString::fromStdString(parsed.json->dump());  // the repaired JSON; the reason says what was changed
  if (parsed.status == layout::AnswerStatus::Ok) s.reason.clear();
  return s;
}

QHash<int, PageResult> PipelineRunner::reusableLayouts(const QString& docId, QString* error) const {
  QHash<int, PageResult> out;
  const QString sha = store_.sourceSha256(docId);
  for (const QString& path : reuseReports_) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
      *error = QStringLiteral("cannot read the layout report %1: %2").arg(path, f.errorString());
      return {};
    }
    QJsonParseError parseError;
    const QJsonDocument json = QJsonDocument::fromJson(f.readAll(), &parseError);
    if (!json.isObject()) {
      *error = QStringLiteral("the layout report %1 is not valid JSON (%2)").arg(path, parseError.errorString());
      return {};
    }
    const QJsonObject root = json.object();
    if (root.value("document").toObject().value("sha256").toString() != sha) continue;  // another file's report
    for (const auto& v : root.value("pages").toArray()) {
      PageResult page;
      QString e;
      if (!PageResult::fromJson(v.toObject(), &page, &e)) {
        *error = QStringLiteral("the layout report %1 has a page this version cannot read: %2").arg(path, e);
        return {};
      }
      if (page.status == PageResult::Status::Done) out.insert(page.pageIndex, page);
    }
  }
  return out;
}

PipelineRunner::PipelineRunner(AnalysisEngine& engine, PipelineConfig config, JobStore& store, RunnerCallbacks callbacks)
    : engine_(engine), config_(std::move(config)), store_(store), callbacks_(std::move(callbacks)) {}

DocumentOutcome PipelineRunner::runDocument(const QString& pdfPath, const QByteArray& password, const CancelFlag& cancel) {
  QElapsedTimer clock;
  clock.start();
  DocumentOutcome out;
  out.sourcePath = pdfPath;
  auto log = [&](const QString& m) {
    if (callbacks_.log) callbacks_.log(m);
  };

  PdfError pdfError;
  const auto doc = openPageSource(pdfPath, password, config_.pdf_dpi, &pdfError);
  if (!doc) {
    out.error = pdfError.message;
    return out;
  }
  QList<int> selected;
  QString error;
  if (!parsePageRange(config_.page_range, doc->pageCount(), &selected, &error)) {
    out.error = QStringLiteral("%1: page range %2").arg(pdfPath, error);
    return out;
  }
  out.pagesSelected = selected.size();
  out.docId = store_.addDocument(pdfPath, doc->pageCount(), &error);
  if (out.docId.isEmpty()) {
    out.error = error;
    return out;
  }
  const QList<int> todo = store_.pagesToProcess(out.docId, selected, kMaxPageAttempts);
  const QHash<int, PageResult> reused = reusableLayouts(out.docId, &error);
  if (!error.isEmpty()) {
    out.error = error;
    return out;
  }
  if (!reuseReports_.isEmpty())
    log(QStringLiteral("%1: layout of %2 page(s) taken from earlier reports").arg(pdfPath).arg(reused.size()));
  for (int p : selected) {
    if (todo.contains(p)) continue;
    if (store_.isPageDone(out.docId, p)) ++out.pagesSkipped;
    else ++out.pagesFailed;  // failed kMaxPageAttempts times in earlier runs
  }
  if (out.pagesSkipped > 0) log(QStringLiteral("%1: %2 page(s) already done, skipped").arg(pdfPath).arg(out.pagesSkipped));
  // crops_dir is a folder inside the document's folder, so a job folder stays self-contained and movable.
  const QString cropsFolder = QDir::cleanPath(config_.crops_dir.isEmpty() || QDir::isAbsolutePath(config_.crops_dir) ||
                                                      config_.crops_dir.contains("..")
                                                  ? QStringLiteral("crops")
                                                  : config_.crops_dir);
  if (!QDir().mkpath(store_.documentDir(out.docId) + "/" + cropsFolder)) {
    out.error = QStringLiteral("cannot create the crops folder %1/%2").arg(store_.documentDir(out.docId), cropsFolder);
    return out;
  }
  const QString visionSkipped = engine_.visionUnavailableReason();
  const QString summariesOff = QStringLiteral("skipped: page summaries are turned off (page_summaries = false)");

  RunProgress progress{pdfPath, out.pagesSkipped, out.pagesSkipped, out.pagesFailed, static_cast<int>(selected.size()), 0, "render"};
  auto report = [&](const QString& stage) {
    progress.stage = stage;
    progress.pagesDone = out.pagesSkipped + out.pagesDone;
    progress.pagesFailed = out.pagesFailed;
    progress.elapsedSeconds = clock.elapsed() / 1000.0;
    if (callbacks_.progress) callbacks_.progress(progress);
  };
  report("render");

  const RenderOptions renderOptions{static_cast<double>(config_.pdf_dpi), config_.max_long_edge_px};
  const int chunkSize = std::max(1, config_.batch_size);
  QList<QList<int>> chunks;
  for (int i = 0; i < todo.size(); i += chunkSize) chunks.append(todo.mid(i, chunkSize));

  auto recordFailure = [&](int pageIndex, const QString& reason) {
    QString e;
    const int attempts = store_.recordFailure(out.docId, pageIndex, reason, &e);
    log(QStringLiteral("page %1 failed (attempt %2 of %3): %4").arg(pageIndex + 1).arg(attempts).arg(kMaxPageAttempts).arg(reason));
    if (attempts >= kMaxPageAttempts || attempts < 0) ++out.pagesFailed;
  };

  QFuture<QList<RenderedPageWork>> next;
  if (!chunks.isEmpty()) next = QtConcurrent::run(renderPages, doc, chunks[0], renderOptions, cancel);
  for (int c = 0; c < chunks.size(); ++c) {
    QList<RenderedPageWork> rendered = next.result();
    if (c + 1 < chunks.size()) next = QtConcurrent::run(renderPages, doc, chunks[c + 1], renderOptions, cancel);
    if (isCancelled(cancel)) break;
    {
      double s = 0;
      for (const auto& r : rendered) s += r.seconds;
      log(QStringLiteral("render: pages %1-%2 in %3 s").arg(chunks[c].first() + 1).arg(chunks[c].last() + 1).arg(s, 0, 'f', 2));
    }

    // Layout, batched over the chunk.
    QList<PageWork> work;
    for (auto& r : rendered) {
      if (!r.error.isEmpty()) {
        recordFailure(r.pageIndex, r.error);
        continue;
      }
      PageWork w;
      w.render = &r;
      w.result.pageIndex = r.pageIndex;
      w.result.renderWidth = r.rendered.image.width();
      w.result.renderHeight = r.rendered.image.height();
      w.result.dpi = r.rendered.effectiveDpi;
      w.result.timingsSeconds.insert("render", r.seconds);
      work.append(std::move(w));
    }
    report("layout");
    // A page whose layout an earlier report recorded at the same render size is not sent to the model.
    auto reusedLayout = [&](int i) -> const PageResult* {
      const auto it = reused.constFind(work[i].result.pageIndex);
      if (it == reused.constEnd() || it->renderWidth != work[i].result.renderWidth ||
          it->renderHeight != work[i].result.renderHeight)
        return nullptr;
      return &it.value();
    };
    auto runLayout = [&](const QList<int>& which, int maxNewTokens) {
      QList<LayoutJob> jobs;
      QHash<int, LayoutAnswer> byKey;
      for (int i : which) {
        if (const PageResult* earlier = reusedLayout(i)) byKey.insert(i, LayoutAnswer{i, earlier->layoutRaw, {}, {}});
        else jobs.append({i, work[i].render->rendered.image, maxNewTokens});
      }
      if (jobs.isEmpty()) return byKey;
      QElapsedTimer t;
      t.start();
      const auto answers = engine_.layout(jobs, cancel);
      const double share = t.elapsed() / 1000.0 / jobs.size();
      for (const auto& a : answers) byKey.insert(a.key, a);
      for (const auto& job : jobs)
        work[job.key].result.timingsSeconds["layout"] += byKey.value(job.key).seconds > 0 ? byKey.value(job.key).seconds : share;
      return byKey;
    };
    QList<int> all;
    for (int i = 0; i < work.size(); ++i) all.append(i);
    QElapsedTimer layoutClock;
    layoutClock.start();
    const auto firstAnswers = runLayout(all, config_.base_max_new_tokens);
    if (isCancelled(cancel)) break;
    log(QStringLiteral("layout: %1 page(s) in %2 s").arg(all.size()).arg(layoutClock.elapsed() / 1000.0, 0, 'f', 2));
    std::vector<layout::LayoutParseResult> parsed(work.size());
    QHash<int, QSize> modelSizes;
    QList<int> retry;
    for (int i : all) {
      const LayoutAnswer a = firstAnswers.value(i, LayoutAnswer{i, {}, {}, "the engine returned no answer for this page"});
      if (!a.error.isEmpty()) {
        work[i].failure = a.error;
        continue;
      }
      parsed[i] = layout::parseLayoutOutput(a.raw.toStdString());
      modelSizes.insert(i, a.modelInputSize);
      if (reusedLayout(i)) {  // as it was: an earlier retry is in its raw text already
        parsed[i].reason = (parsed[i].reason.empty() ? std::string() : parsed[i].reason + "; ") + "layout taken from an earlier report";
        continue;
      }
      if (parsed[i].shouldRetryWithLargerBudget && config_.extra_max_new_tokens > 0) retry.append(i);
    }
    if (!retry.isEmpty()) {
      log(QStringLiteral("%1 page(s) gave unreadable layout output; retrying with %2 more tokens").arg(retry.size()).arg(config_.extra_max_new_tokens));
      layoutClock.restart();
      const auto retried = runLayout(retry, config_.base_max_new_tokens + config_.extra_max_new_tokens);
      if (isCancelled(cancel)) break;
      log(QStringLiteral("layout retry: %1 page(s) in %2 s").arg(retry.size()).arg(layoutClock.elapsed() / 1000.0, 0, 'f', 2));
      for (int i : retry) {
        const LayoutAnswer a = retried.value(i);
        if (!a.error.isEmpty() || a.raw.isEmpty()) continue;  // keep the first answer
        parsed[i] = layout::parseLayoutOutput(a.raw.toStdString());
        parsed[i].reason = (parsed[i].reason.empty() ? std::string() : parsed[i].reason + "; ") + "retried with a larger token budget";
        modelSizes.insert(i, a.modelInputSize);
      }
    }

    // Geometry, cells and crops.
    report("crops");
    QList<VisionJob> ocrJobs;
    QList<QPair<int, QFuture<QString>>> pngSaves;  // (work index, error or empty)
    // Every crop file is on disk (or its page failed) before any page of the chunk is written or abandoned.
    auto waitForPngs = [&] {
      for (auto& [index, future] : pngSaves) {
        const QString e = future.result();
        if (!e.isEmpty() && work[index].failure.isEmpty()) work[index].failure = e;  // a full disk: retry the page later
      }
      pngSaves.clear();
    };
    QHash<int, QPair<int, int>> ocrTarget;  // job key -> (work index, picture index)
    for (int i : all) {
      PageWork& w = work[i];
      if (!w.failure.isEmpty()) continue;
      QElapsedTimer t;
      t.start();
      const QImage& image = w.render->rendered.image;
      try {
        w.geometry = layout::PageGeometry::forRenderedPage(image.width(), image.height(), w.render->sizePt.width(),
                                                           w.render->sizePt.height(), w.render->rendered.effectiveDpi);
        const QSize model = modelSizes.value(i);
        if (model.isValid() && !model.isEmpty()) {  // the engine's own processor is authoritative
          w.geometry.modelWidth = model.width();
          w.geometry.modelHeight = model.height();
        }
        const auto& p = parsed[i];
        w.result.layoutRaw = QString::fromStdString(p.raw);
        w.result.layoutParseStatus = QString::fromLatin1(layout::parseStatusName(p.status)).toLower();
        w.result.layoutParseReason = QString::fromStdString(p.reason);
        for (const auto& cell : p.cells) {
          LayoutCellRecord r;
          r.category = QString::fromLatin1(layout::categoryName(cell.category));
          r.bboxPx = toRectF(layout::modelToImage(cell.bbox, w.geometry));
          r.bboxPt = toRectF(layout::modelToPoints(cell.bbox, w.geometry));
          r.text = QString::fromStdString(cell.text);
          w.result.cells.append(r);
        }
        w.regions = layout::pictureRegions(p.cells, w.geometry, w.result.pageIndex,
                                           {config_.padding, config_.crop_upscale});
      } catch (const std::exception& e) {
        w.failure = QStringLiteral("layout geometry: %1").arg(e.what());
        continue;
      }
      for (const auto& region : w.regions) {
        PictureRegionRecord rec;
        rec.id = QString::fromStdString(region.id);
        rec.paddedBboxPx = toRectF(region.paddedBox);
        const CropResult crop = cropPicture(image, toRect(region.paddedBox), config_.crop_upscale);
        if (!crop.error.isEmpty()) {
          rec.ocrStatus = "failed";
          rec.ocrReason = crop.error;
          w.result.pictures.append(rec);
          continue;
        }
        // PNG encoding runs on the worker pool while the engine reads the crops from memory.
        const QString path = store_.documentDir(out.docId) + "/" + cropsFolder + "/" + rec.id + ".png";
        pngSaves.append({i, QtConcurrent::run([img = crop.image, path] {
                           QString e;
                           return savePng(img, path, &e) ? QString() : e;
                         })});
        if (!visionSkipped.isEmpty()) {
          rec.cropFile = cropsFolder + "/" + rec.id + ".png";
          rec.ocrStatus = "skipped";
          rec.ocrReason = visionSkipped;
        } else {
          rec.cropFile = cropsFolder + "/" + rec.id + ".png";
          rec.ocrStatus = "pending";
          const int key = ocrJobs.size();
          ocrJobs.append({key, VisionTask::CropOcr, crop.image, {}, 1024});
          ocrTarget.insert(key, {i, static_cast<int>(w.result.pictures.size())});
        }
        w.result.pictures.append(rec);
      }
      w.result.timingsSeconds.insert("crops", t.elapsed() / 1000.0);
    }

    {
      int pictures = 0;
      for (const auto& w : work) pictures += w.result.pictures.size();
      log(QStringLiteral("crops: %1 picture region(s) cut and saved").arg(pictures));
    }

    // Crop OCR, batched over every picture of the chunk.
    if (!ocrJobs.isEmpty()) {
      report("crop OCR");
      QElapsedTimer t;
      t.start();
      const auto answers = engine_.vision(ocrJobs, cancel);
      if (isCancelled(cancel)) {
        waitForPngs();
        break;
      }
      const double share = t.elapsed() / 1000.0 / ocrJobs.size();
      log(QStringLiteral("crop OCR: %1 crop(s) in %2 s").arg(ocrJobs.size()).arg(t.elapsed() / 1000.0, 0, 'f', 2));
      QHash<int, VisionAnswer> byKey;
      for (const auto& a : answers) byKey.insert(a.key, a);
      for (auto it = ocrTarget.begin(); it != ocrTarget.end(); ++it) {
        PageWork& w = work[it.value().first];
        const VisionAnswer a = byKey.value(it.key(), VisionAnswer{it.key(), {}, "the engine returned no answer for this crop"});
        if (!a.error.isEmpty()) {
          w.failure = QStringLiteral("crop OCR: %1").arg(a.error);
          continue;
        }
        const auto status = classifyVisionAnswer(a);
        PictureRegionRecord& rec = w.result.pictures[it.value().second];
        rec.ocrText = status.text;
        rec.ocrStatus = status.status;
        rec.ocrReason = status.reason;
        w.result.timingsSeconds["crop_ocr"] += a.seconds > 0 ? a.seconds : share;
      }
    }

    // Page summaries, batched over the chunk.
    if (config_.page_summaries && visionSkipped.isEmpty()) {
      report("summaries");
      QList<VisionJob> jobs;
      for (int i : all) {
        if (!work[i].failure.isEmpty()) continue;
        VisionJob job;
        job.key = i;
        job.task = VisionTask::PageSummary;
        job.image = work[i].render->rendered.image;
        job.layoutText = QString::fromStdString(layout::joinCellTexts(parsed[i].cells));
        job.cropTexts = cropTexts(work[i].result.pictures);
        job.context = summaryContext(job.layoutText, job.cropTexts);
        jobs.append(job);
      }
      if (!jobs.isEmpty()) {
        QElapsedTimer t;
        t.start();
        const auto answers = engine_.vision(jobs, cancel);
        if (isCancelled(cancel)) {
          waitForPngs();
          break;
        }
        const double share = t.elapsed() / 1000.0 / jobs.size();
        log(QStringLiteral("summaries: %1 page(s) in %2 s").arg(jobs.size()).arg(t.elapsed() / 1000.0, 0, 'f', 2));
        QHash<int, VisionAnswer> byKey;
        for (const auto& a : answers) byKey.insert(a.key, a);
        for (const auto& job : jobs) {
          PageWork& w = work[job.key];
          const VisionAnswer a = byKey.value(job.key, VisionAnswer{job.key, {}, "the engine returned no summary for this page"});
          if (!a.error.isEmpty()) {
            w.failure = QStringLiteral("page summary: %1").arg(a.error);
            continue;
          }
          const auto status = classifyVisionAnswer(a);
          w.result.summary = status.text;
          w.result.summaryStatus = status.status;
          w.result.summaryReason = status.reason;
          w.result.timingsSeconds.insert("summary", a.seconds > 0 ? a.seconds : share);
        }
      }
    } else {
      for (auto& w : work) {
        w.result.summaryStatus = "skipped";
        w.result.summaryReason = config_.page_summaries ? visionSkipped : summariesOff;
      }
    }

    waitForPngs();
    // Write each finished page at once; failed pages are retried by a later run (bounded).
    for (auto& w : work) {
      if (!w.failure.isEmpty()) {
        recordFailure(w.result.pageIndex, w.failure);
        continue;
      }
      if (const auto previous = store_.loadPage(out.docId, w.result.pageIndex)) w.result.attempts = previous->attempts + 1;
      w.result.status = PageResult::Status::Done;
      QString e;
      if (!store_.writePage(out.docId, w.result, &e)) {
        recordFailure(w.result.pageIndex, e);
        continue;
      }
      ++out.pagesDone;
      if (callbacks_.pageFinished) callbacks_.pageFinished(out.docId, w.result);
    }
    report("layout");
  }
  if (next.isRunning()) next.waitForFinished();  // the look-ahead render stops early once cancelled
  out.cancelled = isCancelled(cancel);

  // The report always reflects every page on disk, also after a cancel: finished work is never lost.
  report("report");
  DocumentReport rep;
  rep.sourcePath = QFileInfo(pdfPath).absoluteFilePath();
  rep.sourceSha256 = store_.sourceSha256(out.docId);
  rep.pageCount = doc->pageCount();
  rep.models = engine_.models();
  rep.config = config_.toJson();
  QStringList problems;
  rep.pages = store_.loadAllPages(out.docId, &problems);
  for (const auto& p : problems) log(p);
  rep.createdUtc = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
  rep.generator = QStringLiteral(LAYOUTLENS_NAME " " LAYOUTLENS_VERSION);
  if (store_.writeReport(out.docId, rep, &error)) out.reportPath = store_.reportFile(out.docId);
  else log(error);

  if (config_.save_manifest) {
    QJsonArray regions;
    for (const auto& page : rep.pages)
      for (const auto& pic : page.pictures) {
        QJsonObject o = pic.toJson();
        o.insert("page_index", page.pageIndex);
        regions.append(o);
      }
    QJsonArray summaries;
    for (const auto& page : rep.pages)
      summaries.append(QJsonObject{{"page_index", page.pageIndex}, {"status", page.summaryStatus}, {"summary", page.summary}});
    const QJsonObject manifest{{"schema_version", kReportSchemaVersion}, {"source_path", rep.sourcePath},
                               {"regions", regions}, {"page_summaries", summaries}};
    if (!writeFileAtomically(store_.documentDir(out.docId) + "/" + config_.manifest_filename,
                             QJsonDocument(manifest).toJson(QJsonDocument::Indented), &error))
      log(error);
  }
  return out;
}

}  // namespace ll::pipeline
