#include "core/infer/host_parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ll::infer {
namespace {

TEST(HostParallel, CallsEveryIndexExactlyOnce) {
  for (int threads : {0, 1, 3, 64}) {
    std::vector<std::atomic<int>> calls(1000);
    parallelForEach(1000, [&](int64_t i) { ++calls[static_cast<size_t>(i)]; }, threads);
    for (size_t i = 0; i < calls.size(); ++i) ASSERT_EQ(calls[i].load(), 1) << "index " << i << ", " << threads << " threads";
  }
}

TEST(HostParallel, RowsAreCalledOnceEachInBands) {
  for (int64_t rows : {0, 3, 8, 63, 64, 65, 1000, 4097})
    for (int threads : {0, 1, 3}) {
      std::vector<std::atomic<int>> calls(static_cast<size_t>(rows));
      parallelForRows(rows, threads, [&](int64_t i) { ++calls[static_cast<size_t>(i)]; });
      for (size_t i = 0; i < calls.size(); ++i) ASSERT_EQ(calls[i].load(), 1) << "row " << i << " of " << rows;
    }
  // A handful of rows, or one thread: on the caller's thread, in order.
  for (auto [rows, threads] : {std::pair<int64_t, int>{7, 0}, std::pair<int64_t, int>{500, 1}}) {
    std::vector<int64_t> order;
    const auto caller = std::this_thread::get_id();
    bool elsewhere = false;
    parallelForRows(rows, threads, [&](int64_t i) {
      elsewhere = elsewhere || std::this_thread::get_id() != caller;
      order.push_back(i);
    });
    EXPECT_FALSE(elsewhere) << rows << " rows";
    ASSERT_EQ(static_cast<int64_t>(order.size()), rows);
    for (int64_t i = 0; i < rows; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
  }
}

TEST(HostParallel, NothingToDoReturnsAtOnce) {
  int calls = 0;
  parallelForEach(0, [&](int64_t) { ++calls; });
  parallelForEach(-5, [&](int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(HostParallel, UsesSeveralThreadsWhenAsked) {
  // Each item waits until two items are running at once (or gives up after a while): one thread would never
  // see a second item start.
  std::atomic<int> running{0}, most{0};
  parallelForEach(4, [&](int64_t) {
    const int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    for (int spin = 0; spin < 2000 && most.load() < 2; ++spin) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    --running;
  }, 4);
  EXPECT_GE(most.load(), 2);
}

TEST(HostParallel, AFailingItemDoesNotStopTheOthersAndIsRethrown) {
  std::vector<std::atomic<int>> calls(50);
  try {
    parallelForEach(50, [&](int64_t i) {
      ++calls[static_cast<size_t>(i)];
      if (i == 7) throw std::runtime_error("item 7 is broken");
    }, 4);
    FAIL() << "the item's exception was swallowed";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "item 7 is broken");
  }
  for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i].load(), 1) << "index " << i;
}

}  // namespace
}  // namespace ll::infer
