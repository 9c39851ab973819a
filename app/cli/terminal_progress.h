#pragma once
// A one-line progress bar for long CLI runs (pages done/total, pages/s, ETA), redrawn in place on a
// terminal and silent when stderr is not one (logs and CI output stay clean). Log lines printed through
// it erase the bar first and redraw it after, so --verbose output and the bar do not garble each other.
#include <QElapsedTimer>
#include <QString>
#include <mutex>
#include <string>

namespace ll::cli {

class TerminalProgress {
 public:
  // enabled: draw the bar (normally isatty(stderr)).
  explicit TerminalProgress(bool enabled);
  ~TerminalProgress();

  // done counts every finished page, `skipped` of them were finished by an earlier run and do not count
  // for the speed. `label` is e.g. "drawing.pdf: layout".
  void update(int done, int skipped, int total, const QString& label);
  // Prints one line to stderr (above the bar when there is one). Thread-safe.
  void log(const QString& line);
  void finish();
  void restartClock();

  // "12/40 pages  0.85 pages/s  ETA 0:33" (the bar's text; exposed for tests and for non-TTY summaries).
  static std::string formatStatus(int done, int skipped, int total, double elapsedSeconds);

 private:
  void draw();
  void clear();
  bool enabled_;
  std::mutex mutex_;
  QElapsedTimer clock_;
  int done_ = 0, skipped_ = 0, total_ = 0;
  QString label_;
  bool drawn_ = false;
};

// True when the standard error stream is a terminal.
bool stderrIsTerminal();

}  // namespace ll::cli
