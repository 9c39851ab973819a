#pragma once
// A fake Hugging Face hub on a local port for the downloader and setup-dialog tests: the hub's URL layout
// and headers (API listing, HEAD with X-Linked-Etag/X-Linked-Size/X-Repo-Commit, 302 to a CDN under
// another host name, Range and 416, 401/403 with X-Error-Code for gated repos, 307 for a renamed repo),
// plus faults on demand (a connection cut mid-file, a slow line, a corrupt mirror). Records every request.
#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QPointer>
#include <QRandomGenerator>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <memory>

namespace ll::test_support {

inline const QString kFakeHubCommit = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
inline const QByteArray kFakeHubToken = "hf_secret";

inline QByteArray randomBytes(int size, quint32 seed) {
  QRandomGenerator gen(seed);
  QByteArray b(size, Qt::Uninitialized);
  for (int i = 0; i < size; ++i) b[i] = static_cast<char>(gen.bounded(256));
  return b;
}

inline QString sha256Hex(const QByteArray& b) { return QString::fromLatin1(QCryptographicHash::hash(b, QCryptographicHash::Sha256).toHex()); }

struct RepoFile {
  QByteArray content;
  bool lfs = false;
  QByteArray servedContent;  // what the CDN really sends, when it differs (a corrupt mirror)
  qint64 announcedSize = -1; // X-Linked-Size override
};

struct SeenRequest {
  QByteArray method;
  QByteArray path;
  QMap<QByteArray, QByteArray> headers;  // lower-case names
};

// A minimal HTTP/1.1 server with the hub's routes. One request per connection (Connection: close).
class FakeHub : public QObject {
 public:
  QMap<QString, QMap<QString, RepoFile>> repos;  // repo id -> files
  QSet<QString> gated;
  QString renamedFrom, renamedTo;                 // a repo moved to a new id: relative redirects
  int dropFirstCdnGetsAfter = -1;                 // bytes sent before the connection is cut
  int dropCount = 0;
  int chunkDelayMs = 0;                           // > 0: send the CDN body slowly, 16 KiB per tick
  QList<SeenRequest> seen;
  QTcpServer server;

  FakeHub() {
    server.listen(QHostAddress::LocalHost);
    connect(&server, &QTcpServer::newConnection, this, [this] {
      while (QTcpSocket* s = server.nextPendingConnection()) {
        auto buffer = std::make_shared<QByteArray>();
        connect(s, &QTcpSocket::readyRead, s, [this, s, buffer] {
          buffer->append(s->readAll());
          const int end = buffer->indexOf("\r\n\r\n");
          if (end >= 0) handle(s, buffer->left(end));
        });
        connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
      }
    });
  }
  QString endpoint() const { return QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()); }
  // The CDN is the same server under another host name, so the token must not be sent there.
  QString cdn() const { return QStringLiteral("http://localhost:%1").arg(server.serverPort()); }
  QList<SeenRequest> requestsFor(const QByteArray& prefix) const {
    QList<SeenRequest> r;
    for (const auto& s : seen)
      if (s.path.startsWith(prefix)) r.append(s);
    return r;
  }

  static QString gitSha1(const QByteArray& content) {
    return QString::fromLatin1(QCryptographicHash::hash("blob " + QByteArray::number(content.size()) + '\0' + content, QCryptographicHash::Sha1).toHex());
  }

 private:
  void reply(QTcpSocket* s, int status, const QByteArray& reason, QList<QPair<QByteArray, QByteArray>> headers, const QByteArray& body,
             bool headOnly, qint64 contentLength = -1) {
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + " " + reason + "\r\nConnection: close\r\n";
    headers.append({"Content-Length", QByteArray::number(contentLength >= 0 ? contentLength : body.size())});
    for (const auto& h : headers) out += h.first + ": " + h.second + "\r\n";
    out += "\r\n";
    if (!headOnly) out += body;
    s->write(out);
    s->disconnectFromHost();
  }

  void handle(QTcpSocket* s, const QByteArray& head) {
    s->disconnect(this);
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
    SeenRequest req{first.value(0), first.value(1), {}};
    for (int i = 1; i < lines.size(); ++i) {
      const int colon = lines[i].indexOf(':');
      if (colon > 0) req.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
    }
    seen.append(req);
    const bool headOnly = req.method == "HEAD";
    const QString path = QUrl::fromPercentEncoding(req.path);

    if (path.startsWith(QLatin1String("/cdn/"))) return serveCdn(s, req, path.mid(5), headOnly);

    QString repoId, rest;
    bool api = false;
    QString p = path;
    if (p.startsWith(QLatin1String("/api/models/"))) {
      api = true;
      p = p.mid(12);
    } else {
      p = p.mid(1);
    }
    const QStringList parts = p.split(QLatin1Char('/'));
    repoId = parts.mid(0, 2).join(QLatin1Char('/'));
    rest = parts.mid(2).join(QLatin1Char('/'));
    if (!renamedFrom.isEmpty() && repoId == renamedFrom) {
      const QString moved = (api ? QStringLiteral("/api/models/") : QStringLiteral("/")) + renamedTo + QLatin1Char('/') + rest;
      return reply(s, 307, "Temporary Redirect", {{"Location", QUrl::toPercentEncoding(moved, "/")}}, {}, headOnly);
    }
    if (!repos.contains(repoId)) return reply(s, 401, "Unauthorized", {{"X-Error-Code", "RepoNotFound"}}, "{}", headOnly);
    if (gated.contains(repoId)) {
      const QByteArray auth = req.headers.value("authorization");
      if (auth.isEmpty()) return reply(s, 401, "Unauthorized", {{"X-Error-Code", "GatedRepo"}}, "{}", headOnly);
      if (auth != "Bearer " + kFakeHubToken) return reply(s, 403, "Forbidden", {{"X-Error-Code", "GatedRepo"}}, "{}", headOnly);
    }
    const auto& files = repos[repoId];
    if (api) {
      QJsonArray siblings;
      for (auto it = files.begin(); it != files.end(); ++it) siblings.append(QJsonObject{{QStringLiteral("rfilename"), it.key()}});
      const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("id"), repoId}, {QStringLiteral("sha"), kFakeHubCommit}, {QStringLiteral("siblings"), siblings}}).toJson();
      return reply(s, 200, "OK", {{"Content-Type", "application/json"}}, body, headOnly);
    }
    // /org/name/resolve/<rev>/<file>
    const QString revision = rest.section(QLatin1Char('/'), 1, 1);
    const QString file = rest.section(QLatin1Char('/'), 2);
    if (!rest.startsWith(QLatin1String("resolve/")) || !files.contains(file))
      return reply(s, 404, "Not Found", {{"X-Error-Code", "EntryNotFound"}}, {}, headOnly);
    if (revision != kFakeHubCommit && revision != QLatin1String("main")) return reply(s, 404, "Not Found", {{"X-Error-Code", "RevisionNotFound"}}, {}, headOnly);
    const RepoFile& f = files[file];
    if (f.lfs) {
      const QString sha = sha256Hex(f.content);
      const qint64 size = f.announcedSize >= 0 ? f.announcedSize : f.content.size();
      return reply(s, 302, "Found",
                   {{"Location", (cdn() + QStringLiteral("/cdn/") + repoId + QLatin1Char('/') + file).toUtf8()},
                    {"X-Repo-Commit", kFakeHubCommit.toLatin1()},
                    {"X-Linked-Etag", "\"" + sha.toLatin1() + "\""},
                    {"X-Linked-Size", QByteArray::number(size)},
                    {"ETag", "\"" + gitSha1("pointer").toLatin1() + "\""}},
                   {}, headOnly);
    }
    return reply(s, 200, "OK", {{"X-Repo-Commit", kFakeHubCommit.toLatin1()}, {"ETag", "W/\"" + gitSha1(f.content).toLatin1() + "\""}}, f.content, headOnly);
  }

  void serveCdn(QTcpSocket* s, const SeenRequest& req, const QString& key, bool headOnly) {
    const QString repoId = key.section(QLatin1Char('/'), 0, 1);
    const QString file = key.section(QLatin1Char('/'), 2);
    if (!repos.value(repoId).contains(file)) return reply(s, 404, "Not Found", {}, {}, headOnly);
    const RepoFile& f = repos[repoId][file];
    const QByteArray content = f.servedContent.isEmpty() ? f.content : f.servedContent;
    qint64 from = 0;
    const QByteArray range = req.headers.value("range");
    if (range.startsWith("bytes=")) from = range.mid(6, range.indexOf('-') - 6).toLongLong();
    if (from >= content.size() && from > 0)
      return reply(s, 416, "Range Not Satisfiable", {{"Content-Range", "bytes */" + QByteArray::number(content.size())}}, {}, headOnly);
    const QByteArray body = content.mid(from);
    QByteArray out = "HTTP/1.1 " + QByteArray(from > 0 ? "206 Partial Content" : "200 OK") + "\r\nConnection: close\r\nContent-Length: " +
                     QByteArray::number(body.size()) + "\r\nETag: \"" + sha256Hex(f.content).toLatin1() + "\"\r\n";
    if (from > 0) out += "Content-Range: bytes " + QByteArray::number(from) + "-" + QByteArray::number(content.size() - 1) + "/" + QByteArray::number(content.size()) + "\r\n";
    out += "\r\n";
    s->write(out);
    if (headOnly) return (void)s->disconnectFromHost();
    if (dropCount > 0 && dropFirstCdnGetsAfter >= 0) {  // the line goes dead halfway through
      --dropCount;
      s->write(body.left(dropFirstCdnGetsAfter));
      s->disconnectFromHost();
      return;
    }
    if (chunkDelayMs <= 0) {
      s->write(body);
      s->disconnectFromHost();
      return;
    }
    auto offset = std::make_shared<int>(0);
    auto* timer = new QTimer(s);
    QPointer<QTcpSocket> socket(s);
    connect(timer, &QTimer::timeout, s, [socket, timer, body, offset] {
      if (!socket || socket->state() != QAbstractSocket::ConnectedState) return timer->stop();
      socket->write(body.mid(*offset, 16384));
      *offset += 16384;
      if (*offset >= body.size()) {
        timer->stop();
        socket->disconnectFromHost();
      }
    });
    timer->start(chunkDelayMs);
  }
};

}  // namespace ll::test_support
