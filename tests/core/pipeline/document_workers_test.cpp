// Documents over several engines (one per GPU in `layoutlens-cli run --gpus`): every document runs once, on
// one worker, with its pages written; the workers really share the queue; documents that may share a job
// folder stay on one worker; the callbacks never overlap; a cancel stops new documents and keeps finished
// pages. The engines are the scripted test engine, slowed down so two workers are busy at the same time.
#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <memory>
#include <set>

#include "core/pipeline/document_workers.h"
#include "support/scripted_analysis_engine.h"

using namespace ll::pipeline;

namespace {

// An image folder of `pages` PNGs: one document (each page a different shade, so no two pages are alike).
QString imageDocument(const QString& dir, int pages, int shade) {
  QDir().mkpath(dir);
  for (int i = 0; i < pages; ++i) {
    QImage page(160, 120, QImage::Format_RGB888);
    page.fill(QColor(shade, 10 * i, 200));
    page.save(QStringLiteral("%1/page_%2.png").arg(dir).arg(i), "PNG");
  }
  return dir;
}

void writeFile(const QString& path, const QByteArray& bytes) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(bytes);
}

// A job folder and `count` image documents of `pages` pages each, all different.
struct Job {
  QTemporaryDir tmp;
  QStringList docs;
  std::unique_ptr<JobStore> store;
  Job(int count, int pages) {
    for (int d = 0; d < count; ++d)
      docs << imageDocument(tmp.filePath(QStringLiteral("doc%1").arg(d)), pages, 20 + 40 * d);
    QString error;
    store = JobStore::open(tmp.filePath("job"), &error);
    if (!store) qFatal("cannot open the job folder: %s", qPrintable(error));
  }
};

PipelineConfig smallConfig() {
  PipelineConfig c;
  c.batch_size = 2;
  c.page_summaries = true;
  return c;
}

}  // namespace

class DocumentWorkersTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void twoWorkersShareTheDocumentsAndRunEachOnce() {
    Job job(4, 2);
    const QStringList& docs = job.docs;
    ll::testing::ScriptedAnalysisEngine a, b;
    a.layoutDelayMs = b.layoutDelayMs = 150;  // a document takes >= 300 ms: the other worker takes the next one
    std::vector<int> doneOrder;
    const auto out = runDocumentsOnWorkers({&a, &b}, smallConfig(), *job.store, {}, {}, docs, {}, makeCancelFlag(),
                                           [&](int index, const WorkerOutcome&) { doneOrder.push_back(index); });
    QCOMPARE(int(out.size()), 4);
    std::set<int> workers;
    for (int i = 0; i < 4; ++i) {
      QCOMPARE(out[i].outcome.sourcePath, docs[i]);  // input order
      QVERIFY2(out[i].outcome.ok(), qPrintable(out[i].outcome.error));
      QCOMPARE(out[i].outcome.pagesDone, 2);
      QVERIFY(QFileInfo::exists(out[i].outcome.reportPath));
      QVERIFY(out[i].worker == 0 || out[i].worker == 1);
      workers.insert(out[i].worker);
    }
    QCOMPARE(int(workers.size()), 2);                          // both engines worked
    QCOMPARE(a.layoutPages.load() + b.layoutPages.load(), 8);  // no page laid out twice
    QVERIFY(a.layoutPages.load() > 0 && b.layoutPages.load() > 0);
    QCOMPARE(int(doneOrder.size()), 4);
  }

  void documentsThatMayShareAFolderStayTogether() {
    QTemporaryDir tmp;
    writeFile(tmp.filePath("a/x.pdf"), "same bytes");
    writeFile(tmp.filePath("b/x.pdf"), "same bytes");   // a copy: same base name and size, so the same job folder
    writeFile(tmp.filePath("c/y.pdf"), "same bytes");   // another name: another folder
    writeFile(tmp.filePath("d/x.pdf"), "other size!");  // same name, other content
    writeFile(tmp.filePath("h/x y.pdf"), "same bytes");  // "x_y" as a folder name, like "x_y.pdf" below
    writeFile(tmp.filePath("i/x_y.pdf"), "same bytes");
    const QStringList paths{tmp.filePath("a/x.pdf"), tmp.filePath("b/x.pdf"), tmp.filePath("c/y.pdf"),
                            tmp.filePath("a/../a/x.pdf"), tmp.filePath("d/x.pdf"), tmp.filePath("h/x y.pdf"),
                            tmp.filePath("i/x_y.pdf")};
    const auto groups = documentsSharingAFolder(paths);
    const std::vector<std::vector<int>> want{{0, 1, 3}, {2}, {4}, {5, 6}};
    QCOMPARE(groups, want);
    // Image folders are named by their folder name, also when given with a trailing slash.
    QDir().mkpath(tmp.filePath("e/scans"));
    QDir().mkpath(tmp.filePath("f/sheets"));
    QDir().mkpath(tmp.filePath("g/scans"));
    const auto folders = documentsSharingAFolder({tmp.filePath("e/scans/"), tmp.filePath("f/sheets/"), tmp.filePath("g/scans")});
    const std::vector<std::vector<int>> wantFolders{{0, 2}, {1}};
    QCOMPARE(folders, wantFolders);
  }

  void callbacksNeverOverlap() {
    Job job(3, 2);
    ll::testing::ScriptedAnalysisEngine a, b;
    a.layoutDelayMs = b.layoutDelayMs = 40;
    std::atomic<int> inside{0}, overlaps{0}, calls{0};
    auto guard = [&] {
      if (++inside != 1) ++overlaps;
      ++calls;
      QThread::msleep(2);  // widen the window an overlap would need
      --inside;
    };
    RunnerCallbacks callbacks;
    callbacks.progress = [&](const RunProgress&) { guard(); };
    callbacks.pageFinished = [&](const QString&, const PageResult&) { guard(); };
    const auto out = runDocumentsOnWorkers({&a, &b}, smallConfig(), *job.store, callbacks, {}, job.docs, {}, makeCancelFlag(),
                                           [&](int, const WorkerOutcome&) { guard(); });
    QVERIFY(calls.load() > 10);
    QCOMPARE(overlaps.load(), 0);
    for (const auto& r : out) QCOMPARE(r.outcome.pagesDone, 2);
  }

  void cancelStopsNewDocumentsAndKeepsFinishedPages() {
    Job job(5, 2);
    ll::testing::ScriptedAnalysisEngine a, b;
    a.layoutDelayMs = 50;   // a's first document ends first ...
    b.layoutDelayMs = 500;  // ... while b's is still in layout when the cancel comes
    const CancelFlag cancel = makeCancelFlag();
    const auto out = runDocumentsOnWorkers({&a, &b}, smallConfig(), *job.store, {}, {}, job.docs, {}, cancel,
                                           [&](int, const WorkerOutcome&) { cancel->store(true); });
    int finished = 0, unstarted = 0;
    for (const auto& r : out) {
      if (r.worker < 0) {
        ++unstarted;
        QCOMPARE(r.outcome.pagesDone, 0);
      } else if (r.outcome.ok()) {
        ++finished;
        QVERIFY(QFileInfo::exists(r.outcome.reportPath));
      }
    }
    QCOMPARE(finished, 1);   // the first document to end; the other worker's stopped with the cancel
    QCOMPARE(unstarted, 3);  // none started after the cancel
  }

  void oneEngineRunsTheDocumentsInOrderOnTheCallingThread() {
    Job job(3, 1);
    ll::testing::ScriptedAnalysisEngine a;
    std::vector<int> order;
    const auto out = runDocumentsOnWorkers({&a}, smallConfig(), *job.store, {}, {}, job.docs, {}, makeCancelFlag(),
                                           [&](int index, const WorkerOutcome& r) {
                                             QCOMPARE(QThread::currentThread(), qApp->thread());
                                             QCOMPARE(r.worker, 0);
                                             order.push_back(index);
                                           });
    QCOMPARE(order, (std::vector<int>{0, 1, 2}));
    for (const auto& r : out) QCOMPARE(r.outcome.pagesDone, 1);
  }
};

QTEST_MAIN(DocumentWorkersTest)
#include "document_workers_test.moc"
