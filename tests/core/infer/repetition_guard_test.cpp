// Loops trip the guard; exempt units (like `<td></td>` runs) and short repeats do not.
#include <gtest/gtest.h>

#include "core/infer/generation/repetition_guard.h"

using ll::infer::RepetitionGuard;
using ll::infer::RepetitionGuardConfig;

namespace {

std::vector<int64_t> repeat(std::vector<int64_t> unit, int times, std::vector<int64_t> prefix = {}) {
  for (int i = 0; i < times; ++i) prefix.insert(prefix.end(), unit.begin(), unit.end());
  return prefix;
}

RepetitionGuardConfig config(int n, int count, std::vector<std::vector<int64_t>> exempt = {}) {
  RepetitionGuardConfig c;
  c.maxNgram = n;
  c.minRepeats = count;
  c.exemptUnits = std::move(exempt);
  return c;
}

TEST(RepetitionGuard, TripsOnAUnitRepeatedCountTimes) {
  RepetitionGuard g(config(4, 3));
  EXPECT_FALSE(g.tripped(repeat({7, 8, 9}, 2, {1, 2})));
  EXPECT_TRUE(g.tripped(repeat({7, 8, 9}, 3, {1, 2})));
  EXPECT_TRUE(g.tripped(repeat({5}, 3)));
  EXPECT_FALSE(g.tripped({1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(RepetitionGuard, IgnoresUnitsLongerThanN) {
  RepetitionGuard g(config(2, 3));
  EXPECT_FALSE(g.tripped(repeat({1, 2, 3}, 5)));
  EXPECT_TRUE(g.tripped(repeat({1, 2}, 3)));
}

TEST(RepetitionGuard, ExemptUnitsInAnyRotationDoNotTrip) {
  // <td></td> as three tokens: "<td>" "</" "td>".
  const std::vector<int64_t> cell{10, 11, 12};
  RepetitionGuard g(config(8, 3, {cell}));
  EXPECT_FALSE(g.tripped(repeat(cell, 20, {1})));
  EXPECT_FALSE(g.tripped(repeat({11, 12, 10}, 5, {4})));  // tail starts mid-cell
  // A loop of two cells has a 6-token unit made of the exempt one: still fine.
  EXPECT_FALSE(g.tripped(repeat({10, 11, 12, 10, 11, 12}, 4)));
  // A different loop still trips even with the exemption configured.
  EXPECT_TRUE(g.tripped(repeat({10, 11, 13}, 3)));
}

TEST(RepetitionGuard, DisabledByDefaultAndRejectsBadConfig) {
  EXPECT_FALSE(RepetitionGuard(RepetitionGuardConfig{}).tripped(repeat({1}, 100)));
  EXPECT_THROW(RepetitionGuard(config(-1, 3)), std::invalid_argument);
  EXPECT_THROW(RepetitionGuard(config(3, 3, {{}})), std::invalid_argument);
}

}  // namespace
