// See terminal_progress.h.
#include "cli/terminal_progress.h"

#include <cstdio>
#include <iostream>

#ifdef _WIN32
#include <io.h>
#define LL_ISATTY _isatty
#define LL_FILENO _fileno
#else
#include <unistd.h>
#define LL_ISATTY isatty
#define LL_FILENO fileno
#endif

namespace ll::cli {

bool stderrIsTerminal() { return LL_ISATTY(LL_FILENO(stderr)) != 0; }

TerminalProgress::TerminalProgress(bool enabled) : enabled_(enabled) { clock_.start(); }

TerminalProgress::~TerminalProgress() { finish(); }

std::string TerminalProgress::formatStatus(int done, int skipped, int total, double elapsedSeconds) {
  QString s = QStringLiteral("%1/%2 pages").arg(done).arg(total);
  const int fresh = done - skipped;
  if (fresh > 0 && elapsedSeconds > 0) {
    const double rate = fresh / elapsedSeconds;
    s += QStringLiteral("  %1 pages/s").arg(rate, 0, 'f', rate < 10 ? 2 : 1);
    const long long eta = static_cast<long long>((total - done) / rate + 0.5);
    s += QStringLiteral("  ETA %1:%2").arg(eta / 60).arg(eta % 60, 2, 10, QChar('0'));
  } else {
    s += QStringLiteral("  -- pages/s  ETA --:--");
  }
  return s.toStdString();
}

void TerminalProgress::update(int done, int skipped, int total, const QString& label) {
  std::lock_guard<std::mutex> lock(mutex_);
  done_ = done;
  skipped_ = skipped;
  total_ = total;
  label_ = label;
  draw();
}

void TerminalProgress::log(const QString& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  clear();
  std::cerr << line.toStdString() << std::endl;
  draw();
}

void TerminalProgress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (enabled_ && drawn_) std::cerr << std::endl;
  drawn_ = false;
  enabled_ = false;
}

void TerminalProgress::restartClock() {
  std::lock_guard<std::mutex> lock(mutex_);
  clock_.restart();
}

void TerminalProgress::clear() {
  if (enabled_ && drawn_) std::cerr << "\r\033[K" << std::flush;
  drawn_ = false;
}

void TerminalProgress::draw() {
  if (!enabled_) return;
  constexpr int kWidth = 24;
  const int filled = total_ > 0 ? static_cast<int>(static_cast<long long>(kWidth) * done_ / total_) : 0;
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
  std::string label = label_.toStdString();
  if (label.size() > 40) label = "..." + label.substr(label.size() - 37);
  std::cerr << "\r\033[K[" << bar << "] " << formatStatus(done_, skipped_, total_, clock_.elapsed() / 1000.0) << "  " << label
            << std::flush;
  drawn_ = true;
}

}  // namespace ll::cli
