#pragma once
// Reading analysis results back into the window and writing them out: a report in the pipeline's schema
// (final_report.json or an exported copy), or a job's document folder (document.json + pages/), and
// finding the job folder an earlier run left for a PDF. Reports keep their schema: the window exports
// exactly what the pipeline writes.
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include "core/pipeline/page_result.h"

namespace ll::ui {

struct ReviewResults {
  QString sourcePath;   // the analysed PDF
  QString sha256;
  int pageCount = 0;
  QList<ll::pipeline::PageResult> pages;
  QList<ll::pipeline::ModelRecord> models;
  QJsonObject config;
  QString createdUtc;
  QString generator;
  QString resultsDir;  // crop files are relative to it
  QString jobDir;      // the job folder when the results are a job's (Analyze resumes there), else empty
  QStringList problems;  // pages that could not be read (the rest loads)
};

// A report JSON in the schema, or a job document folder's document.json. One-line error naming the file.
bool loadReviewResults(const QString& path, ReviewResults* out, QString* error);
// The pages a job document folder holds (<dir>/pages/page_*.json), with document.json's fields.
bool loadJobDocument(const QString& documentDir, ReviewResults* out, QString* error);
// The document folder under `jobDir` whose document.json has this sha256, or empty.
QString findJobDocument(const QString& jobDir, const QString& sha256);

ll::pipeline::DocumentReport toReport(const ReviewResults& results);
bool writeReport(const QString& path, const ll::pipeline::DocumentReport& report, QString* error);

}  // namespace ll::ui
