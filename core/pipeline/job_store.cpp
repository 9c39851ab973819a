#include "core/pipeline/job_store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>

#include "core/pipeline/page_source.h"

namespace ll::pipeline {
namespace {

bool fail(QString* error, const QString& message) {
  if (error) *error = message;
  return false;
}

std::optional<QJsonObject> readJsonObject(const QString& path, QString* error) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    fail(error, QStringLiteral("cannot read %1: %2").arg(path, f.errorString()));
    return std::nullopt;
  }
  QJsonParseError pe;
  const auto doc = QJsonDocument::fromJson(f.readAll(), &pe);
  if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
    fail(error, QStringLiteral("%1 is not a JSON object (%2)").arg(path, pe.errorString()));
    return std::nullopt;
  }
  return doc.object();
}

}  // namespace

bool writeFileAtomically(const QString& path, const QByteArray& bytes, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return fail(error, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  if (file.write(bytes) != bytes.size() || !file.commit())
    return fail(error, QStringLiteral("cannot write %1: %2 (is the disk full?)").arg(path, file.errorString()));
  return true;
}

std::unique_ptr<JobStore> JobStore::open(const QString& directory, QString* error) {
  const QString dir = QDir(directory).absolutePath();
  if (!QDir().mkpath(dir)) {
    fail(error, QStringLiteral("cannot create the job folder %1; check the path and permissions").arg(dir));
    return nullptr;
  }
  auto lock = std::make_unique<QLockFile>(dir + "/job.lock");
  lock->setStaleLockTime(0);  // only a live process holds it; a crashed one's lock is detected by PID
  if (!lock->tryLock(100)) {
    qint64 pid = 0;
    QString host, app;
    lock->getLockInfo(&pid, &host, &app);
    fail(error, lock->error() == QLockFile::LockFailedError
                    ? QStringLiteral("the job %1 is in use by another LayoutLens process (pid %2 on %3); wait for it to finish or stop it")
                          .arg(dir).arg(pid).arg(host)
                    : QStringLiteral("cannot lock the job folder %1; check permissions").arg(dir));
    return nullptr;
  }
  return std::unique_ptr<JobStore>(new JobStore(dir, std::move(lock)));
}

QString JobStore::sha256OfFile(const QString& path, QString* error) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    fail(error, QStringLiteral("cannot read %1: %2").arg(path, f.errorString()));
    return {};
  }
  QCryptographicHash hash(QCryptographicHash::Sha256);
  if (!hash.addData(&f)) {
    fail(error, QStringLiteral("cannot read %1 to the end").arg(path));
    return {};
  }
  return QString::fromLatin1(hash.result().toHex());
}

QString JobStore::sha256OfSource(const QString& path, QString* error) {
  if (!QFileInfo(path).isDir()) return sha256OfFile(path, error);
  // An image folder: its identity is its images' names and contents, in page order.
  QCryptographicHash hash(QCryptographicHash::Sha256);
  for (const QString& file : imageFilesIn(path)) {
    const QString sha = sha256OfFile(file, error);
    if (sha.isEmpty()) return {};
    hash.addData(QFileInfo(file).fileName().toUtf8() + '\0' + sha.toLatin1() + '\n');
  }
  return QString::fromLatin1(hash.result().toHex());
}

QString JobStore::documentBaseName(const QString& sourcePath) {
  QString base = QFileInfo(sourcePath).isDir() ? QDir(sourcePath).dirName() : QFileInfo(sourcePath).completeBaseName();
  base.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), "_");  // portable folder names
  if (base.isEmpty()) base = "document";
  return base.left(80);
}

QString JobStore::addDocument(const QString& sourcePath, int pageCount, QString* error) {
  const QString sha = sha256OfSource(sourcePath, error);
  if (sha.isEmpty()) return {};
  const QString id = documentBaseName(sourcePath) + "-" + sha.left(12);
  if (!QDir().mkpath(documentDir(id) + "/pages") || !QDir().mkpath(cropsDir(id))) {
    fail(error, QStringLiteral("cannot create %1").arg(documentDir(id)));
    return {};
  }
  const QJsonObject doc{{"source_path", QFileInfo(sourcePath).absoluteFilePath()}, {"sha256", sha}, {"page_count", pageCount}};
  if (!writeFileAtomically(documentDir(id) + "/document.json", QJsonDocument(doc).toJson(), error)) return {};
  return id;
}

QString JobStore::documentDir(const QString& docId) const { return dir_ + "/" + docId; }
QString JobStore::cropsDir(const QString& docId) const { return documentDir(docId) + "/crops"; }
QString JobStore::reportFile(const QString& docId) const { return documentDir(docId) + "/final_report.json"; }
QString JobStore::pageFile(const QString& docId, int pageIndex) const {
  return documentDir(docId) + QStringLiteral("/pages/page_%1.json").arg(pageIndex + 1, 4, 10, QChar('0'));
}

QString JobStore::sourceSha256(const QString& docId) const {
  const auto o = readJsonObject(documentDir(docId) + "/document.json", nullptr);
  return o ? o->value("sha256").toString() : QString();
}

std::optional<PageResult> JobStore::loadPage(const QString& docId, int pageIndex, QString* error) const {
  const QString path = pageFile(docId, pageIndex);
  if (!QFileInfo::exists(path)) return std::nullopt;
  const auto o = readJsonObject(path, error);
  if (!o) return std::nullopt;
  PageResult r;
  QString why;
  if (!PageResult::fromJson(*o, &r, &why)) {
    fail(error, QStringLiteral("%1: %2").arg(path, why));
    return std::nullopt;
  }
  return r;
}

bool JobStore::isPageDone(const QString& docId, int pageIndex) const {
  const auto r = loadPage(docId, pageIndex);
  return r && r->status == PageResult::Status::Done;
}

bool JobStore::writePage(const QString& docId, const PageResult& page, QString* error) {
  return writeFileAtomically(pageFile(docId, page.pageIndex), QJsonDocument(page.toJson()).toJson(QJsonDocument::Indented), error);
}

int JobStore::recordFailure(const QString& docId, int pageIndex, const QString& reason, QString* error) {
  PageResult r;
  if (const auto previous = loadPage(docId, pageIndex)) {
    if (previous->status == PageResult::Status::Done) return 0;  // never overwrite finished work
    r = *previous;
    r.attempts = previous->attempts + 1;
  } else {
    r.pageIndex = pageIndex;
    r.attempts = 1;
  }
  r.status = PageResult::Status::Failed;
  r.error = reason;
  if (!writePage(docId, r, error)) return -1;
  return r.attempts;
}

QList<int> JobStore::pagesToProcess(const QString& docId, const QList<int>& requested, int maxAttempts) const {
  QList<int> out;
  for (int p : requested) {
    const auto r = loadPage(docId, p);
    if (!r) {
      out.append(p);  // never tried, or an unreadable file (a torn write cannot happen, but a hand edit can)
      continue;
    }
    if (r->status == PageResult::Status::Failed && r->attempts < maxAttempts) out.append(p);
  }
  return out;
}

QList<PageResult> JobStore::loadAllPages(const QString& docId, QStringList* problems) const {
  QList<PageResult> pages;
  const QDir pagesDir(documentDir(docId) + "/pages");
  const QRegularExpression name(QStringLiteral("^page_(\\d{4,})\\.json$"));
  for (const QString& file : pagesDir.entryList({"page_*.json"}, QDir::Files, QDir::Name)) {
    const auto m = name.match(file);
    if (!m.hasMatch()) continue;
    QString why;
    if (const auto r = loadPage(docId, m.captured(1).toInt() - 1, &why)) pages.append(*r);
    else if (problems) *problems << why;
  }
  std::sort(pages.begin(), pages.end(), [](const PageResult& a, const PageResult& b) { return a.pageIndex < b.pageIndex; });
  return pages;
}

bool JobStore::writeReport(const QString& docId, const DocumentReport& report, QString* error) {
  return writeFileAtomically(reportFile(docId), QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented), error);
}

}  // namespace ll::pipeline
