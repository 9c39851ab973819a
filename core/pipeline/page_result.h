#pragma once
// What the pipeline records for one page and one document: the data behind final_report.json
// (schema in docs/report-schema.json). Plain Qt value types so the job store, the CLI and the review
// window share one definition and one JSON mapping.
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QRectF>
#include <QString>

namespace ll::pipeline {

inline constexpr int kReportSchemaVersion = 1;

struct LayoutCellRecord {
  QString category;  // dots.ocr category name ("Text", "Picture", ...)
  QRectF bboxPx;     // page pixels at the render DPI
  QRectF bboxPt;     // PDF points (origin top-left, y down)
  QString text;      // Markdown, LaTeX (Formula) or HTML (Table); empty for Picture

  QJsonObject toJson() const;
  static LayoutCellRecord fromJson(const QJsonObject& o);
  bool operator==(const LayoutCellRecord& o) const;
};

struct PictureRegionRecord {
  QString id;          // "page-0003-picture-02" (core/layout pictureRegionId): stable across runs
  QRectF paddedBboxPx; // the crop rectangle in page pixels (padding applied, clamped to the page)
  QString cropFile;    // relative to the job folder
  QString ocrText;     // Gemma 3n transcription (the JSON answer, or raw text when it was not JSON)
  QString ocrStatus;   // "ok" | "repaired" | "raw" | "failed" | "pending" | "skipped"
  QString ocrReason;   // why it is not "ok"

  QJsonObject toJson() const;
  static PictureRegionRecord fromJson(const QJsonObject& o);
  bool operator==(const PictureRegionRecord& o) const;
};

struct PageResult {
  enum class Status { Done, Failed };
  int pageIndex = 0;     // 0-based
  int renderWidth = 0;   // pixels
  int renderHeight = 0;
  double dpi = 0;
  QList<LayoutCellRecord> cells;
  QList<PictureRegionRecord> pictures;
  QString layoutRaw;          // the model's raw output, always kept
  QString layoutParseStatus;  // "ok" | "repaired" | "failed"
  QString layoutParseReason;
  QString summary;
  QString summaryStatus;  // "ok" | "repaired" | "raw" | "failed" | "skipped"
  QString summaryReason;  // why it is not "ok" (e.g. "skipped: no Gemma model")
  QMap<QString, double> timingsSeconds;  // stage name -> seconds
  Status status = Status::Done;
  QString error;    // set when status == Failed
  int attempts = 1;

  QJsonObject toJson() const;
  // Returns false (and a message) when a required field is missing or of the wrong type.
  static bool fromJson(const QJsonObject& o, PageResult* out, QString* error);
  bool operator==(const PageResult& o) const { return toJson() == o.toJson(); }
};

struct ModelRecord {
  QString role;       // "layout" | "vision_language"
  QString path;
  QString modelType;  // config.json model_type
  QString revision;   // snapshot hash when resolved from the HF cache
  QJsonObject toJson() const;
};

struct DocumentReport {
  QString sourcePath;
  QString sourceSha256;
  int pageCount = 0;
  QList<ModelRecord> models;
  QJsonObject config;  // PipelineConfig::toJson() of the run
  QList<PageResult> pages;  // in page order
  QString createdUtc;   // ISO 8601
  QString generator;    // "LayoutLens 0.1.0"

  QJsonObject toJson() const;
};

}  // namespace ll::pipeline
