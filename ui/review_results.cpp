// Loading and writing review results (see review_results.h).
#include "ui/review_results.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <algorithm>

#include "core/pipeline/job_store.h"

namespace ll::ui {

using ll::pipeline::PageResult;

namespace {
// Translation context for the messages of this file.
class ReviewResultsText {
  Q_DECLARE_TR_FUNCTIONS(ReviewResults)
};

bool readObject(const QString& path, QJsonObject* out, QString* error) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    if (error) *error = ReviewResultsText::tr("%1 cannot be read: %2").arg(QDir::toNativeSeparators(path), f.errorString());
    return false;
  }
  QJsonParseError pe;
  const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
  if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
    if (error) *error = ReviewResultsText::tr("%1 is not a LayoutLens report or job file (it is not a JSON object: %2).").arg(QDir::toNativeSeparators(path), pe.errorString());
    return false;
  }
  *out = doc.object();
  return true;
}
}  // namespace

bool loadJobDocument(const QString& documentDir, ReviewResults* out, QString* error) {
  QJsonObject doc;
  if (!readObject(QDir(documentDir).filePath(QStringLiteral("document.json")), &doc, error)) return false;
  ReviewResults r;
  r.sourcePath = doc.value(QStringLiteral("source_path")).toString();
  r.sha256 = doc.value(QStringLiteral("sha256")).toString();
  r.pageCount = doc.value(QStringLiteral("page_count")).toInt();
  r.resultsDir = QDir(documentDir).absolutePath();
  r.jobDir = QFileInfo(r.resultsDir).absolutePath();
  const QDir pagesDir(QDir(documentDir).filePath(QStringLiteral("pages")));
  static const QRegularExpression name(QStringLiteral("^page_\\d{4,}\\.json$"));
  for (const QString& file : pagesDir.entryList({QStringLiteral("page_*.json")}, QDir::Files, QDir::Name)) {
    if (!name.match(file).hasMatch()) continue;
    QJsonObject o;
    QString why;
    PageResult page;
    if (readObject(pagesDir.filePath(file), &o, &why) && PageResult::fromJson(o, &page, &why)) r.pages.append(page);
    else r.problems << why;
  }
  std::sort(r.pages.begin(), r.pages.end(), [](const PageResult& a, const PageResult& b) { return a.pageIndex < b.pageIndex; });
  *out = r;
  return true;
}

bool loadReviewResults(const QString& path, ReviewResults* out, QString* error) {
  QJsonObject o;
  if (!readObject(path, &o, error)) return false;
  const QString native = QDir::toNativeSeparators(path);
  if (!o.contains(QStringLiteral("pages")) && o.contains(QStringLiteral("sha256")) && o.contains(QStringLiteral("source_path")))
    return loadJobDocument(QFileInfo(path).absolutePath(), out, error);
  if (!o.value(QStringLiteral("schema_version")).isDouble() || !o.value(QStringLiteral("pages")).isArray() ||
      !o.value(QStringLiteral("document")).isObject()) {
    if (error) *error = ReviewResultsText::tr("%1 is not a LayoutLens report: it lacks schema_version, document or pages.").arg(native);
    return false;
  }
  const int version = o.value(QStringLiteral("schema_version")).toInt();
  if (version > ll::pipeline::kReportSchemaVersion) {
    if (error) *error = ReviewResultsText::tr("%1 uses report schema %2, newer than this LayoutLens reads (%3). Update LayoutLens.")
                            .arg(native).arg(version).arg(ll::pipeline::kReportSchemaVersion);
    return false;
  }
  ReviewResults r;
  const QJsonObject doc = o.value(QStringLiteral("document")).toObject();
  r.sourcePath = doc.value(QStringLiteral("source_path")).toString();
  r.sha256 = doc.value(QStringLiteral("sha256")).toString();
  r.pageCount = doc.value(QStringLiteral("page_count")).toInt();
  r.config = o.value(QStringLiteral("config")).toObject();
  r.createdUtc = o.value(QStringLiteral("created_utc")).toString();
  r.generator = o.value(QStringLiteral("generator")).toString();
  for (const auto& v : o.value(QStringLiteral("models")).toArray()) {
    const QJsonObject m = v.toObject();
    r.models.append({m.value(QStringLiteral("role")).toString(), m.value(QStringLiteral("path")).toString(),
                     m.value(QStringLiteral("model_type")).toString(), m.value(QStringLiteral("revision")).toString()});
  }
  const QJsonArray pages = o.value(QStringLiteral("pages")).toArray();
  for (int i = 0; i < pages.size(); ++i) {
    PageResult page;
    QString why;
    if (PageResult::fromJson(pages.at(i).toObject(), &page, &why)) r.pages.append(page);
    else r.problems << ReviewResultsText::tr("page entry %1: %2").arg(i + 1).arg(why);
  }
  r.resultsDir = QFileInfo(path).absolutePath();
  // A final_report.json inside a job: Analyze resumes in that job.
  if (QFileInfo::exists(QDir(r.resultsDir).filePath(QStringLiteral("document.json"))) &&
      QFileInfo::exists(QDir(r.resultsDir).filePath(QStringLiteral("pages"))))
    r.jobDir = QFileInfo(r.resultsDir).absolutePath();
  *out = r;
  return true;
}

QString findJobDocument(const QString& jobDir, const QString& sha256) {
  if (sha256.isEmpty()) return {};
  const QDir root(jobDir);
  for (const QString& sub : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    QJsonObject doc;
    if (readObject(root.filePath(sub + QStringLiteral("/document.json")), &doc, nullptr) &&
        doc.value(QStringLiteral("sha256")).toString() == sha256)
      return root.filePath(sub);
  }
  return {};
}

ll::pipeline::DocumentReport toReport(const ReviewResults& results) {
  ll::pipeline::DocumentReport report;
  report.sourcePath = results.sourcePath;
  report.sourceSha256 = results.sha256;
  report.pageCount = results.pageCount;
  report.models = results.models;
  report.config = results.config;
  report.pages = results.pages;
  report.createdUtc = results.createdUtc;
  report.generator = results.generator;
  return report;
}

bool writeReport(const QString& path, const ll::pipeline::DocumentReport& report, QString* error) {
  return ll::pipeline::writeFileAtomically(path, QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented), error);
}

}  // namespace ll::ui
