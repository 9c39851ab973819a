#pragma once
// The staged pipeline for one document: render -> layout -> picture crops -> crop OCR -> page summaries ->
// per-page result (written the moment the page is done) -> final report. Pages go through in chunks of
// batch_size; the next chunk renders on a worker thread while the engine works on the current one, so the
// GPU does not wait for Poppler and at most two chunks of page images are held in memory. Crop OCR and
// summaries are batched across the pages of a chunk (the reference ran summaries one page at a time).
// The input is a PDF or a folder of images (page_source.h); crops go to <document>/<crops_dir>/.
#include <QByteArray>
#include <QHash>
#include <QStringList>
#include <QString>
#include <functional>

#include "core/pipeline/analysis_engine.h"
#include "core/pipeline/job_store.h"
#include "core/pipeline/pipeline_config.h"

namespace ll::pipeline {

struct RunProgress {
  QString document;     // source path
  int pagesDone = 0;    // finished in this run or earlier (skipped)
  int pagesSkipped = 0; // of pagesDone, finished by an earlier run
  int pagesFailed = 0;
  int pagesTotal = 0;   // pages selected for the document
  double elapsedSeconds = 0;
  QString stage;        // "render", "layout", "crops", "crop OCR", "summaries", "report"
};

struct DocumentOutcome {
  QString sourcePath;
  QString docId;
  QString reportPath;  // empty when no report could be written
  int pagesSelected = 0;
  int pagesDone = 0;       // done in this run
  int pagesSkipped = 0;    // already done by an earlier run
  int pagesFailed = 0;
  bool cancelled = false;
  QString error;  // a document-level failure (cannot open, wrong password, ...): nothing was processed
  bool ok() const { return error.isEmpty() && pagesFailed == 0 && !cancelled; }
};

struct RunnerCallbacks {
  std::function<void(const RunProgress&)> progress;
  std::function<void(const QString& docId, const PageResult&)> pageFinished;
  std::function<void(const QString& message)> log;  // verbose per-stage log lines
};

class PipelineRunner {
 public:
  static constexpr int kMaxPageAttempts = 3;  // a page failing this often is recorded as failed for good

  PipelineRunner(AnalysisEngine& engine, PipelineConfig config, JobStore& store, RunnerCallbacks callbacks = {});

  DocumentOutcome runDocument(const QString& pdfPath, const QByteArray& password, const CancelFlag& cancel);

  // Earlier final_report.json files whose pages' layout is taken instead of running the layout model:
  // re-reading the crops and re-summarising with another Gemma checkpoint, or after a layout run on
  // another machine, without paying for layout again. A report applies to the document with its
  // sha256 only, and a page only when it was rendered at the same size; other pages run the model.
  void reuseLayoutFrom(QStringList reportPaths) { reuseReports_ = std::move(reportPaths); }

 private:
  // Page index -> the layout model's raw output recorded by a matching report (see reuseLayoutFrom).
  QHash<int, PageResult> reusableLayouts(const QString& docId, QString* error) const;

  AnalysisEngine& engine_;
  PipelineConfig config_;
  JobStore& store_;
  RunnerCallbacks callbacks_;
  QStringList reuseReports_;
};

// How a Gemma answer that should be JSON was received (core/layout/vision_answer.h): "ok" when it parses,
// "repaired" (text = the repaired JSON, reason = what was changed), "raw" with a reason, or "failed" with the
// engine's error. The answer's text is always kept.
struct VisionAnswerStatus {
  QString text;
  QString status;
  QString reason;
};
VisionAnswerStatus classifyVisionAnswer(const VisionAnswer& answer);

}  // namespace ll::pipeline
