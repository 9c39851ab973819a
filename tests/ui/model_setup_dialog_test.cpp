// The first-start model dialog: it says what is missing, accepts a folder only when it holds the right
// model type, finds models in the Hugging Face cache, and downloads from a fake hub on a local port with
// progress, pause/resume and a token for gated models; no request is made before Download is pressed.
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

#include "support/fake_hub.h"
#include "ui/model_setup_dialog.h"

using ll::ui::ModelSetupDialog;
using namespace ll::test_support;

namespace {

template <typename T>
T* child(ModelSetupDialog& d, const QString& name) {
  T* w = d.findChild<T*>(name);
  if (!w) qFatal("no child %s", qPrintable(name));
  return w;
}

void writeFile(const QString& path, const QByteArray& bytes) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
  f.write(bytes);
}

QString modelFolder(const QString& root, const QString& name, const QByteArray& type) {
  const QString dir = root + QLatin1Char('/') + name;
  writeFile(dir + QStringLiteral("/config.json"), "{\"model_type\": \"" + type + "\"}");
  return dir;
}

QMap<QString, RepoFile> hubRepo(const QByteArray& type, int weightBytes) {
  QMap<QString, RepoFile> files;
  files[QStringLiteral("config.json")] = {"{\"model_type\": \"" + type + "\"}"};
  files[QStringLiteral("model.safetensors")] = {randomBytes(weightBytes, 3), true};
  return files;
}

QPushButton* okButton(ModelSetupDialog& d) {
  for (auto* b : d.findChildren<QPushButton*>())
    if (b->text() == ModelSetupDialog::tr("Use These Models")) return b;
  qFatal("no OK button");
  return nullptr;
}

}  // namespace

class ModelSetupDialogTest : public QObject {
  Q_OBJECT
 private:
  std::unique_ptr<QTemporaryDir> home_, cache_;

 private Q_SLOTS:
  void init() {
    home_ = std::make_unique<QTemporaryDir>();
    cache_ = std::make_unique<QTemporaryDir>();
    qputenv("HF_HOME", home_->path().toUtf8());
    qputenv("HF_HUB_CACHE", cache_->path().toUtf8());
    qunsetenv("HF_TOKEN");
    qunsetenv("HF_TOKEN_PATH");
    qunsetenv("HF_HUB_OFFLINE");
    qunsetenv("XDG_CACHE_HOME");
  }

  void explainsWhatIsMissing() {
    ModelSetupDialog d(QString(), QStringLiteral("/no/such/model"));
    QCOMPARE(child<QLabel>(d, QStringLiteral("layoutModelStatus"))->text(), ModelSetupDialog::tr("Not set."));
    QVERIFY(child<QLabel>(d, QStringLiteral("textModelStatus"))->text().contains(QLatin1String("no such folder")));
    QVERIFY(!okButton(d)->isEnabled());
    QVERIFY(!d.layoutModelFound());
    QVERIFY(!ModelSetupDialog::modelsPresent(QString(), QString()));
    QVERIFY(child<QLabel>(d, QStringLiteral("cacheNote"))->text().contains(QDir::toNativeSeparators(cache_->path())));
  }

  void acceptsFoldersOnlyWithTheRightModelType() {
    QTemporaryDir models;
    const QString dots = modelFolder(models.path(), QStringLiteral("dots"), "dots_ocr");
    const QString gemma = modelFolder(models.path(), QStringLiteral("gemma"), "gemma3n");
    ModelSetupDialog d(gemma, dots);  // swapped: both have the wrong type for their role
    QVERIFY(!d.layoutModelFound());
    QVERIFY(child<QLabel>(d, QStringLiteral("layoutModelStatus"))->text().contains(QLatin1String("dots_ocr")));
    QVERIFY(!okButton(d)->isEnabled());
    child<QLineEdit>(d, QStringLiteral("layoutModel"))->setText(dots);
    child<QLineEdit>(d, QStringLiteral("textModel"))->setText(gemma);
    QVERIFY(d.layoutModelFound() && d.textModelFound());
    QVERIFY(okButton(d)->isEnabled());
    QCOMPARE(d.layoutModel(), dots);
    QCOMPARE(d.textModel(), gemma);
    QVERIFY(ModelSetupDialog::modelsPresent(dots, gemma));
  }

  void findsModelsInTheHuggingFaceCache() {
    const QString snapshot = cache_->path() + QStringLiteral("/models--rednote-hilab--dots.ocr/snapshots/") + kFakeHubCommit;
    modelFolder(snapshot, QString(), "dots_ocr");
    writeFile(cache_->path() + QStringLiteral("/models--rednote-hilab--dots.ocr/refs/main"), kFakeHubCommit.toLatin1());
    ModelSetupDialog d{QString(), QString()};
    QTest::mouseClick(child<QPushButton>(d, QStringLiteral("layoutModelFindInCache")), Qt::LeftButton);
    QCOMPARE(d.layoutModel(), QStringLiteral("rednote-hilab/dots.ocr"));
    QVERIFY(d.layoutModelFound());
    QTest::mouseClick(child<QPushButton>(d, QStringLiteral("textModelFindInCache")), Qt::LeftButton);
    QVERIFY(!d.textModelFound());
    QVERIFY(child<QLabel>(d, QStringLiteral("textModelStatus"))->text().contains(QLatin1String("No gemma3n model")));
  }

  void downloadsWithProgressOnlyWhenAsked() {
    FakeHub hub;
    hub.repos[QStringLiteral("rednote-hilab/dots.ocr")] = hubRepo("dots_ocr", 200 * 1024);
    qputenv("HF_ENDPOINT", hub.endpoint().toUtf8());
    ModelSetupDialog d{QString(), QString()};
    d.show();
    QTest::qWait(50);
    QCOMPARE(hub.seen.size(), 0);  // opening the dialog touches no network
    QTest::mouseClick(child<QPushButton>(d, QStringLiteral("layoutModelDownload")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(d.layoutModelFound(), 30000);
    QCOMPARE(d.layoutModel(), QStringLiteral("rednote-hilab/dots.ocr"));
    QCOMPARE(child<QProgressBar>(d, QStringLiteral("layoutModelProgress"))->value(), 1000);
    QVERIFY(QFileInfo(cache_->path() + QStringLiteral("/models--rednote-hilab--dots.ocr/refs/main")).isFile());
    qunsetenv("HF_ENDPOINT");
  }

  void gatedModelsUseTheTokenField() {
    FakeHub hub;
    hub.repos[QStringLiteral("google/gemma-3n-E4B-it")] = hubRepo("gemma3n", 1024);
    hub.gated.insert(QStringLiteral("google/gemma-3n-E4B-it"));
    qputenv("HF_ENDPOINT", hub.endpoint().toUtf8());
    ModelSetupDialog d{QString(), QString()};
    auto* choice = child<QComboBox>(d, QStringLiteral("textModelDownloadChoice"));
    choice->setCurrentIndex(choice->findData(QStringLiteral("google/gemma-3n-E4B-it")));
    auto* download = child<QPushButton>(d, QStringLiteral("textModelDownload"));
    QTest::mouseClick(download, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>(d, QStringLiteral("textModelStatus"))->text().contains(QLatin1String("access token")), 30000);
    QVERIFY(!d.textModelFound());
    QTRY_VERIFY(download->isEnabled());
    child<QLineEdit>(d, QStringLiteral("hubToken"))->setText(QString::fromLatin1(kFakeHubToken));
    QTest::mouseClick(download, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(d.textModelFound(), 30000);
    QCOMPARE(d.textModel(), QStringLiteral("google/gemma-3n-E4B-it"));
    qunsetenv("HF_ENDPOINT");
  }

  void pauseAndResume() {
    FakeHub hub;
    hub.repos[QStringLiteral("rednote-hilab/dots.ocr")] = hubRepo("dots_ocr", 1024 * 1024);
    hub.chunkDelayMs = 10;
    qputenv("HF_ENDPOINT", hub.endpoint().toUtf8());
    ModelSetupDialog d{QString(), QString()};
    auto* pause = child<QPushButton>(d, QStringLiteral("layoutModelPause"));
    auto* progress = child<QProgressBar>(d, QStringLiteral("layoutModelProgress"));
    QVERIFY(!pause->isEnabled());
    QTest::mouseClick(child<QPushButton>(d, QStringLiteral("layoutModelDownload")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(pause->isEnabled() && progress->value() > 0, 30000);
    QTest::mouseClick(pause, Qt::LeftButton);
    QCOMPARE(pause->text(), ModelSetupDialog::tr("Resume"));
    const int pausedAt = progress->value();
    QTest::qWait(200);
    QCOMPARE(progress->value(), pausedAt);
    QVERIFY(!d.layoutModelFound());
    hub.chunkDelayMs = 0;
    QTest::mouseClick(pause, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(d.layoutModelFound(), 30000);
    QVERIFY(hub.requestsFor("/cdn/").last().headers.value("range").startsWith("bytes="));
    qunsetenv("HF_ENDPOINT");
  }

  void offlineModeSwitchesDownloadsOff() {
    qputenv("HF_HUB_OFFLINE", "1");
    ModelSetupDialog d{QString(), QString()};
    QVERIFY(!child<QPushButton>(d, QStringLiteral("layoutModelDownload"))->isEnabled());
    QVERIFY(!child<QPushButton>(d, QStringLiteral("textModelDownload"))->isEnabled());
    QVERIFY(child<QLabel>(d, QStringLiteral("offlineNote"))->isVisibleTo(&d));
    qunsetenv("HF_HUB_OFFLINE");
  }
};

QTEST_MAIN(ModelSetupDialogTest)
#include "model_setup_dialog_test.moc"
