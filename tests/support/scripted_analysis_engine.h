#pragma once
// A scripted AnalysisEngine for the widget and window tests and for the README screenshots: it answers
// with the layout boxes, crop texts and summaries it is given, in the model's own output format, so the
// real pipeline (parsing, bbox mapping, crops, job store, report) runs on its answers. It is test
// support only: the application never links it and never shows its output as an analysis.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRectF>
#include <QThread>
#include <atomic>
#include <functional>

#include "core/pipeline/analysis_engine.h"

namespace ll::testing {

struct ScriptedCell {
  QString category;
  QRectF fraction;  // of the page: (0,0)-(1,1) is the whole page
  QString text;
};

class ScriptedAnalysisEngine : public ll::pipeline::AnalysisEngine {
 public:
  // The boxes for a page (identified by what is on it); default: the same three boxes on every page.
  std::function<QList<ScriptedCell>(const QImage& page)> layoutScript;
  // A non-empty answer fails the page's layout with that reason.
  std::function<QString(const QImage& page)> layoutFailure;
  std::function<QString(const QImage& crop)> cropText;
  std::function<QString(const ll::pipeline::VisionJob& job)> summaryText;
  int layoutDelayMs = 0;  // per page: lets tests watch progress and cancel mid-run
  std::atomic<int> layoutPages{0};
  std::atomic<int> visionCalls{0};
  std::atomic<bool> calledOnGuiThread{false};  // the window must never run inference on its own thread

  QString describe() const override { return QStringLiteral("scripted test engine on cpu"); }
  QList<ll::pipeline::ModelRecord> models() const override {
    return {{QStringLiteral("layout"), QStringLiteral("/scripted/dots.ocr"), QStringLiteral("dots_ocr"), QStringLiteral("test")},
            {QStringLiteral("vision_language"), QStringLiteral("/scripted/gemma-3n"), QStringLiteral("gemma3n"), QStringLiteral("test")}};
  }

  void noteThread() {
    if (QCoreApplication::instance() && QThread::currentThread() == QCoreApplication::instance()->thread()) calledOnGuiThread = true;
  }

  static QList<ScriptedCell> defaultLayout() {
    return {{QStringLiteral("Title"), QRectF(0.1, 0.05, 0.8, 0.1), QStringLiteral("# Scripted title")},
            {QStringLiteral("Picture"), QRectF(0.2, 0.3, 0.5, 0.4), QString()},
            {QStringLiteral("Text"), QRectF(0.1, 0.8, 0.8, 0.1), QStringLiteral("Scripted note text")}};
  }

  QList<ll::pipeline::LayoutAnswer> layout(const QList<ll::pipeline::LayoutJob>& jobs, const ll::pipeline::CancelFlag& cancel) override {
    noteThread();
    QList<ll::pipeline::LayoutAnswer> out;
    for (const auto& job : jobs) {
      ll::pipeline::LayoutAnswer a;
      a.key = job.key;
      a.modelInputSize = job.page.size();  // boxes in page pixels
      QElapsedTimer t;
      t.start();
      while (t.elapsed() < layoutDelayMs && !ll::pipeline::isCancelled(cancel)) QThread::msleep(5);
      if (ll::pipeline::isCancelled(cancel)) {
        a.error = QStringLiteral("cancelled");
        out.append(a);
        continue;
      }
      ++layoutPages;
      const QString failure = layoutFailure ? layoutFailure(job.page) : QString();
      if (!failure.isEmpty()) {
        a.error = failure;
        out.append(a);
        continue;
      }
      QJsonArray cells;
      const double w = job.page.width(), h = job.page.height();
      for (const ScriptedCell& c : layoutScript ? layoutScript(job.page) : defaultLayout()) {
        QJsonObject o{{QStringLiteral("bbox"), QJsonArray{qRound(c.fraction.left() * w), qRound(c.fraction.top() * h),
                                                          qRound(c.fraction.right() * w), qRound(c.fraction.bottom() * h)}},
                      {QStringLiteral("category"), c.category}};
        if (c.category != QLatin1String("Picture")) o.insert(QStringLiteral("text"), c.text);
        cells.append(o);
      }
      a.raw = QString::fromUtf8(QJsonDocument(cells).toJson(QJsonDocument::Compact));
      a.seconds = t.elapsed() / 1000.0;
      out.append(a);
    }
    return out;
  }

  QList<ll::pipeline::VisionAnswer> vision(const QList<ll::pipeline::VisionJob>& jobs, const ll::pipeline::CancelFlag&) override {
    noteThread();
    ++visionCalls;
    QList<ll::pipeline::VisionAnswer> out;
    for (const auto& job : jobs) {
      ll::pipeline::VisionAnswer a;
      a.key = job.key;
      if (job.task == ll::pipeline::VisionTask::CropOcr) {
        a.text = cropText ? cropText(job.image) : QStringLiteral("Crop text %1x%2").arg(job.image.width()).arg(job.image.height());
      } else {
        a.text = summaryText ? summaryText(job)
                             : QStringLiteral("Scripted summary of a page with %1 characters of layout text.").arg(job.context.size());
      }
      out.append(a);
    }
    return out;
  }
};

}  // namespace ll::testing
