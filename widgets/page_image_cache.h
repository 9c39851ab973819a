#pragma once
// Rendered page images kept for reuse, bounded by bytes and evicted least-recently-used first.
// A 300-page datasheet at 200% zoom would otherwise hold gigabytes of pixels; the view and the
// thumbnail sidebar each own one cache with its own budget.
#include <QHash>
#include <QImage>
#include <list>

namespace ll::widgets {

struct PageImageKey {
  int page = -1;
  int widthPx = 0;  // device pixels; one page may be cached at several widths (zoom steps)
  bool operator==(const PageImageKey& o) const { return page == o.page && widthPx == o.widthPx; }
};
inline size_t qHash(const PageImageKey& k, size_t seed = 0) noexcept {
  return ::qHash((static_cast<quint64>(static_cast<quint32>(k.page)) << 32) | static_cast<quint32>(k.widthPx), seed);
}

class PageImageCache {
 public:
  explicit PageImageCache(qint64 budgetBytes) : budget_(budgetBytes) {}

  // Stores (or replaces) an image and evicts the least recently used ones until the total fits.
  // An image larger than the whole budget is kept alone: the page in view must always be drawable.
  void insert(const PageImageKey& key, const QImage& image);
  // The image for exactly this key (and marks it recently used), or a null image.
  QImage find(const PageImageKey& key);
  bool contains(const PageImageKey& key) const { return index_.contains(key); }
  // The widest cached image of a page, whatever its width (a stand-in while the right size renders).
  QImage bestForPage(int page) const;
  void clear();

  qint64 bytes() const { return bytes_; }
  qint64 budget() const { return budget_; }
  void setBudget(qint64 budgetBytes);
  int count() const { return static_cast<int>(lru_.size()); }

 private:
  struct Entry {
    PageImageKey key;
    QImage image;
  };
  void evictToFit();
  static qint64 sizeOf(const QImage& image) { return image.sizeInBytes(); }

  qint64 budget_;
  qint64 bytes_ = 0;
  std::list<Entry> lru_;  // front = most recently used
  QHash<PageImageKey, std::list<Entry>::iterator> index_;
};

}  // namespace ll::widgets
