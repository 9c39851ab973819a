// The recent-files list: newest first, no duplicates, at most ten, vanished files pruned.
#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include "ui/recent_files.h"

using ll::ui::RecentFiles;

class RecentFilesTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void init() { QVERIFY(dir_.isValid()); }

  void keepsTenNewestFirstWithoutDuplicates() {
    QSettings settings(dir_.filePath(QStringLiteral("a.ini")), QSettings::IniFormat);
    RecentFiles recent(settings);
    for (int i = 0; i < 12; ++i) recent.add(dir_.filePath(QStringLiteral("f%1.pdf").arg(i)));
    QStringList files = recent.files();
    QCOMPARE(files.size(), RecentFiles::kMaxEntries);
    QCOMPARE(files.first(), dir_.filePath(QStringLiteral("f11.pdf")));
    QCOMPARE(files.last(), dir_.filePath(QStringLiteral("f2.pdf")));
    recent.add(dir_.filePath(QStringLiteral("sub/../f5.pdf")));  // same file, spelled differently
    files = recent.files();
    QCOMPARE(files.size(), RecentFiles::kMaxEntries);
    QCOMPARE(files.first(), dir_.filePath(QStringLiteral("f5.pdf")));
    QCOMPARE(files.count(dir_.filePath(QStringLiteral("f5.pdf"))), 1);
  }

  void prunesMissingFiles() {
    QSettings settings(dir_.filePath(QStringLiteral("b.ini")), QSettings::IniFormat);
    RecentFiles recent(settings);
    const QString kept = dir_.filePath(QStringLiteral("kept.pdf"));
    const QString gone = dir_.filePath(QStringLiteral("gone.pdf"));
    for (const QString& f : {kept, gone}) {
      QFile file(f);
      QVERIFY(file.open(QIODevice::WriteOnly));
    }
    recent.add(kept);
    recent.add(gone);
    QVERIFY(QFile::remove(gone));
    QCOMPARE(recent.pruneMissing(), QStringList{gone});
    QCOMPARE(recent.files(), QStringList{kept});
    QVERIFY(recent.pruneMissing().isEmpty());
    recent.clear();
    QVERIFY(recent.files().isEmpty());
    QVERIFY(!settings.contains(QStringLiteral("recentFiles")));
  }

 private:
  QTemporaryDir dir_;
};

QTEST_GUILESS_MAIN(RecentFilesTest)
#include "recent_files_test.moc"
