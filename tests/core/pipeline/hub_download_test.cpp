// The hub downloader against a fake hub on a local port that speaks the hub's URL layout and headers
// (API listing, HEAD with X-Linked-Etag/X-Repo-Commit, redirect to a CDN host, Range, 401/403 for a gated
// repo, a connection dropped mid-file): the cache it writes must be the huggingface_hub layout that
// core/infer/hub_resolver reads, and nothing damaged may ever appear in snapshots/.
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QPointer>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include "core/infer/hub_resolver.h"
#include "core/pipeline/hub_download.h"
#include "support/fake_hub.h"

using namespace ll::pipeline;
using namespace ll::test_support;
const QString kCommit = kFakeHubCommit;

namespace {

const QByteArray kConfig = "{\"model_type\": \"qwen2\", \"hidden_size\": 8}\n";
const QString kConfigGitSha = QStringLiteral("6e1e3f5ef8d1ca08a73dc4343540a4975528186d");  // `git hash-object` of kConfig

QMap<QString, RepoFile> tinyRepo(int weightBytes = 300 * 1024) {
  QMap<QString, RepoFile> files;
  files[QStringLiteral("config.json")] = {kConfig};
  files[QStringLiteral("tokenizer.json")] = {"{\"model\": {\"type\": \"BPE\"}}"};
  files[QStringLiteral("model.safetensors")] = {randomBytes(weightBytes, 7), true};
  files[QStringLiteral("README.md")] = {"# tiny"};
  files[QStringLiteral("pytorch_model.bin")] = {randomBytes(1000, 8), true};
  files[QStringLiteral("onnx/model.safetensors")] = {randomBytes(100, 9), true};
  return files;
}

QByteArray readFile(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class HubDownloadTest : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir home_;
  std::unique_ptr<QTemporaryDir> cache_;

  HubDownloadRequest requestFor(const FakeHub& hub, const QString& repo) {
    HubDownloadRequest r;
    r.repoId = repo;
    r.endpoint = hub.endpoint();
    r.cacheDir = cache_->path();
    r.retryDelayMs = 10;
    return r;
  }
  static bool run(HubDownloader& d, const HubDownloadRequest& r) {
    QSignalSpy finished(&d, &HubDownloader::finished);
    d.start(r);
    if (!finished.wait(30000)) return false;
    return finished.first().first().toBool();
  }
  QString folder(const QString& name) const { return cache_->path() + QStringLiteral("/models--") + name; }

 private Q_SLOTS:
  void initTestCase() {
    // Nothing from the machine's own hub setup (token file, cache, offline switch) may leak in.
    qputenv("HF_HOME", home_.path().toUtf8());
    qunsetenv("HF_TOKEN");
    qunsetenv("HF_TOKEN_PATH");
    qunsetenv("HF_HUB_OFFLINE");
    qunsetenv("HF_ENDPOINT");
  }
  void init() { cache_ = std::make_unique<QTemporaryDir>(); }

  void selectsOnlyTheFilesTheLoaderNeeds() {
    for (const char* yes : {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "preprocessor_config.json",
                            "chat_template.jinja", "model.safetensors.index.json", "model-00001-of-00004.safetensors", "special_tokens_map.json"})
      QVERIFY2(isFileTheLoaderNeeds(QString::fromLatin1(yes)), yes);
    for (const char* no : {"README.md", "pytorch_model.bin", "model.onnx", "onnx/model.safetensors", "modeling_dots.py", ".gitattributes", "model.gguf"})
      QVERIFY2(!isFileTheLoaderNeeds(QString::fromLatin1(no)), no);
    QCOMPARE(normalizeEtag("W/\"abc123\""), QStringLiteral("abc123"));
    QCOMPARE(normalizeEtag("\"abc\""), QStringLiteral("abc"));
  }

  void downloadsIntoTheHubCacheLayoutTheResolverReads() {
    FakeHub hub;
    hub.repos[QStringLiteral("acme/tiny")] = tinyRepo();
    HubDownloader d;
    QSignalSpy progress(&d, &HubDownloader::progress);
    QVERIFY2(run(d, requestFor(hub, QStringLiteral("acme/tiny"))), qPrintable(d.errorMessage()));
    const QString model = folder(QStringLiteral("acme--tiny"));
    QCOMPARE(d.snapshotDir(), model + QStringLiteral("/snapshots/") + kCommit);
    QCOMPARE(readFile(model + QStringLiteral("/refs/main")), kCommit.toLatin1());
    const QByteArray weights = hub.repos[QStringLiteral("acme/tiny")][QStringLiteral("model.safetensors")].content;
    // Blobs are named by the hub's hashes: sha256 for LFS, git blob sha1 for small files.
    QCOMPARE(readFile(model + QStringLiteral("/blobs/") + sha256Hex(weights)), weights);
    QCOMPARE(readFile(model + QStringLiteral("/blobs/") + kConfigGitSha), kConfig);
    const QFileInfo link(d.snapshotDir() + QStringLiteral("/model.safetensors"));
    QVERIFY(link.isSymLink());
    QCOMPARE(QFile::symLinkTarget(link.filePath()), QFileInfo(model + QStringLiteral("/blobs/") + sha256Hex(weights)).canonicalFilePath());
    QCOMPARE(QDir(d.snapshotDir()).entryList(QDir::Files, QDir::Name), (QStringList{"config.json", "model.safetensors", "tokenizer.json"}));
    QVERIFY(QDir(model + QStringLiteral("/blobs")).entryList({QStringLiteral("*.incomplete")}, QDir::Files).isEmpty());
    const auto& repo = hub.repos[QStringLiteral("acme/tiny")];
    QCOMPARE(d.bytesTotal(), qint64(kConfig.size() + weights.size() + repo[QStringLiteral("tokenizer.json")].content.size()));
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.last().at(0).toLongLong(), d.bytesTotal());

    // What was requested: the API, one HEAD per needed file, one GET of the weights from the CDN with no token.
    QCOMPARE(hub.requestsFor("/api/").size(), 1);
    QCOMPARE(hub.requestsFor("/cdn/").size(), 1);
    for (const auto& r : hub.seen) QVERIFY2(!r.path.contains("README") && !r.path.contains("pytorch_model") && !r.path.contains("onnx"), r.path.constData());

    qputenv("HF_HUB_CACHE", cache_->path().toUtf8());
    const auto resolved = ll::infer::resolveModel("acme/tiny");
    qunsetenv("HF_HUB_CACHE");
    QCOMPARE(QString::fromStdString(resolved.directory), d.snapshotDir());
    QCOMPARE(QString::fromStdString(resolved.revision), kCommit);

    // A second run finds every blob in place and downloads nothing.
    HubDownloader again;
    QVERIFY2(run(again, requestFor(hub, QStringLiteral("acme/tiny"))), qPrintable(again.errorMessage()));
    QCOMPARE(hub.requestsFor("/cdn/").size(), 1);
  }

  void resumesADroppedConnectionWithARangeRequest() {
    FakeHub hub;
    hub.repos[QStringLiteral("acme/tiny")] = tinyRepo();
    hub.dropFirstCdnGetsAfter = 100000;
    hub.dropCount = 1;
    HubDownloader d;
    QSignalSpy messages(&d, &HubDownloader::statusMessage);
    QVERIFY2(run(d, requestFor(hub, QStringLiteral("acme/tiny"))), qPrintable(d.errorMessage()));
    const auto cdn = hub.requestsFor("/cdn/");
    // Qt itself may resend a request whose connection died before any body byte: count at least 2.
    QVERIFY(cdn.size() >= 2);
    QVERIFY(!cdn[0].headers.contains("range"));
    const QByteArray range = cdn.last().headers.value("range");
    QVERIFY2(range.startsWith("bytes=") && range.mid(6).split('-').first().toLongLong() > 0, range.constData());
    const QByteArray weights = hub.repos[QStringLiteral("acme/tiny")][QStringLiteral("model.safetensors")].content;
    QCOMPARE(readFile(d.snapshotDir() + QStringLiteral("/model.safetensors")), weights);
    bool sawRetry = false;
    for (const auto& m : messages) sawRetry = sawRetry || m.first().toString().contains(QLatin1String("retrying"));
    QVERIFY(sawRetry);
  }

  void givesUpAfterTheRetriesAndKeepsThePartialFile() {
    FakeHub hub;
    hub.repos[QStringLiteral("acme/tiny")] = tinyRepo();
    hub.dropFirstCdnGetsAfter = 0;  // every connection dies before the first byte
    hub.dropCount = 1000;
    HubDownloadRequest r = requestFor(hub, QStringLiteral("acme/tiny"));
    r.maxRetries = 2;
    HubDownloader d;
    QVERIFY(!run(d, r));
    QCOMPARE(d.error(), HubDownloader::Error::Network);
    QVERIFY2(d.errorMessage().contains(QLatin1String("3 attempts")), qPrintable(d.errorMessage()));
    QVERIFY(hub.requestsFor("/cdn/").size() >= 3);  // ours, plus any resend Qt makes on its own
    QVERIFY(!QFileInfo::exists(folder(QStringLiteral("acme--tiny")) + QStringLiteral("/snapshots")));
    QVERIFY(!QFileInfo::exists(folder(QStringLiteral("acme--tiny")) + QStringLiteral("/refs/main")));
  }

  void pauseKeepsThePartialFileAndResumeContinuesIt() {
    FakeHub hub;
    hub.repos[QStringLiteral("acme/tiny")] = tinyRepo(2 * 1024 * 1024);
    hub.chunkDelayMs = 5;
    HubDownloader d;
    QSignalSpy finished(&d, &HubDownloader::finished);
    bool paused = false;
    connect(&d, &HubDownloader::progress, this, [&](qint64, qint64, const QString& file) {
      if (!paused && file == QLatin1String("model.safetensors") && QFileInfo(d.snapshotDir()).exists() == false) {
        const auto partials = QDir(folder(QStringLiteral("acme--tiny")) + QStringLiteral("/blobs")).entryInfoList({QStringLiteral("*.incomplete")});
        if (!partials.isEmpty() && partials.first().size() > 100000) {
          paused = true;
          d.pause();
        }
      }
    });
    d.start(requestFor(hub, QStringLiteral("acme/tiny")));
    QTRY_VERIFY_WITH_TIMEOUT(paused, 30000);
    QCOMPARE(d.state(), HubDownloader::State::Paused);
    QTest::qWait(100);
    QCOMPARE(finished.size(), 0);
    const auto partials = QDir(folder(QStringLiteral("acme--tiny")) + QStringLiteral("/blobs")).entryInfoList({QStringLiteral("*.incomplete")});
    QCOMPARE(partials.size(), 1);
    const qint64 kept = partials.first().size();
    QVERIFY(!QFileInfo::exists(folder(QStringLiteral("acme--tiny")) + QStringLiteral("/snapshots")));
    hub.chunkDelayMs = 0;
    d.resume();
    QVERIFY(finished.wait(30000));
    QVERIFY2(finished.first().first().toBool(), qPrintable(d.errorMessage()));
    const auto cdn = hub.requestsFor("/cdn/");
    QVERIFY(cdn.size() >= 2);
    QVERIFY2(cdn.last().headers.value("range").mid(6).split('-').first().toLongLong() >= kept, cdn.last().headers.value("range").constData());
    QCOMPARE(readFile(d.snapshotDir() + QStringLiteral("/model.safetensors")), hub.repos[QStringLiteral("acme/tiny")][QStringLiteral("model.safetensors")].content);
  }

  void aCancelledDownloadIsResumedByTheNextOne() {
    FakeHub hub;
    hub.repos[QStringLiteral("acme/tiny")] = tinyRepo(1024 * 1024);
    hub.chunkDelayMs = 5;
    auto first = std::make_unique<HubDownloader>();
    connect(first.get(), &HubDownloader::progress, this, [&](qint64 done, qint64, const QString& file) {
      if (file == QLatin1String("model.safetensors") && done > 200000) first->cancel();
    });
    QVERIFY(!run(*first, requestFor(hub, QStringLiteral("acme/tiny"))));
    QCOMPARE(first->state(), HubDownloader::State::Cancelled);
    first.reset();  // like Ctrl+C in the CLI: the process is gone, the partial file stays
    hub.chunkDelayMs = 0;
    HubDownloader second;
    QVERIFY2(run(second, requestFor(hub, QStringLiteral("acme/tiny"))), qPrintable(second.errorMessage()));
    const auto cdn = hub.requestsFor("/cdn/");
    QCOMPARE(cdn.last().headers.value("range").left(6), QByteArray("bytes="));
    QCOMPARE(readFile(second.snapshotDir() + QStringLiteral("/model.safetensors")), hub.repos[QStringLiteral("acme/tiny")][QStringLiteral("model.safetensors")].content);
  }

  void aWrongHashLeavesNothingTheLoaderCouldPickUp() {
    FakeHub hub;
    auto files = tinyRepo();
    files[QStringLiteral("model.safetensors")].servedContent = randomBytes(files[QStringLiteral("model.safetensors")].content.size(), 99);
    hub.repos[QStringLiteral("acme/tiny")] = files;
    HubDownloader d;
    QVERIFY(!run(d, requestFor(hub, QStringLiteral("acme/tiny"))));
    QCOMPARE(d.error(), HubDownloader::Error::Integrity);
    QVERIFY2(d.errorMessage().contains(QLatin1String("SHA-256")), qPrintable(d.errorMessage()));
    const QString model = folder(QStringLiteral("acme--tiny"));
    QVERIFY(!QFileInfo::exists(model + QStringLiteral("/snapshots")));
    QVERIFY(!QFileInfo::exists(model + QStringLiteral("/refs/main")));
    QVERIFY(!QFileInfo::exists(model + QStringLiteral("/blobs/") + sha256Hex(files[QStringLiteral("model.safetensors")].content)));
    QVERIFY(QDir(model + QStringLiteral("/blobs")).entryList({QStringLiteral("*.incomplete")}, QDir::Files).isEmpty());
    qputenv("HF_HUB_CACHE", cache_->path().toUtf8());
    QVERIFY_THROWS_EXCEPTION(ll::infer::ModelNotFoundError, ll::infer::resolveModel("acme/tiny"));
    qunsetenv("HF_HUB_CACHE");
  }

  void aGatedRepoNeedsTheTokenAndTheCdnNeverSeesIt() {
    FakeHub hub;
    hub.repos[QStringLiteral("google/gated")] = tinyRepo();
    hub.gated.insert(QStringLiteral("google/gated"));
    HubDownloader d;
    QVERIFY(!run(d, requestFor(hub, QStringLiteral("google/gated"))));
    QCOMPARE(d.error(), HubDownloader::Error::NeedsToken);
    QVERIFY2(d.errorMessage().contains(QLatin1String("token")), qPrintable(d.errorMessage()));

    HubDownloadRequest wrong = requestFor(hub, QStringLiteral("google/gated"));
    wrong.token = QStringLiteral("hf_wrong");
    QVERIFY(!run(d, wrong));
    QCOMPARE(d.error(), HubDownloader::Error::Forbidden);

    hub.seen.clear();
    HubDownloadRequest right = requestFor(hub, QStringLiteral("google/gated"));
    right.token = QString::fromLatin1(kFakeHubToken);
    QVERIFY2(run(d, right), qPrintable(d.errorMessage()));
    for (const auto& r : hub.seen) {
      if (r.path.startsWith("/cdn/"))
        QVERIFY2(!r.headers.contains("authorization"), "the token was sent to the CDN host");
      else
        QCOMPARE(r.headers.value("authorization"), "Bearer " + kFakeHubToken);
    }

    // The token also comes from HF_TOKEN when none is given.
    qputenv("HF_TOKEN", kFakeHubToken);
    QCOMPARE(hubToken(), QString::fromLatin1(kFakeHubToken));
    qunsetenv("HF_TOKEN");
  }

  void followsTheHubsRelativeRedirectForARenamedRepo() {
    FakeHub hub;
    hub.repos[QStringLiteral("acme/new-name")] = tinyRepo();
    hub.renamedFrom = QStringLiteral("acme/old-name");
    hub.renamedTo = QStringLiteral("acme/new-name");
    HubDownloader d;
    QVERIFY2(run(d, requestFor(hub, QStringLiteral("acme/old-name"))), qPrintable(d.errorMessage()));
    QVERIFY(d.snapshotDir().startsWith(folder(QStringLiteral("acme--old-name"))));
    QCOMPARE(readFile(d.snapshotDir() + QStringLiteral("/config.json")), kConfig);
  }

  void refusesWhenTheDiskIsTooSmall() {
    FakeHub hub;
    auto files = tinyRepo();
    files[QStringLiteral("model.safetensors")].announcedSize = qint64(1) << 55;  // 32 PiB
    hub.repos[QStringLiteral("acme/huge")] = files;
    HubDownloader d;
    QVERIFY(!run(d, requestFor(hub, QStringLiteral("acme/huge"))));
    QCOMPARE(d.error(), HubDownloader::Error::NoSpace);
    QVERIFY2(d.errorMessage().contains(QLatin1String("free")), qPrintable(d.errorMessage()));
    QCOMPARE(hub.requestsFor("/cdn/").size(), 0);
  }

  void offlineModeMakesNoRequest() {
    FakeHub hub;
    hub.repos[QStringLiteral("acme/tiny")] = tinyRepo();
    qputenv("HF_HUB_OFFLINE", "1");
    HubDownloader d;
    const bool ok = run(d, requestFor(hub, QStringLiteral("acme/tiny")));
    qunsetenv("HF_HUB_OFFLINE");
    QVERIFY(!ok);
    QCOMPARE(d.error(), HubDownloader::Error::Offline);
    QVERIFY2(d.errorMessage().contains(QLatin1String("HF_HUB_OFFLINE")), qPrintable(d.errorMessage()));
    QCOMPARE(hub.seen.size(), 0);
  }

  void reportsUnknownReposAndBadIds() {
    FakeHub hub;
    HubDownloader d;
    QVERIFY(!run(d, requestFor(hub, QStringLiteral("acme/missing"))));
    QCOMPARE(d.error(), HubDownloader::Error::NotFound);
    QVERIFY(!run(d, requestFor(hub, QStringLiteral("not a repo"))));
    QCOMPARE(d.error(), HubDownloader::Error::BadRequest);
    QCOMPARE(hub.seen.size(), 1);
  }

  void aSecondDownloadOfTheSameModelIsRefusedWhileTheFirstRuns() {
    FakeHub hub;
    hub.repos[QStringLiteral("acme/tiny")] = tinyRepo(1024 * 1024);
    hub.chunkDelayMs = 20;
    HubDownloader first, second;
    QSignalSpy firstState(&first, &HubDownloader::stateChanged);
    first.start(requestFor(hub, QStringLiteral("acme/tiny")));
    QTRY_COMPARE_WITH_TIMEOUT(first.state(), HubDownloader::State::Downloading, 30000);
    QVERIFY(!run(second, requestFor(hub, QStringLiteral("acme/tiny"))));
    QCOMPARE(second.error(), HubDownloader::Error::Busy);
    first.cancel();
  }
};

QTEST_GUILESS_MAIN(HubDownloadTest)
#include "hub_download_test.moc"
