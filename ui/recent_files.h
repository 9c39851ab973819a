#pragma once
// The File > Open Recent list, kept in QSettings (key "recentFiles"): newest first, at most ten,
// no duplicates, and files that have since disappeared are dropped (the caller tells the user which).
#include <QString>
#include <QStringList>

class QSettings;

namespace ll::ui {

class RecentFiles {
 public:
  static constexpr int kMaxEntries = 10;
  explicit RecentFiles(QSettings& settings) : settings_(settings) {}

  QStringList files() const;
  // Puts the file first (absolute, cleaned path), dropping an older entry for it and the oldest beyond ten.
  void add(const QString& path);
  void remove(const QString& path);
  void clear();
  // Removes entries whose files no longer exist and returns them.
  QStringList pruneMissing();

 private:
  void store(const QStringList& files);
  QSettings& settings_;
};

}  // namespace ll::ui
