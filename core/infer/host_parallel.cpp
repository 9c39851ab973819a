#include "core/infer/host_parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ll::infer {

void parallelForEach(int64_t n, const std::function<void(int64_t)>& fn, int threads) {
  if (n <= 0) return;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int workers = static_cast<int>(std::min<int64_t>(threads, n));
  std::atomic<int64_t> next{0};
  std::exception_ptr first;
  std::mutex failure;
  auto work = [&] {
    for (int64_t i = next++; i < n; i = next++) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure);
        if (!first) first = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(workers - 1));
  for (int w = 1; w < workers; ++w) pool.emplace_back(work);
  work();  // the caller's thread takes items too
  for (auto& t : pool) t.join();
  if (first) std::rethrow_exception(first);
}

void parallelForRows(int64_t rows, int threads, const std::function<void(int64_t)>& perRow) {
  if (threads == 1 || rows < 8) {
    for (int64_t i = 0; i < rows; ++i) perRow(i);
    return;
  }
  constexpr int64_t kBands = 64;  // a few bands a thread, so one slow thread does not hold the rest up
  const int64_t perBand = (rows + kBands - 1) / kBands;
  parallelForEach((rows + perBand - 1) / perBand, [&](int64_t b) {
    const int64_t end = std::min(rows, (b + 1) * perBand);
    for (int64_t i = b * perBand; i < end; ++i) perRow(i);
  }, threads);
}

}  // namespace ll::infer
