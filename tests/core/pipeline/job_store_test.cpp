// The job store is what makes analysis loss-free: these tests pin down atomic per-page writes, resume
// (finished pages are not handed out again), bounded retries and the per-job lock.
#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include "core/pipeline/job_store.h"

using namespace ll::pipeline;

namespace {

PageResult samplePage(int index) {
  PageResult r;
  r.pageIndex = index;
  r.renderWidth = 1700;
  r.renderHeight = 2200;
  r.dpi = 200;
  r.cells.append({"Title", QRectF(QPointF(100, 80), QPointF(900, 140)), QRectF(QPointF(36, 28.8), QPointF(324, 50.4)), "# Bracket"});
  r.cells.append({"Picture", QRectF(QPointF(100, 300), QPointF(1500, 1600)), QRectF(QPointF(36, 108), QPointF(540, 576)), ""});
  r.pictures.append({"p0001-r01", QRectF(QPointF(88, 288), QPointF(1512, 1612)), "crops/p0001-r01.png", "{\"text\":\"Ø12 H7\"}", "ok", ""});
  r.layoutRaw = "[{\"bbox\":[1,2,3,4],\"category\":\"Title\",\"text\":\"# Bracket\"}]";
  r.layoutParseStatus = "ok";
  r.summary = "A bracket drawing.";
  r.summaryStatus = "ok";
  r.timingsSeconds.insert("layout", 0.42);
  return r;
}

QString makeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes) {
  const QString path = dir.filePath(name);
  QFile f(path);
  f.open(QIODevice::WriteOnly);
  f.write(bytes);
  return path;
}

}  // namespace

class JobStoreTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void pageResultRoundTripsThroughJson() {
    const PageResult in = samplePage(2);
    PageResult out;
    QString error;
    QVERIFY2(PageResult::fromJson(in.toJson(), &out, &error), qPrintable(error));
    QCOMPARE(out, in);
    QCOMPARE(out.cells[0].bboxPt, QRectF(QPointF(36, 28.8), QPointF(324, 50.4)));
    QCOMPARE(out.pictures[0].ocrText, QString("{\"text\":\"Ø12 H7\"}"));
  }

  void pageResultRejectsMalformedJson() {
    PageResult out;
    QString error;
    QVERIFY(!PageResult::fromJson(QJsonObject{{"status", "done"}}, &out, &error));
    QVERIFY(error.contains("page_index"));
    QJsonObject o = samplePage(0).toJson();
    o["status"] = "maybe";
    QVERIFY(!PageResult::fromJson(o, &out, &error));
    QVERIFY(error.contains("maybe"));
  }

  void documentIdIsStableAndHashBased() {
    QTemporaryDir tmp;
    const QString pdf = makeFile(tmp, "My Drawing (rev A).pdf", "%PDF-1.4 not really");
    QString error;
    auto store = JobStore::open(tmp.filePath("job"), &error);
    QVERIFY2(store, qPrintable(error));
    const QString id1 = store->addDocument(pdf, 3, &error);
    const QString id2 = store->addDocument(pdf, 3, &error);
    QCOMPARE(id1, id2);
    QVERIFY(id1.startsWith("My_Drawing_rev_A_-"));
    QCOMPARE(store->sourceSha256(id1), JobStore::sha256OfFile(pdf, &error));
    const QString other = makeFile(tmp, "other.pdf", "different bytes");
    QVERIFY(store->addDocument(other, 1, &error) != id1);
  }

  void finishedPagesAreSkippedOnResume() {
    QTemporaryDir tmp;
    const QString pdf = makeFile(tmp, "a.pdf", "x");
    QString error;
    QString id;
    {
      auto store = JobStore::open(tmp.filePath("job"), &error);
      id = store->addDocument(pdf, 4, &error);
      QVERIFY(store->writePage(id, samplePage(0), &error));
      QVERIFY(store->writePage(id, samplePage(2), &error));
    }  // the "crash": the store goes away, files stay
    auto store = JobStore::open(tmp.filePath("job"), &error);
    QVERIFY2(store, qPrintable(error));
    QCOMPARE(store->pagesToProcess(id, {0, 1, 2, 3}, 3), (QList<int>{1, 3}));
    const auto loaded = store->loadPage(id, 2);
    QVERIFY(loaded.has_value());
    QCOMPARE(*loaded, samplePage(2));
    QCOMPARE(store->loadAllPages(id).size(), 2);
  }

  void failingPageIsRetriedABoundedNumberOfTimes() {
    QTemporaryDir tmp;
    const QString pdf = makeFile(tmp, "a.pdf", "x");
    QString error;
    auto store = JobStore::open(tmp.filePath("job"), &error);
    const QString id = store->addDocument(pdf, 2, &error);
    QCOMPARE(store->recordFailure(id, 1, "CUDA out of memory", &error), 1);
    QCOMPARE(store->pagesToProcess(id, {0, 1}, 2), (QList<int>{0, 1}));
    QCOMPARE(store->recordFailure(id, 1, "CUDA out of memory again", &error), 2);
    QCOMPARE(store->pagesToProcess(id, {0, 1}, 2), (QList<int>{0}));
    const auto failed = store->loadPage(id, 1);
    QCOMPARE(failed->status, PageResult::Status::Failed);
    QCOMPARE(failed->error, QString("CUDA out of memory again"));
    // A page that later succeeds replaces its failure record, and a finished page is never overwritten by one.
    QVERIFY(store->writePage(id, samplePage(1), &error));
    QCOMPARE(store->recordFailure(id, 1, "late failure", &error), 0);
    QVERIFY(store->isPageDone(id, 1));
  }

  void unreadablePageFileIsRedoneNotTrusted() {
    QTemporaryDir tmp;
    const QString pdf = makeFile(tmp, "a.pdf", "x");
    QString error;
    auto store = JobStore::open(tmp.filePath("job"), &error);
    const QString id = store->addDocument(pdf, 1, &error);
    QFile f(store->pageFile(id, 0));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{ truncated");
    f.close();
    QCOMPARE(store->pagesToProcess(id, {0}, 3), (QList<int>{0}));
    QStringList problems;
    QVERIFY(store->loadAllPages(id, &problems).isEmpty());
    QCOMPARE(problems.size(), 1);
    QVERIFY(problems[0].contains("page_0001.json"));
  }

  void secondOpenOfABusyJobIsRefused() {
    QTemporaryDir tmp;
    QString error;
    auto first = JobStore::open(tmp.filePath("job"), &error);
    QVERIFY(first);
    auto second = JobStore::open(tmp.filePath("job"), &error);
    QVERIFY(!second);
    QVERIFY2(error.contains("in use"), qPrintable(error));
    first.reset();
    QVERIFY(JobStore::open(tmp.filePath("job"), &error));
  }

  void reportCarriesSchemaVersionAndPagesInOrder() {
    QTemporaryDir tmp;
    const QString pdf = makeFile(tmp, "a.pdf", "x");
    QString error;
    auto store = JobStore::open(tmp.filePath("job"), &error);
    const QString id = store->addDocument(pdf, 2, &error);
    store->writePage(id, samplePage(1), &error);
    store->writePage(id, samplePage(0), &error);
    DocumentReport report;
    report.sourcePath = pdf;
    report.pageCount = 2;
    report.pages = store->loadAllPages(id);
    QVERIFY(store->writeReport(id, report, &error));
    QFile f(store->reportFile(id));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(o.value("schema_version").toInt(), kReportSchemaVersion);
    QCOMPARE(o.value("pages").toArray().size(), 2);
    QCOMPARE(o.value("pages").toArray()[0].toObject().value("page_index").toInt(), 0);
    QCOMPARE(o.value("document").toObject().value("page_count").toInt(), 2);
  }
};

QTEST_GUILESS_MAIN(JobStoreTest)
#include "job_store_test.moc"
