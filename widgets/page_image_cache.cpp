// LRU-by-bytes cache of rendered pages (see page_image_cache.h for why it exists).
#include "widgets/page_image_cache.h"

namespace ll::widgets {

void PageImageCache::insert(const PageImageKey& key, const QImage& image) {
  if (image.isNull()) return;
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= sizeOf(it.value()->image);
    lru_.erase(it.value());
    index_.erase(it);
  }
  lru_.push_front(Entry{key, image});
  index_.insert(key, lru_.begin());
  bytes_ += sizeOf(image);
  evictToFit();
}

QImage PageImageCache::find(const PageImageKey& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return {};
  lru_.splice(lru_.begin(), lru_, it.value());  // iterators stay valid across splice
  return lru_.front().image;
}

QImage PageImageCache::bestForPage(int page) const {
  const Entry* best = nullptr;
  for (const Entry& e : lru_) {
    if (e.key.page == page && (!best || e.key.widthPx > best->key.widthPx)) best = &e;
  }
  return best ? best->image : QImage();
}

void PageImageCache::clear() {
  lru_.clear();
  index_.clear();
  bytes_ = 0;
}

void PageImageCache::setBudget(qint64 budgetBytes) {
  budget_ = budgetBytes;
  evictToFit();
}

void PageImageCache::evictToFit() {
  while (bytes_ > budget_ && lru_.size() > 1) {
    const Entry& victim = lru_.back();
    bytes_ -= sizeOf(victim.image);
    index_.remove(victim.key);
    lru_.pop_back();
  }
}

}  // namespace ll::widgets
