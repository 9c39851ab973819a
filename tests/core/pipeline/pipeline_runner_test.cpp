// The pipeline's orchestration with an injected engine that answers from what it is shown: crops must
// (No raw string literals here: moc in Qt 6.4 mis-parses them and silently drops the test class.)
// come from the padded boxes at the right scale, OCR and summaries must reach the right page and region,
// and an interrupted run must resume without losing or repeating finished pages.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPainter>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "core/pipeline/pipeline_runner.h"

using namespace ll::pipeline;

namespace {

constexpr int kPages = 3;

// Page i (0-based) is 200x150 pt, white, with a filled rectangle of red value 40*(i+1) at
// (100,50)-(160,110) pt: at 72 DPI that is the same rectangle in pixels.
QString makePdf(const QString& path) {
  QPdfWriter writer(path);
  writer.setResolution(72);
  writer.setPageSize(QPageSize(QSizeF(200, 150), QPageSize::Point));
  writer.setPageMargins(QMarginsF(0, 0, 0, 0));
  QPainter painter(&writer);
  for (int i = 0; i < kPages; ++i) {
    if (i > 0) writer.newPage();
    painter.fillRect(QRect(0, 0, 200, 150), Qt::white);
    painter.fillRect(QRect(100, 50, 60, 60), QColor(40 * (i + 1), 0, 0));
  }
  painter.end();
  return path;
}

class FakeEngine : public AnalysisEngine {
 public:
  int layoutCalls = 0;
  QList<int> layoutBudgets;
  int layoutPagesSeen = 0;
  int visionCalls = 0;
  bool truncateFirstAnswer = false;   // the first layout answer is cut off (needs the larger budget)
  int failLayoutForRed = -1;          // pages whose picture has this red value fail in layout
  CancelFlag cancelOnSummary;         // set this flag when summaries are asked for (a "crash" mid-run)
  int summariesBeforeCancel = 0;
  // A "crash" in the middle of a stage: on the crashAtCall-th call of that stage ("layout", "crop OCR",
  // "summaries") the flag is set and every answer is an error, as the real engine answers when stopped.
  CancelFlag crash;
  QString crashStage;
  int crashAtCall = 0;
  QString noVisionReason;             // non-empty: behave like an engine without a Gemma model
  QList<int> layoutPages, ocrPages, summaryPages;  // 0-based page of every job seen, per stage
  QMap<QString, int> stageCalls;

  static int pageOf(const QImage& image, int x, int y) { return image.pixelColor(x, y).red() / 40 - 1; }
  bool crashNow(const QString& stage) {
    return crash && stage == crashStage && ++stageCalls[stage] == crashAtCall && (crash->store(true), true);
  }
  QString visionUnavailableReason() const override { return noVisionReason; }

  QString describe() const override { return "fake engine"; }
  QList<ModelRecord> models() const override { return {{"layout", "/models/dots", "dots_ocr", "abc123"}}; }

  QList<LayoutAnswer> layout(const QList<LayoutJob>& jobs, const CancelFlag&) override {
    ++layoutCalls;
    QList<LayoutAnswer> out;
    if (crashNow("layout")) {
      for (const auto& job : jobs) out.append({job.key, {}, {}, "cancelled"});
      return out;
    }
    for (const auto& job : jobs) {
      layoutPages.append(pageOf(job.page, 130, 80));
      layoutBudgets.append(job.maxNewTokens);
      ++layoutPagesSeen;
      LayoutAnswer a;
      a.key = job.key;
      a.modelInputSize = job.page.size();  // identity mapping: model pixels are page pixels
      const int red = job.page.pixelColor(130, 80).red();
      if (red == failLayoutForRed) {
        a.error = "CUDA out of memory (injected)";
      } else {
        a.raw = QStringLiteral("[{\"bbox\":[10,10,90,30],\"category\":\"Title\",\"text\":\"# Page with red %1\"},"
                               "{\"bbox\":[100,50,160,110],\"category\":\"Picture\"}]").arg(red);
        if (truncateFirstAnswer && job.maxNewTokens < 100) a.raw = a.raw.left(60);
      }
      a.seconds = 0.5;
      out.append(a);
    }
    return out;
  }

  QList<VisionAnswer> vision(const QList<VisionJob>& jobs, const CancelFlag&) override {
    ++visionCalls;
    QList<VisionAnswer> out;
    const bool ocr = !jobs.isEmpty() && jobs[0].task == VisionTask::CropOcr;
    if (crashNow(ocr ? "crop OCR" : "summaries")) {
      for (const auto& job : jobs) out.append({job.key, {}, "cancelled"});
      return out;
    }
    for (const auto& job : jobs) {
      if (job.task == VisionTask::CropOcr) ocrPages.append(pageOf(job.image, job.image.width() / 2, job.image.height() / 2));
      else summaryPages.append(pageOf(job.image, 130, 80));
      VisionAnswer a;
      a.key = job.key;
      if (job.task == VisionTask::CropOcr) {
        const QColor c = job.image.pixelColor(job.image.width() / 2, job.image.height() / 2);
        a.text = QStringLiteral("{\"text\":\"red %1\",\"size\":\"%2x%3\"}").arg(c.red()).arg(job.image.width()).arg(job.image.height());
      } else {
        if (cancelOnSummary && summariesBeforeCancel-- <= 0) cancelOnSummary->store(true);
        const auto m = QRegularExpression("\\[(page-\\d+-picture-\\d+)\\] \\{\"text\":\"(red \\d+)").match(job.context);
        a.text = QStringLiteral("Summary of %1 (%2) with %3").arg(m.captured(1), m.captured(2)).arg(job.context.contains("# Page with red") ? "title" : "no title");
      }
      out.append(a);
    }
    return out;
  }
};

PipelineConfig smallConfig() {
  PipelineConfig c;
  c.pdf_dpi = 72;
  c.batch_size = 2;
  c.padding = 12;
  c.crop_upscale = 2.0;
  c.base_max_new_tokens = 50;
  c.extra_max_new_tokens = 1000;
  return c;
}

QJsonObject readJson(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object();
}

QByteArray readBytes(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A page's result without what legitimately differs between two runs of the same input.
QJsonObject withoutRunDetails(QJsonObject page) {
  page.remove("timings_s");
  page.remove("attempts");
  return page;
}

}  // namespace

class PipelineRunnerTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void runsEveryStageAndWiresResultsToTheirPages() {
    QTemporaryDir tmp;
    const QString pdf = makePdf(tmp.filePath("drawing.pdf"));
    QString error;
    auto store = JobStore::open(tmp.filePath("job"), &error);
    QVERIFY2(store, qPrintable(error));
    FakeEngine engine;
    PipelineConfig config = smallConfig();
    config.save_manifest = true;
    QList<int> finished;
    RunnerCallbacks cb;
    cb.pageFinished = [&](const QString&, const PageResult& p) { finished.append(p.pageIndex); };
    PipelineRunner runner(engine, config, *store, cb);
    const DocumentOutcome out = runner.runDocument(pdf, {}, makeCancelFlag());
    QVERIFY2(out.error.isEmpty(), qPrintable(out.error));
    QCOMPARE(out.pagesDone, kPages);
    QCOMPARE(out.pagesFailed, 0);
    QCOMPARE(finished, (QList<int>{0, 1, 2}));
    QCOMPARE(engine.layoutCalls, 2);  // batch_size 2: chunks {0,1} and {2}

    for (int i = 0; i < kPages; ++i) {
      const auto page = store->loadPage(out.docId, i);
      QVERIFY(page.has_value());
      const int red = 40 * (i + 1);
      QCOMPARE(page->renderWidth, 200);
      QCOMPARE(page->cells.size(), 2);
      QCOMPARE(page->cells[0].text, QStringLiteral("# Page with red %1").arg(red));
      QCOMPARE(page->cells[1].bboxPx, QRectF(QPointF(100, 50), QPointF(160, 110)));
      QCOMPARE(page->cells[1].bboxPt, QRectF(QPointF(100, 50), QPointF(160, 110)));  // 72 DPI: px == pt
      QCOMPARE(page->pictures.size(), 1);
      const auto& pic = page->pictures[0];
      const QString id = QStringLiteral("page-%1-picture-01").arg(i + 1, 4, 10, QChar('0'));
      QCOMPARE(pic.id, id);
      QCOMPARE(pic.paddedBboxPx, QRectF(QPointF(88, 38), QPointF(172, 122)));  // padding 12, clamped
      // The crop is the padded box, doubled: 84x84 -> 168x168, and OCR saw this page's colour.
      QCOMPARE(pic.ocrText, QStringLiteral("{\"text\":\"red %1\",\"size\":\"168x168\"}").arg(red));
      QCOMPARE(pic.ocrStatus, QString("ok"));
      const QImage crop(store->documentDir(out.docId) + "/" + pic.cropFile);
      QCOMPARE(crop.size(), QSize(168, 168));
      QCOMPARE(crop.pixelColor(84, 84).red(), red);
      QCOMPARE(crop.pixelColor(2, 2), QColor(Qt::white));  // the padding is page background
      // The summary got this page's layout text and crop text.
      QCOMPARE(page->summary, QStringLiteral("Summary of %1 (red %2) with title").arg(id).arg(red));
      QCOMPARE(page->summaryStatus, QString("raw"));  // not JSON: kept, with the reason
      QVERIFY(page->timingsSeconds.contains("render"));
      QCOMPARE(page->timingsSeconds.value("layout"), 0.5);
    }
    // The first page's record, field for field.
    const QJsonObject expectedPage{
        {"page_index", 0},
        {"render", QJsonObject{{"width", 200}, {"height", 150}, {"dpi", 72}}},
        {"layout",
         QJsonObject{{"cells", QJsonArray{QJsonObject{{"category", "Title"},
                                                      {"bbox_px", QJsonArray{10, 10, 90, 30}},
                                                      {"bbox_pt", QJsonArray{10, 10, 90, 30}},
                                                      {"text", "# Page with red 40"}},
                                          QJsonObject{{"category", "Picture"},
                                                      {"bbox_px", QJsonArray{100, 50, 160, 110}},
                                                      {"bbox_pt", QJsonArray{100, 50, 160, 110}},
                                                      {"text", ""}}}},
                     {"raw", "[{\"bbox\":[10,10,90,30],\"category\":\"Title\",\"text\":\"# Page with red 40\"},"
                             "{\"bbox\":[100,50,160,110],\"category\":\"Picture\"}]"},
                     {"parse_status", "ok"},
                     {"parse_reason", ""}}},
        {"pictures", QJsonArray{QJsonObject{{"id", "page-0001-picture-01"},
                                            {"padded_bbox_px", QJsonArray{88, 38, 172, 122}},
                                            {"crop_file", "crops/page-0001-picture-01.png"},
                                            {"ocr_text", "{\"text\":\"red 40\",\"size\":\"168x168\"}"},
                                            {"ocr_status", "ok"},
                                            {"ocr_reason", ""}}}},
        {"summary", QJsonObject{{"text", "Summary of page-0001-picture-01 (red 40) with title"},
                                {"status", "raw"},
                                {"reason", "the answer holds no JSON object; kept as text"}}},
        {"status", "done"},
        {"error", ""},
        {"attempts", 1}};
    QJsonObject firstPage = readJson(store->pageFile(out.docId, 0));
    QCOMPARE(firstPage.value("timings_s").toObject().keys(), (QStringList{"crop_ocr", "crops", "layout", "render", "summary"}));
    firstPage.remove("timings_s");
    QCOMPARE(firstPage, expectedPage);

    const QJsonObject report = readJson(out.reportPath);
    QCOMPARE(report.value("schema_version").toInt(), 1);
    QCOMPARE(report.value("pages").toArray().size(), kPages);
    QCOMPARE(report.value("models").toArray()[0].toObject().value("model_type").toString(), QString("dots_ocr"));
    QCOMPARE(report.value("config").toObject().value("batch_size").toInt(), 2);
    QCOMPARE(report.value("document").toObject().value("sha256").toString(), JobStore::sha256OfFile(pdf, &error));
    const QJsonObject manifest = readJson(store->documentDir(out.docId) + "/" + config.manifest_filename);
    QCOMPARE(manifest.value("regions").toArray().size(), kPages);
  }

  void unreadableLayoutIsRetriedWithTheLargerBudget() {
    QTemporaryDir tmp;
    const QString pdf = makePdf(tmp.filePath("d.pdf"));
    QString error;
    auto store = JobStore::open(tmp.filePath("job"), &error);
    FakeEngine engine;
    engine.truncateFirstAnswer = true;
    PipelineConfig config = smallConfig();
    config.page_range = "1";
    config.page_summaries = false;
    PipelineRunner runner(engine, config, *store);
    const auto out = runner.runDocument(pdf, {}, makeCancelFlag());
    QCOMPARE(out.pagesDone, 1);
    QCOMPARE(engine.layoutBudgets, (QList<int>{50, 1050}));
    const auto page = store->loadPage(out.docId, 0);
    QCOMPARE(page->cells.size(), 2);
    QVERIFY(page->layoutParseReason.contains("retried"));
    QCOMPARE(page->summaryStatus, QString("skipped"));
  }

  void cancelledRunResumesWithoutRepeatingFinishedPages() {
    QTemporaryDir tmp;
    const QString pdf = makePdf(tmp.filePath("d.pdf"));
    QString error;
    QString docId;
    QByteArray firstPageBytes;
    {
      auto store = JobStore::open(tmp.filePath("job"), &error);
      FakeEngine engine;
      PipelineConfig config = smallConfig();
      config.batch_size = 1;
      engine.cancelOnSummary = makeCancelFlag();
      engine.summariesBeforeCancel = 1;  // page 1 finishes, the "crash" hits during page 2's summary
      PipelineRunner runner(engine, config, *store);
      const auto out = runner.runDocument(pdf, {}, engine.cancelOnSummary);
      QVERIFY(out.cancelled);
      QCOMPARE(out.pagesDone, 1);
      docId = out.docId;
      QFile f(store->pageFile(docId, 0));
      QVERIFY(f.open(QIODevice::ReadOnly));
      firstPageBytes = f.readAll();
      QVERIFY(!store->loadPage(docId, 1).has_value());  // the page in flight left nothing half-written
      QCOMPARE(readJson(out.reportPath).value("pages").toArray().size(), 1);  // finished work is reported
    }
    auto store = JobStore::open(tmp.filePath("job"), &error);
    FakeEngine engine;
    PipelineRunner runner(engine, smallConfig(), *store);
    const auto out = runner.runDocument(pdf, {}, makeCancelFlag());
    QCOMPARE(out.pagesSkipped, 1);
    QCOMPARE(out.pagesDone, 2);
    QCOMPARE(engine.layoutPagesSeen, 2);  // page 1 was not recomputed
    QFile f(store->pageFile(docId, 0));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), firstPageBytes);
    QCOMPARE(readJson(out.reportPath).value("pages").toArray().size(), kPages);
  }

  void failingPageIsRetriedThenRecordedAsFailed() {
    QTemporaryDir tmp;
    const QString pdf = makePdf(tmp.filePath("d.pdf"));
    QString error;
    auto store = JobStore::open(tmp.filePath("job"), &error);
    PipelineConfig config = smallConfig();
    config.page_summaries = false;
    DocumentOutcome out;
    for (int run = 0; run < PipelineRunner::kMaxPageAttempts; ++run) {
      FakeEngine engine;
      engine.failLayoutForRed = 80;  // page 2
      PipelineRunner runner(engine, config, *store);
      out = runner.runDocument(pdf, {}, makeCancelFlag());
      QCOMPARE(out.pagesDone, run == 0 ? 2 : 0);
    }
    QCOMPARE(out.pagesFailed, 1);
    const auto failed = store->loadPage(out.docId, 1);
    QCOMPARE(failed->status, PageResult::Status::Failed);
    QCOMPARE(failed->attempts, PipelineRunner::kMaxPageAttempts);
    QVERIFY(failed->error.contains("out of memory"));
    FakeEngine engine;  // a further run leaves the permanently failed page alone
    PipelineRunner runner(engine, config, *store);
    out = runner.runDocument(pdf, {}, makeCancelFlag());
    QCOMPARE(engine.layoutPagesSeen, 0);
    QCOMPARE(out.pagesFailed, 1);
    const auto pages = readJson(out.reportPath).value("pages").toArray();
    QCOMPARE(pages[1].toObject().value("status").toString(), QString("failed"));
  }

  void unopenableDocumentsReportAClearError() {
    QTemporaryDir tmp;
    QString error;
    auto store = JobStore::open(tmp.filePath("job"), &error);
    FakeEngine engine;
    PipelineRunner runner(engine, smallConfig(), *store);
    const auto missing = runner.runDocument(tmp.filePath("nope.pdf"), {}, makeCancelFlag());
    QVERIFY(!missing.error.isEmpty());
    QVERIFY(missing.error.contains("nope.pdf"));
    PipelineConfig config = smallConfig();
    config.page_range = "7";
    PipelineRunner ranged(engine, config, *store);
    const auto out = ranged.runDocument(makePdf(tmp.filePath("d.pdf")), {}, makeCancelFlag());
    QVERIFY(out.error.contains("does not exist"));
    QCOMPARE(engine.layoutCalls, 0);
  }

  // A crash (kill -9, cancel) in the middle of any stage: what was finished stays byte-identical, the page
  // in flight leaves no page file, and the resumed run does exactly the remaining pages, once each, ending
  // with the same results as a run that was never interrupted.
  void resumesAfterACrashAtEachStageWithoutLosingOrRepeatingWork_data() {
    QTest::addColumn<QString>("stage");
    QTest::newRow("layout") << "layout";
    QTest::newRow("crop OCR") << "crop OCR";
    QTest::newRow("summaries") << "summaries";
  }
  void resumesAfterACrashAtEachStageWithoutLosingOrRepeatingWork() {
    QFETCH(QString, stage);
    QTemporaryDir tmp;
    const QString pdf = makePdf(tmp.filePath("d.pdf"));
    PipelineConfig config = smallConfig();
    config.batch_size = 1;  // one page per chunk: the crash hits page 2 while page 1 is finished
    QString error, docId;

    auto reference = JobStore::open(tmp.filePath("reference"), &error);
    FakeEngine clean;
    const auto full = PipelineRunner(clean, config, *reference).runDocument(pdf, {}, makeCancelFlag());
    QCOMPARE(full.pagesDone, kPages);

    QByteArray page1;
    {
      auto store = JobStore::open(tmp.filePath("job"), &error);
      FakeEngine engine;
      engine.crash = makeCancelFlag();
      engine.crashStage = stage;
      engine.crashAtCall = 2;  // the second call of that stage: page 2
      const auto out = PipelineRunner(engine, config, *store).runDocument(pdf, {}, engine.crash);
      QVERIFY(out.cancelled);
      QCOMPARE(out.pagesDone, 1);
      docId = out.docId;
      page1 = readBytes(store->pageFile(docId, 0));
      QVERIFY(!page1.isEmpty());
      QVERIFY(!QFileInfo::exists(store->pageFile(docId, 1)));  // nothing half-written, no failure recorded
      QVERIFY(!QFileInfo::exists(store->pageFile(docId, 2)));
    }
    auto store = JobStore::open(tmp.filePath("job"), &error);
    FakeEngine engine;
    const auto out = PipelineRunner(engine, config, *store).runDocument(pdf, {}, makeCancelFlag());
    QCOMPARE(out.pagesSkipped, 1);
    QCOMPARE(out.pagesDone, 2);
    QCOMPARE(engine.layoutPages, (QList<int>{1, 2}));
    QCOMPARE(engine.ocrPages, (QList<int>{1, 2}));
    QCOMPARE(engine.summaryPages, (QList<int>{1, 2}));
    QCOMPARE(readBytes(store->pageFile(docId, 0)), page1);
    for (int i = 0; i < kPages; ++i) {
      QCOMPARE(withoutRunDetails(readJson(store->pageFile(docId, i))), withoutRunDetails(readJson(reference->pageFile(docId, i))));
      QCOMPARE(store->loadPage(docId, i)->attempts, 1);  // the interrupted page does not count as a failed attempt
      const QString crop = QStringLiteral("/crops/page-%1-picture-01.png").arg(i + 1, 4, 10, QChar('0'));
      QCOMPARE(QImage(store->documentDir(docId) + crop), QImage(reference->documentDir(docId) + crop));
    }
    const QJsonArray resumed = readJson(out.reportPath).value("pages").toArray();
    const QJsonArray uninterrupted = readJson(full.reportPath).value("pages").toArray();
    QCOMPARE(resumed.size(), kPages);
    for (int i = 0; i < kPages; ++i)
      QCOMPARE(withoutRunDetails(resumed[i].toObject()), withoutRunDetails(uninterrupted[i].toObject()));
  }

  // kill -9 after a page file was renamed into place, or after every page but before the report: the files
  // on disk are all that survives, and the rerun recomputes only what is missing.
  void resumesAfterACrashBetweenPageWritesAndBeforeTheReport() {
    QTemporaryDir tmp;
    const QString pdf = makePdf(tmp.filePath("d.pdf"));
    QString error;
    auto store = JobStore::open(tmp.filePath("job"), &error);
    FakeEngine first;
    const auto full = PipelineRunner(first, smallConfig(), *store).runDocument(pdf, {}, makeCancelFlag());
    const QJsonArray pages = readJson(full.reportPath).value("pages").toArray();
    QVERIFY(QFile::remove(full.reportPath));  // died before the report
    FakeEngine idle;
    auto out = PipelineRunner(idle, smallConfig(), *store).runDocument(pdf, {}, makeCancelFlag());
    QCOMPARE(idle.layoutCalls + idle.visionCalls, 0);
    QCOMPARE(out.pagesSkipped, kPages);
    QCOMPARE(readJson(out.reportPath).value("pages").toArray(), pages);

    QVERIFY(QFile::remove(store->pageFile(full.docId, 1)));  // died right after page 1 was written
    QVERIFY(QFile::remove(store->pageFile(full.docId, 2)));
    QVERIFY(QFile::remove(full.reportPath));
    FakeEngine resumed;
    out = PipelineRunner(resumed, smallConfig(), *store).runDocument(pdf, {}, makeCancelFlag());
    QCOMPARE(resumed.layoutPages, (QList<int>{1, 2}));
    QCOMPARE(out.pagesDone, 2);
    const QJsonArray again = readJson(out.reportPath).value("pages").toArray();
    QCOMPARE(again.size(), kPages);
    for (int i = 0; i < kPages; ++i) QCOMPARE(withoutRunDetails(again[i].toObject()), withoutRunDetails(pages[i].toObject()));
  }

  void withoutAVisionModelCropsAreWrittenAndOcrAndSummariesAreSkipped() {
    QTemporaryDir tmp;
    const QString pdf = makePdf(tmp.filePath("d.pdf"));
    QString error;
    auto store = JobStore::open(tmp.filePath("job"), &error);
    FakeEngine engine;
    engine.noVisionReason = "skipped: no Gemma model";
    PipelineConfig config = smallConfig();
    config.crops_dir = "picture_crops";
    const auto out = PipelineRunner(engine, config, *store).runDocument(pdf, {}, makeCancelFlag());
    QCOMPARE(out.pagesDone, kPages);
    QCOMPARE(engine.visionCalls, 0);
    const auto page = store->loadPage(out.docId, 1);
    QCOMPARE(page->pictures.size(), 1);
    QCOMPARE(page->pictures[0].ocrStatus, QString("skipped"));
    QCOMPARE(page->pictures[0].ocrReason, QString("skipped: no Gemma model"));
    QCOMPARE(page->pictures[0].ocrText, QString());  // never a made-up answer
    QCOMPARE(page->pictures[0].cropFile, QString("picture_crops/page-0002-picture-01.png"));
    const QImage crop(store->documentDir(out.docId) + "/" + page->pictures[0].cropFile);
    QCOMPARE(crop.size(), QSize(168, 168));
    QCOMPARE(crop.pixelColor(84, 84).red(), 80);
    QCOMPARE(page->summaryStatus, QString("skipped"));
    QCOMPARE(page->summaryReason, QString("skipped: no Gemma model"));

    config.page_summaries = false;  // switched off by the user: a different, equally clear reason
    engine.noVisionReason.clear();
    auto other = JobStore::open(tmp.filePath("job2"), &error);
    const auto out2 = PipelineRunner(engine, config, *other).runDocument(pdf, {}, makeCancelFlag());
    QCOMPARE(other->loadPage(out2.docId, 0)->summaryReason, QString("skipped: page summaries are turned off (page_summaries = false)"));
    QCOMPARE(other->loadPage(out2.docId, 0)->pictures[0].ocrStatus, QString("ok"));
  }

  void imageFolderIsOneDocumentWithOnePagePerImage() {
    QTemporaryDir tmp;
    QDir().mkpath(tmp.filePath("scans"));
    for (int i : {2, 10, 1}) {  // numeric name order: 1, 2, 10
      QImage img(200, 150, QImage::Format_RGB888);
      img.fill(Qt::white);
      QPainter p(&img);
      p.fillRect(QRect(100, 50, 60, 60), QColor(40 * (i == 10 ? 3 : i), 0, 0));
      p.end();
      QVERIFY(img.save(tmp.filePath(QStringLiteral("scans/sheet%1.png").arg(i))));
    }
    QFile notAnImage(tmp.filePath("scans/notes.txt"));
    QVERIFY(notAnImage.open(QIODevice::WriteOnly));
    notAnImage.write("ignored");
    notAnImage.close();
    QString error;
    auto store = JobStore::open(tmp.filePath("job"), &error);
    FakeEngine engine;
    PipelineConfig config = smallConfig();
    const auto out = PipelineRunner(engine, config, *store).runDocument(tmp.filePath("scans"), {}, makeCancelFlag());
    QVERIFY2(out.error.isEmpty(), qPrintable(out.error));
    QCOMPARE(out.pagesDone, 3);
    QVERIFY(out.docId.startsWith("scans-"));
    QCOMPARE(engine.layoutPages, (QList<int>{0, 1, 2}));
    const QJsonObject report = readJson(out.reportPath);
    QCOMPARE(report.value("document").toObject().value("page_count").toInt(), 3);
    QCOMPARE(report.value("document").toObject().value("sha256").toString(), JobStore::sha256OfSource(tmp.filePath("scans"), &error));
    const auto page = store->loadPage(out.docId, 2);
    QCOMPARE(page->renderWidth, 200);
    QCOMPARE(page->dpi, 72.0);  // pdf_dpi is the nominal scan resolution
    QCOMPARE(page->pictures[0].ocrText, QStringLiteral("{\"text\":\"red 120\",\"size\":\"168x168\"}"));
    // Changing an image changes the document's identity: a new job, not stale results.
    QImage changed(tmp.filePath("scans/sheet1.png"));
    changed.setPixelColor(0, 0, Qt::black);
    QVERIFY(changed.save(tmp.filePath("scans/sheet1.png")));
    QVERIFY(JobStore::sha256OfSource(tmp.filePath("scans"), &error) != report.value("document").toObject().value("sha256").toString());
    const auto empty = PipelineRunner(engine, config, *store).runDocument(tmp.filePath("job"), {}, makeCancelFlag());
    QVERIFY(empty.error.contains("has no images"));
  }

  // --reuse-layout: a second job takes every page's layout from the first job's report (same file, same
  // render size) and never asks the layout model; crops, OCR and summaries run again from those boxes.
  // A report of another file is ignored, and a page rendered at another size goes to the model.
  void reusesLayoutFromAnEarlierReport() {
    QTemporaryDir tmp;
    const QString pdf = makePdf(tmp.filePath("drawing.pdf"));
    const QString other = makePdf(tmp.filePath("other.pdf"));
    {
      QFile f(other);  // a different file (sha256) with the same pages: a comment after %%EOF
      QVERIFY(f.open(QIODevice::Append));
      f.write("\n% another file\n");
    }
    QString error;
    QString firstReport;
    {
      auto store = JobStore::open(tmp.filePath("job1"), &error);
      FakeEngine engine;
      const DocumentOutcome out = PipelineRunner(engine, smallConfig(), *store).runDocument(pdf, {}, makeCancelFlag());
      QCOMPARE(out.pagesDone, kPages);
      firstReport = out.reportPath;
    }
    // The report as it would come from another machine: page 2 (0-based) edited to hold two pictures.
    QJsonObject report = readJson(firstReport);
    QJsonArray pages = report.value("pages").toArray();
    QJsonObject page2 = pages[2].toObject();
    QJsonObject layout = page2.value("layout").toObject();
    layout.insert("raw", QStringLiteral("[{\"bbox\":[100,50,160,110],\"category\":\"Picture\"},"
                                        "{\"bbox\":[10,10,50,40],\"category\":\"Picture\"}]"));
    page2.insert("layout", layout);
    pages[2] = page2;
    // Page 1's render size in the report differs: that page must go to the model.
    QJsonObject page1 = pages[1].toObject();
    QJsonObject render = page1.value("render").toObject();
    render.insert("width", 999);
    page1.insert("render", render);
    pages[1] = page1;
    report.insert("pages", pages);
    const QString edited = tmp.filePath("edited_report.json");
    {
      QFile f(edited);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(QJsonDocument(report).toJson());
    }

    auto store = JobStore::open(tmp.filePath("job2"), &error);
    QVERIFY2(store, qPrintable(error));
    FakeEngine engine;
    PipelineRunner runner(engine, smallConfig(), *store);
    runner.reuseLayoutFrom({edited});
    const DocumentOutcome out = runner.runDocument(pdf, {}, makeCancelFlag());
    QVERIFY2(out.error.isEmpty(), qPrintable(out.error));
    QCOMPARE(out.pagesDone, kPages);
    QCOMPARE(engine.layoutPages, (QList<int>{1}));  // only the page whose render size differs
    const auto p2 = store->loadPage(out.docId, 2);
    QVERIFY(p2.has_value());
    QCOMPARE(p2->pictures.size(), 2);  // the edited layout, not the model's
    // A report does not record the model's input size, so reused boxes map through dots.ocr's own
    // smart_resize of the page (200x150 -> 196x140), as the real engine's answers do: x' = int(x / (196/200)).
    QCOMPARE(p2->pictures[1].paddedBboxPx, QRectF(QPointF(0, 0), QPointF(51 + 12, 42 + 12)));  // padded, clamped
    QVERIFY(p2->layoutParseReason.contains("layout taken from an earlier report"));
    QCOMPARE(engine.ocrPages.count(2), 1);  // the second crop is white page background: pageOf() gives 5
    const auto p0 = store->loadPage(out.docId, 0);
    QCOMPARE(p0->pictures.size(), 1);
    // [100,50,160,110] in model pixels -> (102,53)-(163,117) on the page, padded 12 -> 85x88, upscaled 2x.
    QCOMPARE(p0->pictures[0].ocrText, QStringLiteral("{\"text\":\"red 40\",\"size\":\"170x176\"}"));
    QVERIFY(!p0->timingsSeconds.contains("layout"));  // no model time was spent on it
    QVERIFY(QFileInfo::exists(store->documentDir(out.docId) + "/" + p2->pictures[1].cropFile));

    // Another file's report changes nothing: every page of that file goes to the model.
    FakeEngine otherEngine;
    PipelineRunner otherRunner(otherEngine, smallConfig(), *store);
    otherRunner.reuseLayoutFrom({edited});
    QCOMPARE(otherRunner.runDocument(other, {}, makeCancelFlag()).pagesDone, kPages);
    QCOMPARE(otherEngine.layoutPagesSeen, kPages);

    // A report that is not JSON stops the document with a message naming it, before any work.
    const QString broken = tmp.filePath("broken.json");
    {
      QFile f(broken);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("{ not json");
    }
    auto store3 = JobStore::open(tmp.filePath("job3"), &error);
    FakeEngine idle;
    PipelineRunner brokenRunner(idle, smallConfig(), *store3);
    brokenRunner.reuseLayoutFrom({broken});
    const DocumentOutcome failed = brokenRunner.runDocument(pdf, {}, makeCancelFlag());
    QVERIFY(failed.error.contains("broken.json"));
    QCOMPARE(idle.layoutCalls + idle.visionCalls, 0);
  }

  void classifiesVisionAnswers() {
    QCOMPARE(classifyVisionAnswer({0, "{\"a\":1}", {}}).status, QString("ok"));
    const auto fenced = classifyVisionAnswer({0, "```json\n{\"a\":1}\n```", {}});
    QCOMPARE(fenced.status, QString("repaired"));
    QCOMPARE(fenced.text, QString("{\"a\":1}"));
    const auto raw = classifyVisionAnswer({0, "Dimensions: 40 ±0.1", {}});
    QCOMPARE(raw.status, QString("raw"));
    QCOMPARE(raw.text, QString("Dimensions: 40 ±0.1"));
    QVERIFY(!raw.reason.isEmpty());
    QCOMPARE(classifyVisionAnswer({0, {}, "timeout"}).status, QString("failed"));
  }
};

QTEST_MAIN(PipelineRunnerTest)
#include "pipeline_runner_test.moc"
