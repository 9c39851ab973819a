// The transfer side of the hub downloader: file list from the hub API, per-file HEAD for the blob name
// and size, resumable GETs into blobs/<etag>.incomplete, hash check, rename, then snapshot links and refs.
// Redirects are followed by hand so the access token never leaves the hub's host (CDN URLs are signed).
#include "core/pipeline/hub_download.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStorageInfo>
#include <QTimer>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace ll::pipeline {

namespace {

constexpr int kMaxRedirects = 10;
constexpr qint64 kHashChunk = 4 << 20;

bool isHex(const QString& s, int length) {
  static const QRegularExpression hex(QStringLiteral("^[0-9a-f]+$"));
  return s.size() == length && hex.match(s).hasMatch();
}

std::filesystem::path nativePath(const QString& s) {
#ifdef _WIN32
  return std::filesystem::path(s.toStdWString());
#else
  return std::filesystem::path(QFile::encodeName(s).toStdString());
#endif
}

// The nearest existing folder, for the free-space check before the cache folder exists.
QString existingAncestor(QString path) {
  while (!path.isEmpty() && !QFileInfo(path).isDir()) {
    const QString parent = QFileInfo(path).absolutePath();
    if (parent == path) break;
    path = parent;
  }
  return path;
}

}  // namespace

// The open .incomplete file of the file being downloaded and the running hashes over all its bytes.
struct HubDownloader::BlobWriter {
  int index = -1;
  QFile file;
  QCryptographicHash sha256{QCryptographicHash::Sha256};
  QCryptographicHash gitSha1{QCryptographicHash::Sha1};  // git's blob hash: sha1("blob <size>\0" + data)
  qint64 expectedSize = 0;
  qint64 written = 0;

  void resetHashes() {
    sha256.reset();
    gitSha1.reset();
    gitSha1.addData(QByteArray("blob ") + QByteArray::number(expectedSize) + QByteArray(1, '\0'));
  }
  void add(const QByteArray& data) {
    sha256.addData(data);
    gitSha1.addData(data);
    written += data.size();
  }
  // Opens (or creates) the partial file and hashes what a previous attempt already wrote.
  bool open(const QString& path, qint64 size, QString* error) {
    expectedSize = size;
    written = 0;
    resetHashes();
    file.setFileName(path);
    if (!file.open(QIODevice::ReadWrite)) {
      *error = QStringLiteral("cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
      return false;
    }
    if (file.size() > size && !file.resize(0)) {
      *error = QStringLiteral("cannot truncate %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
      return false;
    }
    while (!file.atEnd()) {
      const QByteArray chunk = file.read(kHashChunk);
      if (chunk.isEmpty()) break;
      add(chunk);
    }
    return file.seek(written);
  }
  bool restart() {
    written = 0;
    resetHashes();
    return file.resize(0) && file.seek(0);
  }
};

HubDownloader::HubDownloader(QObject* parent) : QObject(parent), network_(new QNetworkAccessManager(this)) {}

HubDownloader::~HubDownloader() { abortReply(); }

void HubDownloader::setState(State s) {
  if (state_ == s) return;
  state_ = s;
  Q_EMIT stateChanged(s);
}

QString HubDownloader::cacheFolder() const {
  QString name = request_.repoId;
  name.replace(QLatin1Char('/'), QLatin1String("--"));
  return QDir(request_.cacheDir).filePath(QStringLiteral("models--") + name);
}

QString HubDownloader::blobPath(const QString& etag) const { return cacheFolder() + QStringLiteral("/blobs/") + etag; }

void HubDownloader::start(const HubDownloadRequest& request) {
  if (state_ == State::Listing || state_ == State::Downloading || state_ == State::Paused) return;
  request_ = request;
  error_ = Error::None;
  errorMessage_.clear();
  snapshotDir_.clear();
  commit_.clear();
  files_.clear();
  current_ = -1;
  bytesTotal_ = -1;
  bytesDone_ = 0;
  writer_.reset();
  setState(State::Listing);
  // Deferred so that finished() never fires before the caller's event loop runs.
  QTimer::singleShot(0, this, [this] {
    static const QRegularExpression repoPattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$"));
    if (!repoPattern.match(request_.repoId).hasMatch() || request_.repoId.contains(QLatin1String("..")))
      return fail(Error::BadRequest, QStringLiteral("'%1' is not a Hugging Face repo id; use the form org/name, e.g. rednote-hilab/dots.ocr").arg(request_.repoId));
    if (request_.revision.trimmed().isEmpty()) request_.revision = QStringLiteral("main");
    if (hubOfflineMode())
      return fail(Error::Offline, QStringLiteral("HF_HUB_OFFLINE is set, so LayoutLens makes no network requests; unset it to download %1, "
                                                 "or point LayoutLens to a folder that already holds the model")
                                      .arg(request_.repoId));
    if (request_.endpoint.isEmpty()) request_.endpoint = hubEndpoint();
    while (request_.endpoint.endsWith(QLatin1Char('/'))) request_.endpoint.chop(1);
    if (request_.token.isEmpty()) request_.token = hubToken();
    if (request_.cacheDir.isEmpty()) request_.cacheDir = defaultHubCacheDir();
    if (request_.cacheDir.isEmpty())
      return fail(Error::Disk, QStringLiteral("no Hugging Face cache folder: HF_HUB_CACHE, HF_HOME and HOME are unset; set HF_HUB_CACHE to a folder"));
    const QUrl endpoint(request_.endpoint);
    if (!endpoint.isValid() || (endpoint.scheme() != QLatin1String("https") && endpoint.scheme() != QLatin1String("http")))
      return fail(Error::BadRequest, QStringLiteral("HF_ENDPOINT '%1' is not an http(s) URL").arg(request_.endpoint));

    const QString lockDir = QDir(request_.cacheDir).filePath(QStringLiteral(".locks/") + QFileInfo(cacheFolder()).fileName());
    if (!QDir().mkpath(cacheFolder() + QStringLiteral("/blobs")) || !QDir().mkpath(lockDir))
      return fail(Error::Disk, QStringLiteral("cannot create %1; choose a writable cache folder (HF_HUB_CACHE)").arg(QDir::toNativeSeparators(cacheFolder())));
    lock_ = std::make_unique<QLockFile>(lockDir + QStringLiteral("/layoutlens-download.lock"));
    lock_->setStaleLockTime(0);  // only a dead owner makes the lock stale, never its age (downloads take hours)
    if (!lock_->tryLock(0)) {
      lock_.reset();
      return fail(Error::Busy, QStringLiteral("another download of %1 into %2 is running; wait for it to finish").arg(request_.repoId, QDir::toNativeSeparators(request_.cacheDir)));
    }
    requestFileList();
  });
}

void HubDownloader::pause() {
  if (state_ != State::Downloading) return;
  abortReply();
  if (writer_) writer_->file.flush();
  setState(State::Paused);
  Q_EMIT statusMessage(tr("Paused; the partial file is kept."));
}

void HubDownloader::resume() {
  if (state_ != State::Paused) return;
  setState(State::Downloading);
  attempts_ = 0;
  downloadNext();
}

void HubDownloader::cancel() {
  if (state_ != State::Listing && state_ != State::Downloading && state_ != State::Paused) return;
  abortReply();
  writer_.reset();
  lock_.reset();
  errorMessage_ = QStringLiteral("download of %1 cancelled; partial files are kept and the next download resumes them").arg(request_.repoId);
  setState(State::Cancelled);
  Q_EMIT finished(false);
}

void HubDownloader::abortReply() {
  if (!reply_) return;
  QNetworkReply* r = reply_;
  reply_ = nullptr;
  r->disconnect(this);
  r->abort();
  r->deleteLater();
}

void HubDownloader::fail(Error e, const QString& message) {
  abortReply();
  writer_.reset();
  lock_.reset();
  error_ = e;
  errorMessage_ = message;
  setState(State::Failed);
  Q_EMIT finished(false);
}

QNetworkReply* HubDownloader::send(const QByteArray& verb, const QUrl& url, qint64 rangeStart) {
  QNetworkRequest req(url);
  req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
  req.setRawHeader("User-Agent", "LayoutLens (hub cache compatible downloader)");
  // Sizes in HEAD answers must be those of the stored bytes, not of a compressed transfer.
  req.setRawHeader("Accept-Encoding", "identity");
  req.setTransferTimeout(60000);  // a stalled connection becomes an error, and the retry resumes it
  const QUrl hub(request_.endpoint);
  if (!request_.token.isEmpty() && url.host().compare(hub.host(), Qt::CaseInsensitive) == 0 && url.port(-1) == hub.port(-1))
    req.setRawHeader("Authorization", "Bearer " + request_.token.toUtf8());
  if (rangeStart > 0) req.setRawHeader("Range", "bytes=" + QByteArray::number(rangeStart) + "-");
  return verb == "HEAD" ? network_->head(req) : network_->get(req);
}

// Maps an unsuccessful answer to an error the user can act on; false when the answer is a success.
bool HubDownloader::httpError(QNetworkReply* reply, const QString& what) {
  const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  if (status >= 200 && status < 400) return false;
  const QString repo = request_.repoId;
  const QByteArray code = reply->rawHeader("X-Error-Code");
  const QString page = request_.endpoint + QLatin1Char('/') + repo;
  if (status == 0) {
    fail(Error::Network, QStringLiteral("cannot reach %1 for %2: %3; check the network connection (or HF_ENDPOINT) and try again")
                             .arg(QUrl(request_.endpoint).host(), what, reply->errorString()));
  } else if (code == "RepoNotFound" || (status == 404 && code != "EntryNotFound" && code != "RevisionNotFound")) {
    fail(Error::NotFound, QStringLiteral("%1 was not found on %2 (or it is private and needs a token); check the repo id").arg(repo, request_.endpoint));
  } else if (code == "RevisionNotFound") {
    fail(Error::NotFound, QStringLiteral("%1 has no revision '%2'; check the branch, tag or commit").arg(repo, request_.revision));
  } else if (code == "EntryNotFound") {
    fail(Error::NotFound, QStringLiteral("%1: %2 is listed but cannot be found; try again later").arg(repo, what));
  } else if (status == 401) {
    fail(Error::NeedsToken, QStringLiteral("%1 is gated or private and needs a Hugging Face access token: accept its licence at %2, create a "
                                           "read token at %3/settings/tokens and give it to LayoutLens (token field, --token or HF_TOKEN)")
                                .arg(repo, page, request_.endpoint));
  } else if (status == 403) {
    fail(Error::Forbidden, QStringLiteral("the access token was refused for %1: accept the model's licence at %2 with the account the token "
                                          "belongs to, or use a token with read access")
                               .arg(repo, page));
  } else {
    fail(Error::Network, QStringLiteral("%1 answered HTTP %2 for %3; try again later").arg(QUrl(request_.endpoint).host()).arg(status).arg(what));
  }
  return true;
}

void HubDownloader::requestFileList() {
  Q_EMIT statusMessage(tr("Listing the files of %1…").arg(request_.repoId));
  QUrl url(request_.endpoint + QStringLiteral("/api/models/") + request_.repoId + QStringLiteral("/revision/") +
           QString::fromLatin1(QUrl::toPercentEncoding(request_.revision)));
  reply_ = send("GET", url);
  QNetworkReply* r = reply_;
  connect(r, &QNetworkReply::finished, this, [this, r] { onFileList(r); });
}

void HubDownloader::onFileList(QNetworkReply* reply) {
  reply_ = nullptr;
  reply->deleteLater();
  if (httpError(reply, QStringLiteral("the file list"))) return;
  const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  if (status >= 300) {  // a renamed repo: the API answers with a redirect to the new name
    const QUrl target = reply->url().resolved(QUrl::fromEncoded(reply->rawHeader("Location")));
    reply_ = send("GET", target);
    QNetworkReply* r = reply_;
    connect(r, &QNetworkReply::finished, this, [this, r] { onFileList(r); });
    return;
  }
  QJsonParseError parseError;
  const QJsonDocument doc = QJsonDocument::fromJson(reply->readAll(), &parseError);
  const QJsonObject info = doc.object();
  commit_ = info.value(QStringLiteral("sha")).toString();
  if (parseError.error != QJsonParseError::NoError || !isHex(commit_, 40))
    return fail(Error::Network, QStringLiteral("%1 sent a file list for %2 that is not the hub's model info (no commit sha); check HF_ENDPOINT")
                                    .arg(request_.endpoint, request_.repoId));
  for (const auto& s : info.value(QStringLiteral("siblings")).toArray()) {
    const QString name = s.toObject().value(QStringLiteral("rfilename")).toString();
    if (isFileTheLoaderNeeds(name)) files_.append({name, {}, -1, {}, false});
  }
  const bool hasConfig = std::any_of(files_.begin(), files_.end(), [](const FileEntry& f) { return f.path == QLatin1String("config.json"); });
  const bool hasWeights = std::any_of(files_.begin(), files_.end(), [](const FileEntry& f) { return f.path.endsWith(QLatin1String(".safetensors")); });
  if (!hasConfig || !hasWeights)
    return fail(Error::NotFound, QStringLiteral("%1 has no %2: it is not a model LayoutLens can load (it needs config.json and .safetensors weights)")
                                     .arg(request_.repoId, hasConfig ? QStringLiteral("safetensors weights") : QStringLiteral("config.json")));
  Q_EMIT statusMessage(tr("%1 at commit %2: %n file(s) to check.", "", static_cast<int>(files_.size())).arg(request_.repoId, commit_.left(12)));
  requestMetadata(0, {}, 0);
}

void HubDownloader::requestMetadata(int index, const QUrl& url, int redirects) {
  QUrl target = url;
  if (target.isEmpty())  // every file from the one commit the listing named, as huggingface_hub does
    target = QUrl(request_.endpoint + QLatin1Char('/') + request_.repoId + QStringLiteral("/resolve/") + commit_ + QLatin1Char('/') +
                  QString::fromLatin1(QUrl::toPercentEncoding(files_[index].path)));
  reply_ = send("HEAD", target);
  QNetworkReply* r = reply_;
  connect(r, &QNetworkReply::finished, this, [this, r, index, redirects] {
    reply_ = nullptr;
    r->deleteLater();
    onMetadata(r, index, redirects);
  });
}

void HubDownloader::onMetadata(QNetworkReply* reply, int index, int redirects) {
  FileEntry& entry = files_[index];
  if (httpError(reply, entry.path)) return;
  const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  entry.downloadUrl = reply->url();
  if (status >= 300) {
    const QUrl location = QUrl::fromEncoded(reply->rawHeader("Location"));
    if (location.isRelative()) {  // a renamed repo on the hub itself: ask again there
      if (redirects >= kMaxRedirects) return fail(Error::Network, QStringLiteral("%1: too many redirects").arg(entry.path));
      return requestMetadata(index, reply->url().resolved(location), redirects + 1);
    }
    entry.downloadUrl = location;  // the CDN; the headers of this answer describe the file
  }
  // LFS files: X-Linked-Etag is the sha256 and X-Linked-Size the real size; small files: ETag and length.
  QByteArray etag = reply->rawHeader("X-Linked-Etag");
  if (etag.isEmpty()) etag = reply->rawHeader("ETag");
  QByteArray size = reply->rawHeader("X-Linked-Size");
  if (size.isEmpty()) size = reply->rawHeader("Content-Length");
  entry.etag = normalizeEtag(etag);
  bool sizeOk = false;
  entry.size = size.trimmed().toLongLong(&sizeOk);
  static const QRegularExpression safeName(QStringLiteral("^[A-Za-z0-9._-]+$"));
  if (entry.etag.isEmpty() || !safeName.match(entry.etag).hasMatch() || !sizeOk || entry.size < 0)
    return fail(Error::Network, QStringLiteral("%1 sent no usable ETag and size for %2, so the file cannot be verified; check HF_ENDPOINT")
                                    .arg(request_.endpoint, entry.path));
  if (index + 1 < files_.size()) return requestMetadata(index + 1, {}, 0);
  afterMetadata();
}

void HubDownloader::afterMetadata() {
  bytesTotal_ = 0;
  bytesDone_ = 0;
  qint64 needed = 0;
  for (auto& f : files_) {
    bytesTotal_ += f.size;
    const QFileInfo blob(blobPath(f.etag));
    f.done = blob.isFile() && blob.size() == f.size;
    if (f.done) {
      bytesDone_ += f.size;
      continue;
    }
    const QFileInfo partial(blobPath(f.etag) + QStringLiteral(".incomplete"));
    const qint64 have = partial.isFile() && partial.size() <= f.size ? partial.size() : 0;
    needed += f.size - have;
  }
  QStorageInfo storage(existingAncestor(cacheFolder()));
  storage.refresh();
  if (storage.isValid() && storage.bytesAvailable() >= 0 && storage.bytesAvailable() < needed)
    return fail(Error::NoSpace, QStringLiteral("%1 needs %2 more in %3, but only %4 is free there; free some space or set HF_HUB_CACHE to a folder on a larger disk")
                                    .arg(request_.repoId, formatByteSize(needed), QDir::toNativeSeparators(request_.cacheDir), formatByteSize(storage.bytesAvailable())));
  bytesBeforeCurrent_ = bytesDone_;
  setState(State::Downloading);
  Q_EMIT progress(bytesDone_, bytesTotal_, QString());
  current_ = 0;
  attempts_ = 0;
  downloadNext();
}

void HubDownloader::downloadNext() {
  if (state_ != State::Downloading) return;
  while (current_ < files_.size() && files_[current_].done) ++current_;
  if (current_ >= files_.size()) return writeSnapshot();
  FileEntry& entry = files_[current_];
  bytesBeforeCurrent_ = 0;
  for (const auto& f : files_)
    if (f.done) bytesBeforeCurrent_ += f.size;
  if (!writer_ || writer_->index != current_ || !writer_->file.isOpen()) {
    writer_ = std::make_unique<BlobWriter>();
    writer_->index = current_;
    QString error;
    if (!writer_->open(blobPath(entry.etag) + QStringLiteral(".incomplete"), entry.size, &error)) return fail(Error::Disk, error);
    if (writer_->written > 0) Q_EMIT statusMessage(tr("Resuming %1 at %2.").arg(entry.path, formatByteSize(writer_->written)));
  }
  bytesDone_ = bytesBeforeCurrent_ + writer_->written;
  Q_EMIT progress(bytesDone_, bytesTotal_, entry.path);
  if (writer_->written == entry.size) {
    if (finishBlob(entry)) downloadNext();
    return;
  }
  requestBlob(entry.downloadUrl, 0);
}

void HubDownloader::requestBlob(const QUrl& url, int redirects) {
  checkedResponse_ = false;
  receivedThisAttempt_ = false;
  reply_ = send("GET", url, writer_->written);
  QNetworkReply* r = reply_;
  connect(r, &QNetworkReply::readyRead, this, &HubDownloader::onBlobReadyRead);
  connect(r, &QNetworkReply::finished, this, [this, redirects] { onBlobFinished(redirects); });
}

void HubDownloader::onBlobReadyRead() {
  if (!reply_ || !writer_) return;
  const int status = reply_->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  if (status != 200 && status != 206) return;  // redirects and errors are handled when the answer ends
  if (!checkedResponse_) {
    checkedResponse_ = true;
    bool rangeHonoured = status == 206;
    if (rangeHonoured) {
      static const QRegularExpression contentRange(QStringLiteral("^bytes (\\d+)-"));
      const auto m = contentRange.match(QString::fromLatin1(reply_->rawHeader("Content-Range")));
      rangeHonoured = m.hasMatch() && m.captured(1).toLongLong() == writer_->written;
    }
    // A server that ignores Range (or answers another range) sends from the start: start over.
    if (!rangeHonoured && writer_->written > 0 && !writer_->restart())
      return fail(Error::Disk, QStringLiteral("cannot truncate %1: %2").arg(QDir::toNativeSeparators(writer_->file.fileName()), writer_->file.errorString()));
  }
  const QByteArray data = reply_->readAll();
  if (data.isEmpty()) return;
  const FileEntry& entry = files_[current_];
  if (writer_->written + data.size() > entry.size) {
    writer_->restart();
    return fail(Error::Integrity, QStringLiteral("%1: the server sent more than the %2 bytes the hub announced; the partial file was discarded, try again later")
                                      .arg(entry.path)
                                      .arg(entry.size));
  }
  if (writer_->file.write(data) != data.size())
    return fail(Error::Disk, QStringLiteral("cannot write %1: %2").arg(QDir::toNativeSeparators(writer_->file.fileName()), writer_->file.errorString()));
  writer_->add(data);
  receivedThisAttempt_ = true;
  bytesDone_ = bytesBeforeCurrent_ + writer_->written;
  if (!progressClock_.isValid() || progressClock_.elapsed() >= 100 || writer_->written == entry.size) {
    progressClock_.restart();
    Q_EMIT progress(bytesDone_, bytesTotal_, entry.path);
  }
}

void HubDownloader::onBlobFinished(int redirects) {
  QNetworkReply* reply = reply_;
  if (!reply) return;
  const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  if (status == 200 || status == 206) onBlobReadyRead();
  if (state_ != State::Downloading) return;  // the write above failed
  reply_ = nullptr;
  reply->deleteLater();
  FileEntry& entry = files_[current_];
  if (status >= 300 && status < 400) {
    if (redirects >= kMaxRedirects) return fail(Error::Network, QStringLiteral("%1: too many redirects").arg(entry.path));
    return requestBlob(reply->url().resolved(QUrl::fromEncoded(reply->rawHeader("Location"))), redirects + 1);
  }
  if (status == 416) {  // our partial file does not fit the server's file: start it over
    writer_->restart();
    return retryOrFail(QStringLiteral("the server refused to resume"));
  }
  if (status == 0 || status == 408 || status == 429 || status >= 500)
    return retryOrFail(status == 0 ? reply->errorString() : QStringLiteral("HTTP %1").arg(status));
  if (httpError(reply, entry.path)) return;
  if (writer_->written != entry.size)
    return retryOrFail(QStringLiteral("the connection ended after %1 of %2 bytes").arg(writer_->written).arg(entry.size));
  if (finishBlob(entry)) downloadNext();
}

void HubDownloader::retryOrFail(const QString& why) {
  if (receivedThisAttempt_) attempts_ = 0;  // progress was made: a flaky line gets its full retry budget again
  ++attempts_;
  const FileEntry& entry = files_[current_];
  if (attempts_ > request_.maxRetries)
    return fail(Error::Network, QStringLiteral("%1: %2 (gave up after %3 attempts); %4 of it is kept and the next download resumes there")
                                    .arg(entry.path, why)
                                    .arg(attempts_)
                                    .arg(formatByteSize(writer_ ? writer_->written : 0)));
  const int delay = request_.retryDelayMs << std::min(attempts_ - 1, 6);
  Q_EMIT statusMessage(tr("%1: %2; retrying in %3 s (attempt %4 of %5).").arg(entry.path, why).arg(delay / 1000.0).arg(attempts_ + 1).arg(request_.maxRetries + 1));
  const int index = current_;
  QTimer::singleShot(delay, this, [this, index] {
    if (state_ == State::Downloading && current_ == index && !reply_) downloadNext();
  });
}

bool HubDownloader::finishBlob(FileEntry& entry) {
  BlobWriter& w = *writer_;
  w.file.flush();
  QString expected = entry.etag, actual;
  QString kind;
  if (isHex(entry.etag, 64)) {
    kind = QStringLiteral("SHA-256");
    actual = QString::fromLatin1(w.sha256.result().toHex());
  } else if (isHex(entry.etag, 40)) {
    kind = QStringLiteral("git blob SHA-1");
    actual = QString::fromLatin1(w.gitSha1.result().toHex());
  }
  const QString partial = w.file.fileName();
  w.file.close();
  writer_.reset();
  if (!kind.isEmpty() && actual != expected) {
    QFile::remove(partial);
    fail(Error::Integrity, QStringLiteral("%1: the downloaded data has %2 %3 but the hub says %4; the damaged file was deleted, download again")
                               .arg(entry.path, kind, actual, expected));
    return false;
  }
  const QString blob = blobPath(entry.etag);
  QFile::remove(blob);  // a stale blob of the wrong size; rename does not replace on every platform
  if (!QFile::rename(partial, blob)) {
    fail(Error::Disk, QStringLiteral("cannot rename %1 to %2").arg(QDir::toNativeSeparators(partial), QDir::toNativeSeparators(blob)));
    return false;
  }
  entry.done = true;
  return true;
}

// Only now, with every blob verified, does the snapshot appear: config.json last, then refs/<revision>,
// so the resolver never sees a snapshot whose weights are still missing.
void HubDownloader::writeSnapshot() {
  const QString snapshot = cacheFolder() + QStringLiteral("/snapshots/") + commit_;
  QList<FileEntry> order = files_;
  std::stable_partition(order.begin(), order.end(), [](const FileEntry& f) { return f.path != QLatin1String("config.json"); });
  for (const auto& f : order) {
    const QString link = snapshot + QLatin1Char('/') + f.path;
    const QString linkDir = QFileInfo(link).absolutePath();
    if (!QDir().mkpath(linkDir)) return fail(Error::Disk, QStringLiteral("cannot create %1").arg(QDir::toNativeSeparators(linkDir)));
    QFile::remove(link);
    std::error_code ec;
    std::filesystem::create_symlink(nativePath(QDir(linkDir).relativeFilePath(blobPath(f.etag))), nativePath(link), ec);
    // Without symlink rights (Windows without developer mode) huggingface_hub copies; so do we.
    if (ec && !QFile::copy(blobPath(f.etag), link))
      return fail(Error::Disk, QStringLiteral("cannot link or copy %1 into %2").arg(f.path, QDir::toNativeSeparators(snapshot)));
  }
  if (request_.revision != commit_) {
    const QString refPath = cacheFolder() + QStringLiteral("/refs/") + request_.revision;
    QDir().mkpath(QFileInfo(refPath).absolutePath());
    QSaveFile ref(refPath);
    if (!ref.open(QIODevice::WriteOnly) || ref.write(commit_.toLatin1()) != commit_.size() || !ref.commit())
      return fail(Error::Disk, QStringLiteral("cannot write %1").arg(QDir::toNativeSeparators(refPath)));
  }
  snapshotDir_ = snapshot;
  lock_.reset();
  bytesDone_ = bytesTotal_;
  Q_EMIT progress(bytesDone_, bytesTotal_, QString());
  setState(State::Finished);
  Q_EMIT finished(true);
}

}  // namespace ll::pipeline
