// Recent-files list in QSettings (see recent_files.h).
#include "ui/recent_files.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

namespace ll::ui {

namespace {
const QString kKey = QStringLiteral("recentFiles");
QString normalised(const QString& path) { return QDir::cleanPath(QFileInfo(path).absoluteFilePath()); }
}  // namespace

QStringList RecentFiles::files() const { return settings_.value(kKey).toStringList(); }

void RecentFiles::store(const QStringList& files) {
  if (files.isEmpty()) settings_.remove(kKey);
  else settings_.setValue(kKey, files);
}

void RecentFiles::add(const QString& path) {
  const QString p = normalised(path);
  QStringList list = files();
  list.removeAll(p);
  list.prepend(p);
  while (list.size() > kMaxEntries) list.removeLast();
  store(list);
}

void RecentFiles::remove(const QString& path) {
  QStringList list = files();
  list.removeAll(normalised(path));
  list.removeAll(path);
  store(list);
}

void RecentFiles::clear() { store({}); }

QStringList RecentFiles::pruneMissing() {
  QStringList kept, removed;
  for (const QString& f : files()) (QFileInfo(f).isFile() ? kept : removed).append(f);
  if (!removed.isEmpty()) store(kept);
  return removed;
}

}  // namespace ll::ui
