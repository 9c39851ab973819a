// The analysis status strip (see analysis_status.h).
#include "widgets/analysis_status.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>
#include <cmath>

namespace ll::widgets {

AnalysisStatus::AnalysisStatus(QWidget* parent)
    : QWidget(parent), engine_(new QLabel(this)), bar_(new QProgressBar(this)), progress_(new QLabel(this)), cancel_(new QToolButton(this)) {
  setObjectName(QStringLiteral("analysisStatus"));
  engine_->setObjectName(QStringLiteral("engineStatus"));
  bar_->setObjectName(QStringLiteral("analysisProgressBar"));
  progress_->setObjectName(QStringLiteral("analysisProgressText"));
  cancel_->setObjectName(QStringLiteral("analysisCancelButton"));
  bar_->setMaximumWidth(180);
  bar_->setTextVisible(true);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(engine_);
  layout->addWidget(bar_);
  layout->addWidget(progress_);
  layout->addWidget(cancel_);
  connect(cancel_, &QToolButton::clicked, this, &AnalysisStatus::cancelRequested);
  changeEvent(nullptr);
  setRunning(false);
}

void AnalysisStatus::setEngineText(const QString& text, bool problem) {
  engine_->setText(text);
  engine_->setStyleSheet(problem ? QStringLiteral("color: #b02020;") : QString());
}

QString AnalysisStatus::engineText() const { return engine_->text(); }

void AnalysisStatus::setRunning(bool running) {
  running_ = running;
  bar_->setVisible(running);
  progress_->setVisible(running);
  cancel_->setVisible(running);
  cancel_->setEnabled(running);
  if (running) {
    bar_->setRange(0, 0);  // busy until the first progress report
    progress_->setText(tr("Starting…"));
  }
}

QString AnalysisStatus::formatEta(double seconds) {
  if (seconds < 0) return tr("estimating time left…");
  const int s = static_cast<int>(std::lround(seconds));
  if (s < 60) return tr("about %n s left", nullptr, std::max(1, s));
  if (s < 3600) return tr("about %n min left", nullptr, (s + 30) / 60);
  return tr("about %1 h %2 min left").arg(s / 3600).arg((s % 3600 + 30) / 60);
}

void AnalysisStatus::setProgress(int done, int total, int failed, const QString& stage, double etaSeconds) {
  bar_->setRange(0, std::max(1, total));
  bar_->setValue(std::min(done + failed, std::max(1, total)));
  bar_->setFormat(QStringLiteral("%v / %m"));
  QString text = tr("Page %1 of %2 · %3 · %4").arg(std::min(done + failed + 1, total)).arg(total).arg(stage, formatEta(etaSeconds));
  if (failed > 0) text += QStringLiteral(" · ") + tr("%n failed", nullptr, failed);
  progress_->setText(text);
}

QString AnalysisStatus::progressText() const { return progress_->text(); }

void AnalysisStatus::changeEvent(QEvent* event) {
  if (!event || event->type() == QEvent::LanguageChange) {
    cancel_->setText(tr("Cancel"));
    cancel_->setToolTip(tr("Stop the analysis; pages already finished are kept"));
  }
  if (event) QWidget::changeEvent(event);
}

}  // namespace ll::widgets
