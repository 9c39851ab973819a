#pragma once
// A job's folder on disk: what makes analysis resumable and loss-free. Every finished page is written
// atomically (temp file + rename) the moment it is done, so a crash, kill -9 or cancel loses at most the
// pages in flight; re-running skips finished pages; a failing page is retried a bounded number of times
// and then recorded as failed with its reason.
//
//   <job>/job.lock                        held while a process works on the job (QLockFile)
//   <job>/<doc-id>/document.json          source path, sha256, page count
//   <job>/<doc-id>/pages/page_0001.json   one PageResult per page (1-based file names)
//   <job>/<doc-id>/crops/                 picture crops (PNG)
//   <job>/<doc-id>/final_report.json      the assembled report
#include <QList>
#include <QLockFile>
#include <QString>
#include <memory>
#include <optional>

#include "core/pipeline/page_result.h"

namespace ll::pipeline {

class JobStore {
 public:
  // Creates the folder if needed and takes the job's lock; fails with a message when another process
  // holds it or the folder cannot be written.
  static std::unique_ptr<JobStore> open(const QString& directory, QString* error);

  QString directory() const { return dir_; }

  // Registers a document (a PDF or an image folder; hashing its content) and returns its id: "<base name>-<first 12 hex of sha256>",
  // so the same file keeps its id across runs and two files of the same name do not collide.
  // Empty on error.
  QString addDocument(const QString& sourcePath, int pageCount, QString* error);
  // The "<base name>" part of a document's id: the file's base name (an image folder's name) with characters
  // outside [A-Za-z0-9._-] replaced, at most 80 characters.
  static QString documentBaseName(const QString& sourcePath);
  QString documentDir(const QString& docId) const;
  QString cropsDir(const QString& docId) const;
  QString pageFile(const QString& docId, int pageIndex) const;
  QString reportFile(const QString& docId) const;
  QString sourceSha256(const QString& docId) const;

  std::optional<PageResult> loadPage(const QString& docId, int pageIndex, QString* error = nullptr) const;
  bool isPageDone(const QString& docId, int pageIndex) const;
  bool writePage(const QString& docId, const PageResult& page, QString* error);
  // Records one more failed attempt with its reason; returns the attempt count now on disk.
  int recordFailure(const QString& docId, int pageIndex, const QString& reason, QString* error);

  // The requested pages that still need work: not done, and failed fewer than maxAttempts times.
  QList<int> pagesToProcess(const QString& docId, const QList<int>& requested, int maxAttempts) const;

  // All page results on disk for the document, in page order (unreadable page files are skipped and
  // named in *problems).
  QList<PageResult> loadAllPages(const QString& docId, QStringList* problems = nullptr) const;
  bool writeReport(const QString& docId, const DocumentReport& report, QString* error);

  static QString sha256OfFile(const QString& path, QString* error);
  // sha256OfFile for a file; for an image folder, the hash of its images' names and hashes in page order.
  static QString sha256OfSource(const QString& path, QString* error);

 private:
  JobStore(QString dir, std::unique_ptr<QLockFile> lock) : dir_(std::move(dir)), lock_(std::move(lock)) {}
  QString dir_;
  std::unique_ptr<QLockFile> lock_;
};

// Writes bytes to path atomically (QSaveFile: temp file in the same folder, then rename).
bool writeFileAtomically(const QString& path, const QByteArray& bytes, QString* error);

}  // namespace ll::pipeline
