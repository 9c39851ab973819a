// The page cache must stay within its byte budget, evict the least recently used page first, and
// still hold a page larger than the whole budget (the page on screen must always be drawable).
#include <QTest>

#include "widgets/page_image_cache.h"

using ll::widgets::PageImageCache;

namespace {
QImage imageOf(int width, int height) {
  QImage image(width, height, QImage::Format_RGB32);
  image.fill(Qt::white);
  return image;
}
}  // namespace

class PageImageCacheTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void evictsLeastRecentlyUsedByBytes() {
    const QImage page = imageOf(100, 100);  // 40,000 bytes in RGB32
    PageImageCache cache(3 * page.sizeInBytes());
    cache.insert({0, 100}, page);
    cache.insert({1, 100}, page);
    cache.insert({2, 100}, page);
    QCOMPARE(cache.count(), 3);
    QVERIFY(!cache.find({0, 100}).isNull());  // page 0 becomes the most recently used
    cache.insert({3, 100}, page);
    QCOMPARE(cache.count(), 3);
    QVERIFY(cache.contains({0, 100}));
    QVERIFY(!cache.contains({1, 100}));  // the least recently used one went
    QVERIFY(cache.contains({2, 100}));
    QVERIFY(cache.contains({3, 100}));
    QVERIFY(cache.bytes() <= cache.budget());
  }

  void keepsAnOversizedPageAlone() {
    PageImageCache cache(10'000);
    cache.insert({0, 50}, imageOf(50, 50));
    cache.insert({1, 400}, imageOf(400, 400));  // 640,000 bytes, far over budget
    QCOMPARE(cache.count(), 1);
    QVERIFY(cache.contains({1, 400}));
  }

  void replacingAnEntryKeepsTheByteCountExact() {
    PageImageCache cache(1'000'000);
    cache.insert({0, 100}, imageOf(100, 100));
    cache.insert({0, 100}, imageOf(100, 50));
    QCOMPARE(cache.count(), 1);
    QCOMPARE(cache.bytes(), imageOf(100, 50).sizeInBytes());
  }

  void bestForPageIsTheWidestRendering() {
    PageImageCache cache(10'000'000);
    cache.insert({4, 100}, imageOf(100, 140));
    cache.insert({4, 300}, imageOf(300, 420));
    cache.insert({5, 900}, imageOf(900, 1260));
    QCOMPARE(cache.bestForPage(4).width(), 300);
    QVERIFY(cache.bestForPage(6).isNull());
  }

  void shrinkingTheBudgetEvicts() {
    PageImageCache cache(10'000'000);
    for (int i = 0; i < 5; ++i) cache.insert({i, 100}, imageOf(100, 100));
    cache.setBudget(2 * imageOf(100, 100).sizeInBytes());
    QCOMPARE(cache.count(), 2);
    QVERIFY(cache.contains({4, 100}));
    QVERIFY(cache.contains({3, 100}));
  }
};

QTEST_GUILESS_MAIN(PageImageCacheTest)
#include "page_image_cache_test.moc"
