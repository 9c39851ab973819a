#pragma once
// Downloads a model from the Hugging Face hub into the standard hub cache layout
// (models--org--name/{blobs/<etag>, snapshots/<commit>/<file>, refs/<revision>}), exactly where
// huggingface_hub would put it, so core/infer/hub_resolver finds it and the Python tools share it.
// Only when the user asks: nothing here runs on its own, and HF_HUB_OFFLINE=1 refuses every request.
// Every file is checked against the hub's hash (sha256 for LFS weights, git blob sha1 for small files)
// before it is renamed into blobs/, and snapshots/ and refs/ are written only after every file is in
// place, so an interrupted or corrupt download is never picked up by the loader.
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;
class QNetworkReply;
class QLockFile;

namespace ll::pipeline {

// Models the application knows how to run, offered by the setup dialog and `models download`.
struct KnownHubModel {
  QString repoId;
  QString role;  // "layout" or "text"
  bool gated;    // needs an access token and an accepted licence on the hub
};
QList<KnownHubModel> knownHubModels();

// The files a loader reads: config, generation config, tokenizer and processor files, chat template,
// safetensors weights and their index. Everything else in a repo (PyTorch .bin, ONNX, GGUF, Python code,
// images, README) is skipped. Only files at the top of the repo.
bool isFileTheLoaderNeeds(const QString& repoPath);

bool hubOfflineMode();        // HF_HUB_OFFLINE set to 1/true/yes/on (any case), as huggingface_hub reads it
QString hubEndpoint();        // HF_ENDPOINT without a trailing slash, default https://huggingface.co
QString hubToken();           // HF_TOKEN, else the token file huggingface_hub's `hf auth login` writes
QString defaultHubCacheDir(); // where a download goes: the first folder hub_resolver searches

// "W/\"abc\"" -> "abc", as huggingface_hub normalises ETag headers into blob names.
QString normalizeEtag(const QByteArray& header);
// "2.0 MiB", "812 B": sizes in progress lines and the setup dialog.
QString formatByteSize(qint64 bytes);

struct HubDownloadRequest {
  QString repoId;              // "org/name"
  QString revision = QStringLiteral("main");
  QString cacheDir;            // empty: defaultHubCacheDir()
  QString endpoint;            // empty: hubEndpoint()
  QString token;               // empty: hubToken()
  int maxRetries = 5;          // per file, for dropped connections and server errors; reset when bytes arrive
  int retryDelayMs = 1000;     // doubled after every failed attempt
};

class HubDownloader : public QObject {
  Q_OBJECT
 public:
  enum class State { Idle, Listing, Downloading, Paused, Finished, Failed, Cancelled };
  Q_ENUM(State)
  enum class Error { None, Offline, BadRequest, NeedsToken, Forbidden, NotFound, Network, Integrity, Disk, NoSpace, Busy };
  Q_ENUM(Error)

  explicit HubDownloader(QObject* parent = nullptr);
  ~HubDownloader() override;

  // Starts listing and downloading; returns at once. A finished() signal always follows.
  void start(const HubDownloadRequest& request);
  // Stops the transfer and keeps the partial file; resume() continues it with an HTTP Range request.
  void pause();
  void resume();
  // Stops for good (finished(false), state Cancelled); partial files stay so the next start resumes.
  void cancel();

  State state() const { return state_; }
  Error error() const { return error_; }
  QString errorMessage() const { return errorMessage_; }
  QString snapshotDir() const { return snapshotDir_; }  // after success: the folder with config.json
  QString commit() const { return commit_; }
  qint64 bytesTotal() const { return bytesTotal_; }
  qint64 bytesDone() const { return bytesDone_; }

 Q_SIGNALS:
  void stateChanged(ll::pipeline::HubDownloader::State state);
  // bytesTotal is -1 until every file's size is known.
  void progress(qint64 bytesDone, qint64 bytesTotal, const QString& currentFile);
  void statusMessage(const QString& message);
  void finished(bool ok);

 private:
  struct FileEntry {
    QString path;        // path inside the repo
    QString etag;        // blob name: sha256 (LFS) or git blob sha1
    qint64 size = -1;
    QUrl downloadUrl;    // resolve URL, or where its HEAD redirected to
    bool done = false;   // blob in place and verified
  };

  void setState(State s);
  void fail(Error e, const QString& message);
  void requestFileList();
  void onFileList(QNetworkReply* reply);
  void requestMetadata(int index, const QUrl& url, int redirects);
  void onMetadata(QNetworkReply* reply, int index, int redirects);
  void afterMetadata();
  void downloadNext();
  void requestBlob(const QUrl& url, int redirects);
  void onBlobReadyRead();
  void onBlobFinished(int redirects);
  bool finishBlob(FileEntry& entry);
  void retryOrFail(const QString& why);
  void writeSnapshot();
  void abortReply();

  QString cacheFolder() const;
  QString blobPath(const QString& etag) const;
  QNetworkReply* send(const QByteArray& verb, const QUrl& url, qint64 rangeStart = -1);
  bool httpError(QNetworkReply* reply, const QString& what);

  HubDownloadRequest request_;
  QNetworkAccessManager* network_;
  QNetworkReply* reply_ = nullptr;
  std::unique_ptr<QLockFile> lock_;
  State state_ = State::Idle;
  Error error_ = Error::None;
  QString errorMessage_;
  QString snapshotDir_;
  QString commit_;
  QList<FileEntry> files_;
  int current_ = -1;
  int attempts_ = 0;
  bool receivedThisAttempt_ = false;
  bool checkedResponse_ = false;
  qint64 bytesTotal_ = -1;
  qint64 bytesDone_ = 0;
  qint64 bytesBeforeCurrent_ = 0;
  QElapsedTimer progressClock_;
  struct BlobWriter;
  std::unique_ptr<BlobWriter> writer_;
};

}  // namespace ll::pipeline
