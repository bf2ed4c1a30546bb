#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "stats/detail.h"
#include "stats/tests.h"

namespace vitals::stats {
namespace {

// A history of `n` runs: mean 100 with noise sd 3, times the factor `step(i)`.
template <typename F>
std::vector<double> History(size_t n, uint64_t seed, F step) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 3);
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = 100 * step(i) + noise(rng);
  return x;
}

// Q-hat straight from Matteson & James' definition, O(n^3).
double BruteQ(const std::vector<double>& x, size_t t) {
  const size_t n = x.size();
  double across = 0, left = 0, right = 0;
  for (size_t i = 0; i < t; ++i)
    for (size_t j = t; j < n; ++j) across += std::abs(x[i] - x[j]);
  for (size_t i = 0; i < t; ++i)
    for (size_t k = i + 1; k < t; ++k) left += std::abs(x[i] - x[k]);
  for (size_t j = t; j < n; ++j)
    for (size_t k = j + 1; k < n; ++k) right += std::abs(x[j] - x[k]);
  const double m = static_cast<double>(t), r = static_cast<double>(n - t);
  const double e = 2 * across / (m * r) - left / (m * (m - 1) / 2) - right / (r * (r - 1) / 2);
  return m * r / static_cast<double>(n) * e;
}

TEST(ChangePointsTest, EnergySplitMatchesDefinition) {
  std::mt19937_64 rng(5);
  std::exponential_distribution<double> e(0.1);
  for (size_t min_segment : {2u, 4u}) {
    std::vector<double> x(31);
    for (double& v : x) v = e(rng);
    for (size_t i = 12; i < x.size(); ++i) x[i] += 8;
    size_t best = 0;
    double best_q = -1;
    for (size_t t = min_segment; t + min_segment <= x.size(); ++t) {
      if (BruteQ(x, t) > best_q) best_q = BruteQ(x, t), best = t;
    }
    const detail::EnergySplit s = detail::BestEnergySplit(x, min_segment);
    EXPECT_EQ(s.index, best) << min_segment;
    EXPECT_NEAR(s.q, best_q, 1e-9 * std::abs(best_q)) << min_segment;
  }
}

TEST(ChangePointsTest, StepOfFifteenPercentIsFoundOnce) {
  const auto x = History(60, 1, [](size_t i) { return i < 30 ? 1.0 : 1.15; });
  const auto cps = FindChangePoints(x);
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_NEAR(static_cast<double>(cps[0].index), 30, 2);
  EXPECT_NEAR(cps[0].mean_before, 100, 2);
  EXPECT_NEAR(cps[0].mean_after, 115, 2);
  EXPECT_NEAR(cps[0].relative_change, 0.15, 0.03);
  EXPECT_LT(cps[0].p_value, 1e-6);
}

TEST(ChangePointsTest, FlatNoisyHistoryHasNone) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    EXPECT_TRUE(FindChangePoints(History(60, seed, [](size_t) { return 1.0; })).empty()) << seed;
  }
}

TEST(ChangePointsTest, SlowDriftIsReported) {
  // +0.5 % per run: 100 -> ~130 over 60 runs, no single step.  Observed: the drift is cut
  // into a staircase of segments (3 points for this seed), each a significant >= 5 % rise.
  const auto x = History(60, 2, [](size_t i) { return 1.0 + 0.005 * static_cast<double>(i); });
  const auto cps = FindChangePoints(x);
  ASSERT_GE(cps.size(), 1u);
  for (const ChangePoint& cp : cps) {
    EXPECT_GE(cp.relative_change, 0.05) << cp.index;
    EXPECT_LE(cp.p_value, 0.001) << cp.index;
  }
}

TEST(ChangePointsTest, TwoStepsGiveTwoPoints) {
  const auto x = History(90, 3, [](size_t i) { return i < 30 ? 1.0 : i < 60 ? 1.2 : 0.9; });
  const auto cps = FindChangePoints(x);
  ASSERT_EQ(cps.size(), 2u);
  EXPECT_NEAR(static_cast<double>(cps[0].index), 30, 2);
  EXPECT_NEAR(static_cast<double>(cps[1].index), 60, 2);
  EXPECT_GT(cps[0].relative_change, 0.1);
  EXPECT_LT(cps[1].relative_change, -0.1);
  // Means describe the final segments, not the wider ones the search first split.
  EXPECT_NEAR(cps[0].mean_after, 120, 2);
  EXPECT_NEAR(cps[1].mean_before, 120, 2);
  EXPECT_NEAR(cps[1].mean_after, 90, 2);
}

TEST(ChangePointsTest, ShortSeriesHasNone) {
  ChangePointOptions o;
  o.min_segment = 5;
  // 9 points with a huge step: still shorter than 2 * min_segment.
  const std::vector<double> x = {1, 1, 1, 1, 100, 100, 100, 100, 100};
  EXPECT_TRUE(FindChangePoints(x, o).empty());
  std::vector<double> ten = x;
  ten.insert(ten.begin(), 1);  // 10 points: now long enough
  const auto cps = FindChangePoints(ten, o);
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].index, 5u);
  EXPECT_DOUBLE_EQ(cps[0].p_value, 0);  // two constant, different segments
  EXPECT_TRUE(FindChangePoints(std::vector<double>{}).empty());
  o.min_segment = SIZE_MAX;  // 2 * min_segment would overflow
  EXPECT_TRUE(FindChangePoints(ten, o).empty());
}

TEST(ChangePointsTest, MinSegmentIsHonoured) {
  // A step 3 runs before the end cannot be reported with min_segment 5.
  const auto x = History(40, 4, [](size_t i) { return i < 37 ? 1.0 : 1.5; });
  for (const ChangePoint& cp : FindChangePoints(x)) {
    EXPECT_GE(cp.index, 5u);
    EXPECT_LE(cp.index, 35u);
  }
  ChangePointOptions o;
  o.min_segment = 3;
  const auto cps = FindChangePoints(x, o);
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].index, 37u);
}

TEST(ChangePointsTest, SmallChangeBelowThresholdIsIgnored) {
  // A clean 3 % step is significant but smaller than min_relative_change = 5 %.
  const auto x = History(200, 6, [](size_t i) { return i < 100 ? 1.0 : 1.03; });
  EXPECT_TRUE(FindChangePoints(x).empty());
  ChangePointOptions o;
  o.min_relative_change = 0.02;
  EXPECT_EQ(FindChangePoints(x, o).size(), 1u);
}

TEST(ChangePointsTest, ThousandRunsFinishes) {
  const auto x = History(1000, 7, [](size_t i) { return i < 400 ? 1.0 : i < 700 ? 1.1 : 1.25; });
  const auto cps = FindChangePoints(x);
  ASSERT_EQ(cps.size(), 2u);
  EXPECT_NEAR(static_cast<double>(cps[0].index), 400, 5);
  EXPECT_NEAR(static_cast<double>(cps[1].index), 700, 5);
}

TEST(ChangePointsTest, BadInputIsInvalidArgument) {
  std::vector<double> x(20, 1.0);
  x[7] = std::nan("");
  auto r = FindChangePointsChecked(x);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("run #7 of the history is NaN"), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(FindChangePoints(x).empty());

  ChangePointOptions o;
  o.max_p_value = 0;
  auto p = FindChangePointsChecked(std::vector<double>(20, 1.0), o);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("max_p_value 0 must be in (0, 1]"), std::string::npos)
      << p.status().message();
  o = {};
  o.min_relative_change = -0.1;
  auto m = FindChangePointsChecked(std::vector<double>(20, 1.0), o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("min_relative_change -0.1 must be a finite fraction"),
            std::string::npos)
      << m.status().message();
}

}  // namespace
}  // namespace vitals::stats
