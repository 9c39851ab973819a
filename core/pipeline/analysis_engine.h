#pragma once
// The pipeline's view of the models: batched layout, crop OCR and page summaries, with no torch type in
// sight. The real engine (dots.ocr + Gemma 3n on one inference thread that owns the GPU) and the test
// engines implement this; the pipeline only decides what to ask and what to do with the answers.
#include <QImage>
#include <QList>
#include <QSize>
#include <QString>
#include <QStringList>
#include <atomic>
#include <memory>

#include "core/pipeline/page_result.h"

namespace ll::pipeline {

using CancelFlag = std::shared_ptr<std::atomic<bool>>;
inline CancelFlag makeCancelFlag() { return std::make_shared<std::atomic<bool>>(false); }
inline bool isCancelled(const CancelFlag& f) { return f && f->load(); }

struct LayoutJob {
  int key = 0;        // the caller's id, echoed in the answer
  QImage page;        // RGB888 at the render DPI
  int maxNewTokens = 12000;
};

struct LayoutAnswer {
  int key = 0;
  QString raw;           // the model's text (may be invalid JSON: core/layout repairs it)
  QSize modelInputSize;  // the smart_resize size the boxes are expressed in
  QString error;         // non-empty: this page failed (e.g. out of memory after every retry)
  int generatedTokens = 0;
  double seconds = 0;
};

enum class VisionTask { CropOcr, PageSummary };

struct VisionJob {
  int key = 0;
  VisionTask task = VisionTask::CropOcr;
  QImage image;     // the crop, or the page
  QString context;  // PageSummary: the page's layout text and crop OCR texts, as one text
  int maxNewTokens = 1024;
  QString layoutText;      // PageSummary: the same, structured, for engines that build their own prompt
  QStringList cropTexts;   // PageSummary: "[region id] OCR text", one per picture region
};

struct VisionAnswer {
  int key = 0;
  QString text;
  QString error;
  int generatedTokens = 0;
  double seconds = 0;
};

class AnalysisEngine {
 public:
  virtual ~AnalysisEngine() = default;
  // "dots.ocr + Gemma 3n on cuda:0 (bfloat16)" — shown in logs and the window.
  virtual QString describe() const = 0;
  virtual QList<ModelRecord> models() const = 0;
  // Non-empty when the engine has no vision-language model: the pipeline then records crop OCR and
  // summaries as skipped with this reason (e.g. "skipped: no Gemma model") instead of asking vision().
  virtual QString visionUnavailableReason() const { return {}; }
  // Both calls return one answer per job (any order); they must not throw for a per-job failure
  // (that goes in the answer's error) and return promptly with errors once `cancel` is set.
  virtual QList<LayoutAnswer> layout(const QList<LayoutJob>& jobs, const CancelFlag& cancel) = 0;
  virtual QList<VisionAnswer> vision(const QList<VisionJob>& jobs, const CancelFlag& cancel) = 0;
};

}  // namespace ll::pipeline
