// Expected values are worked out by hand from Prometheus' extrapolatedRate and
// bucketQuantile semantics; each case shows the arithmetic.
#include "collect/prom_math.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace vitals {
namespace {

using ::testing::HasSubstr;

double Rate(std::vector<TimedValue> s, int64_t start, int64_t end, bool counter,
            bool is_rate = true) {
  auto r = ExtrapolatedRate(s, start, end, counter, is_rate);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : std::nan("");
}

TEST(ExtrapolatedRate, SamplesOnTheEdgesNeedNoExtrapolation) {
  // 0 -> 60 over exactly the 60 s range: 1/s.
  EXPECT_DOUBLE_EQ(Rate({{0, 0}, {30'000, 30}, {60'000, 60}}, 0, 60'000, true), 1.0);
}

TEST(ExtrapolatedRate, ExtrapolatesToBothEdgesWhenCloseEnough) {
  // Samples at 5,20,35,50 s: increase 30 over 45 s, average interval 15 s,
  // threshold 16.5 s.  5 s to the start and 10 s to the end are both below
  // it, and the zero point (45 * 10/30 = 15 s back) is further than 5 s:
  // factor (45 + 5 + 10) / 45, increase 40, rate 40/60.
  std::vector<TimedValue> s = {{5'000, 10}, {20'000, 20}, {35'000, 30}, {50'000, 40}};
  EXPECT_DOUBLE_EQ(Rate(s, 0, 60'000, true, false), 40.0);
  EXPECT_DOUBLE_EQ(Rate(s, 0, 60'000, true), 40.0 / 60.0);
}

TEST(ExtrapolatedRate, FarEdgeGetsHalfAnIntervalAndCounterStopsAtZero) {
  // Samples at 20,30,40,50 s with values 1,11,21,31 in [0,60] s: increase 30
  // over 30 s, average 10 s, threshold 11 s.  Start: 20 s >= 11 -> 5 s, but
  // the counter reaches zero 30 * 1/30 = 1 s before the first sample -> 1 s.
  // End: 10 s < 11 -> 10 s.  Increase 30 * 41/30 = 41.
  std::vector<TimedValue> s = {{20'000, 1}, {30'000, 11}, {40'000, 21}, {50'000, 31}};
  EXPECT_DOUBLE_EQ(Rate(s, 0, 60'000, true, false), 41.0);
  EXPECT_DOUBLE_EQ(Rate(s, 0, 60'000, true), 41.0 / 60.0);
  // A gauge has no zero limit: 30 * (30 + 5 + 10) / 30 = 45.
  EXPECT_DOUBLE_EQ(Rate(s, 0, 60'000, false, false), 45.0);
}

TEST(ExtrapolatedRate, CounterResetAddsBackTheValueBeforeTheDrop) {
  // 10 -> 20, reset, 5 -> 15: (15 - 10) + 20 = 25 over 30 s on the edges.
  std::vector<TimedValue> s = {{0, 10}, {10'000, 20}, {20'000, 5}, {30'000, 15}};
  EXPECT_DOUBLE_EQ(Rate(s, 0, 30'000, true, false), 25.0);
  EXPECT_DOUBLE_EQ(Rate(s, 0, 30'000, true), 25.0 / 30.0);
  // A gauge takes the drop at face value: 15 - 10 = 5.
  EXPECT_DOUBLE_EQ(Rate(s, 0, 30'000, false, false), 5.0);
}

TEST(ExtrapolatedRate, ResetBetweenTwoScrapesCountsTheNewValue) {
  EXPECT_DOUBLE_EQ(Rate({{0, 500}, {10'000, 30}}, 0, 10'000, true, false), 30.0);
}

TEST(ExtrapolatedRate, ShortSeriesInsideALongWindow) {
  // Two samples at 4 s and 6 s in [0, 10] s: interval 2 s, threshold 2.2 s;
  // both edges are 4 s away -> 1 s each; zero point 2 * 100/10 = 20 s away.
  // Increase 10 * (2 + 1 + 1) / 2 = 20, rate 2/s.
  std::vector<TimedValue> s = {{4'000, 100}, {6'000, 110}};
  EXPECT_DOUBLE_EQ(Rate(s, 0, 10'000, true), 2.0);
}

TEST(ExtrapolatedRate, GaugeMayGoNegative) {
  EXPECT_DOUBLE_EQ(Rate({{0, 10}, {10'000, 4}}, 0, 10'000, false), -0.6);
}

TEST(ExtrapolatedRate, RejectsWhatPrometheusWouldNotEvaluate) {
  std::vector<TimedValue> one = {{1'000, 5}};
  auto r = ExtrapolatedRate(one, 0, 10'000, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("at least two samples in the range, got 1"));

  std::vector<TimedValue> unsorted = {{5'000, 5}, {1'000, 1}};
  r = ExtrapolatedRate(unsorted, 0, 10'000, true);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("increasing timestamps"));

  std::vector<TimedValue> outside = {{1'000, 5}, {11'000, 6}};
  r = ExtrapolatedRate(outside, 0, 10'000, true);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("outside the range"));

  std::vector<TimedValue> ok = {{0, 1}, {0, 2}};
  r = ExtrapolatedRate(ok, 0, 0, true);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("empty range"));
}

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(HistogramQuantile, InterpolatesInsideTheBucket) {
  // Rank 0.5 * 40 = 20 lands in (0.1, 0.5] which holds 30 - 10 = 20:
  // 0.1 + 0.4 * (20 - 10) / 20 = 0.3.
  std::vector<HistogramBucket> b = {{0.1, 10}, {0.5, 30}, {1, 40}, {kInf, 40}};
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.5, b), 0.3);
  // Rank 36 lands in (0.5, 1] holding 10: 0.5 + 0.5 * 6/10 = 0.8.
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.9, b), 0.8);
}

TEST(HistogramQuantile, FirstBucketStartsAtZero) {
  std::vector<HistogramBucket> b = {{0.1, 10}, {0.5, 30}, {kInf, 40}};
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.1, b), 0.04);  // 0 + 0.1 * 4/10
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.25, b), 0.1);  // rank 10 = whole first bucket
}

TEST(HistogramQuantile, FirstBucketAtOrBelowZeroReturnsItsBound) {
  std::vector<HistogramBucket> b = {{-1, 5}, {1, 10}, {kInf, 10}};
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.2, b), -1);
  // Rank 7.5 in (-1, 1] holding 5: -1 + 2 * 2.5/5 = 0.
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.75, b), 0);
}

TEST(HistogramQuantile, RankInInfBucketReturnsHighestFiniteBound) {
  std::vector<HistogramBucket> b = {{0.1, 10}, {0.5, 20}, {kInf, 40}};
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.9, b), 0.5);
  EXPECT_DOUBLE_EQ(HistogramQuantile(1.0, b), 0.5);
}

TEST(HistogramQuantile, SortsBucketsByBound) {
  std::vector<HistogramBucket> b = {{kInf, 40}, {1, 40}, {0.1, 10}, {0.5, 30}};
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.5, b), 0.3);
}

TEST(HistogramQuantile, ForcesMonotonicCounts) {
  // 0.5 holds 8 < 10: raised to 10.  q=0.75: rank 15 in (0.5, 1] holding 10:
  // 0.5 + 0.5 * 5/10 = 0.75.
  std::vector<HistogramBucket> b = {{0.1, 10}, {0.5, 8}, {1, 20}, {kInf, 20}};
  bool forced = false;
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.75, b, &forced), 0.75);
  EXPECT_TRUE(forced);
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.5, b), 0.1);
}

TEST(HistogramQuantile, FloatNoiseIsNotAMonotonicityViolation) {
  std::vector<HistogramBucket> b = {{1, 100}, {2, 100 * (1 - 1e-13)}, {kInf, 100}};
  bool forced = true;
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.5, b, &forced), 0.5);
  EXPECT_FALSE(forced);
}

TEST(HistogramQuantile, MergesBucketsWithTheSameBound) {
  std::vector<HistogramBucket> b = {{0.1, 5}, {0.1, 5}, {kInf, 20}};
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.25, b), 0.05);  // merged 0.1:10, rank 5
}

TEST(HistogramQuantile, SpecialCases) {
  std::vector<HistogramBucket> b = {{0.1, 10}, {kInf, 20}};
  EXPECT_EQ(HistogramQuantile(-0.1, b), -kInf);
  EXPECT_EQ(HistogramQuantile(1.1, b), kInf);
  EXPECT_TRUE(std::isnan(HistogramQuantile(std::nan(""), b)));
  // No +Inf bucket.
  EXPECT_TRUE(std::isnan(HistogramQuantile(0.5, {{0.1, 10}, {0.5, 20}})));
  // Fewer than two buckets.
  EXPECT_TRUE(std::isnan(HistogramQuantile(0.5, {{kInf, 20}})));
  EXPECT_TRUE(std::isnan(HistogramQuantile(0.5, {})));
  // No observations.
  EXPECT_TRUE(std::isnan(HistogramQuantile(0.5, {{0.1, 0}, {kInf, 0}})));
}

}  // namespace
}  // namespace vitals
