#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "stats/detail.h"
#include "stats/tests.h"

namespace vitals::stats {
namespace {

// `n` lognormal latencies in us (median ~1 ms), each multiplied by `scale`.
Histogram Latencies(int n, double scale, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> lat(std::log(1000.0), 0.6);
  Histogram h;
  for (int i = 0; i < n; ++i) h.Record(static_cast<int64_t>(lat(rng) * scale));
  return h;
}

// The textbook bootstrap, written the slow way: draw m values per side by binary search over
// the cumulative counts, take the k-th smallest, and return the central 95 % of B - A.
std::pair<double, double> NaiveInterval(const Histogram& a, const Histogram& b, double p,
                                        int resamples, uint64_t seed) {
  struct Table {
    std::vector<int64_t> cumulative, value;
    int64_t total = 0, m = 0;
    size_t k = 0;  // 0-based rank of the percentile in a resample
  };
  auto table_of = [p](const Histogram& h) {
    Table t;
    h.ForEachRecorded([&](const Histogram::Bucket& bucket) {
      t.cumulative.push_back((t.cumulative.empty() ? 0 : t.cumulative.back()) + bucket.count);
      t.value.push_back(bucket.highest_value);
    });
    t.total = h.TotalCount();
    t.m = std::min<int64_t>(t.total, kMaxBootstrapDraws);
    t.k = static_cast<size_t>(detail::CountAtPercentile(p, t.m) - 1);
    return t;
  };
  const Table ta = table_of(a), tb = table_of(b);
  std::mt19937_64 rng(seed);
  std::vector<int64_t> draws;
  auto percentile_of_resample = [&](const Table& t) {
    std::uniform_int_distribution<int64_t> pick(0, t.total - 1);
    draws.resize(static_cast<size_t>(t.m));
    for (auto& d : draws) {
      const int64_t r = pick(rng);
      d = t.value[static_cast<size_t>(
          std::upper_bound(t.cumulative.begin(), t.cumulative.end(), r) - t.cumulative.begin())];
    }
    std::nth_element(draws.begin(), draws.begin() + static_cast<std::ptrdiff_t>(t.k), draws.end());
    return static_cast<double>(draws[t.k]);
  };
  std::vector<double> diffs;
  for (int i = 0; i < resamples; ++i) {
    const double va = percentile_of_resample(ta);
    diffs.push_back(percentile_of_resample(tb) - va);
  }
  std::sort(diffs.begin(), diffs.end());
  auto q = [&](double f) { return diffs[static_cast<size_t>(f * (diffs.size() - 1) + 0.5)]; };
  return {q(0.025), q(0.975)};
}

TEST(BootstrapTest, CountAtPercentileMatchesHistogramRule) {
  // Values 1..777 are each their own bucket, so ValueAtPercentile returns the rank.
  Histogram h;
  for (int v = 1; v <= 777; ++v) h.Record(v);
  for (double p : {0.0, 0.01, 0.1, 1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    EXPECT_EQ(detail::CountAtPercentile(p, 777), h.ValueAtPercentile(p)) << p;
  }
}

TEST(BootstrapTest, SameHistogramTwiceContainsZero) {
  const Histogram h = Latencies(20000, 1.0, 1);
  for (double p : {50.0, 95.0, 99.0}) {
    auto r = BootstrapPercentileDiff(h, h, p);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_DOUBLE_EQ(r->estimate, 0);
    EXPECT_LT(r->low, 0) << p;
    EXPECT_GT(r->high, 0) << p;
    EXPECT_EQ(r->resamples, 1000);
    EXPECT_DOUBLE_EQ(r->confidence, 0.95);
  }
}

TEST(BootstrapTest, ThirtyPercentShiftExcludesZero) {
  const Histogram a = Latencies(100000, 1.0, 2);
  const Histogram b = Latencies(100000, 1.3, 3);
  for (double p : {50.0, 95.0, 99.0}) {
    auto r = BootstrapPercentileDiff(a, b, p);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const double truth = 0.3 * 1000.0 * std::exp(0.6 * (p == 50 ? 0 : p == 95 ? 1.6449 : 2.3263));
    EXPECT_NEAR(r->estimate, truth, 0.1 * truth) << p;
    EXPECT_GT(r->low, 0) << p;
    EXPECT_LE(r->low, r->estimate) << p;
    EXPECT_GE(r->high, r->estimate) << p;
    auto swapped = BootstrapPercentileDiff(b, a, p);
    ASSERT_TRUE(swapped.ok());
    EXPECT_LT(swapped->high, 0) << p;
  }
}

TEST(BootstrapTest, DeterministicForASeed) {
  const Histogram a = Latencies(5000, 1.0, 4), b = Latencies(5000, 1.05, 5);
  auto r1 = BootstrapPercentileDiff(a, b, 99, 500, 0.9, 42);
  auto r2 = BootstrapPercentileDiff(a, b, 99, 500, 0.9, 42);
  auto r3 = BootstrapPercentileDiff(a, b, 99, 500, 0.9, 43);
  ASSERT_TRUE(r1.ok() && r2.ok() && r3.ok());
  EXPECT_EQ(r1->low, r2->low);
  EXPECT_EQ(r1->high, r2->high);
  EXPECT_TRUE(r1->low != r3->low || r1->high != r3->high);
}

TEST(BootstrapTest, AgreesWithTheSlowMultinomialBootstrap) {
  // The order-statistic shortcut must give the same interval as drawing every value.
  const Histogram a = Latencies(1500, 1.0, 6), b = Latencies(1500, 1.1, 7);
  auto fast = BootstrapPercentileDiff(a, b, 90, 1000, 0.95, 8);
  ASSERT_TRUE(fast.ok());
  const auto [low, high] = NaiveInterval(a, b, 90, 1000, 9);
  // Monte Carlo noise of each endpoint is ~3 % of the width; a wrong rank or draw count
  // moves the endpoints by far more.
  const double width = high - low;
  EXPECT_NEAR(fast->low, low, 0.15 * width);
  EXPECT_NEAR(fast->high, high, 0.15 * width);
  EXPECT_NEAR(fast->high - fast->low, width, 0.15 * width);
}

TEST(BootstrapTest, DrawCapKeepsLargeHistogramsAsWideAsTwentyThousand) {
  // Without the cap, 200k values would give an interval ~sqrt(10) times narrower than 20k.
  const Histogram a20 = Latencies(20000, 1.0, 10), b20 = Latencies(20000, 1.0, 11);
  const Histogram a200 = Latencies(200000, 1.0, 12), b200 = Latencies(200000, 1.0, 13);
  auto small = BootstrapPercentileDiff(a20, b20, 95);
  auto large = BootstrapPercentileDiff(a200, b200, 95);
  ASSERT_TRUE(small.ok() && large.ok());
  const double ratio = (large->high - large->low) / (small->high - small->low);
  EXPECT_GT(ratio, 0.8);
  EXPECT_LT(ratio, 1.25);
}

TEST(BootstrapTest, ExtremePercentilesUseHistogramEndpoints) {
  const Histogram a = Latencies(1000, 1.0, 14), b = Latencies(1000, 2.0, 15);
  auto lo = BootstrapPercentileDiff(a, b, 0);
  auto hi = BootstrapPercentileDiff(a, b, 100);
  ASSERT_TRUE(lo.ok() && hi.ok());
  EXPECT_DOUBLE_EQ(lo->estimate, static_cast<double>(b.Min() - a.Min()));
  EXPECT_DOUBLE_EQ(hi->estimate, static_cast<double>(b.Max() - a.Max()));
  // A resample's maximum can never exceed the histogram's.
  EXPECT_LE(hi->high, static_cast<double>(b.Max() - a.Min()));
  EXPECT_GE(lo->low, static_cast<double>(b.Min() - a.Max()));
}

TEST(BootstrapTest, EmptyHistogramIsInvalidArgument) {
  const Histogram empty, full = Latencies(100, 1.0, 16);
  auto r = BootstrapPercentileDiff(empty, full, 99);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("histogram A is empty; a percentile needs at least one"),
            std::string::npos)
      << r.status().message();
  auto rb = BootstrapPercentileDiff(full, empty, 99);
  ASSERT_FALSE(rb.ok());
  EXPECT_NE(rb.status().message().find("histogram B is empty"), std::string::npos);
}

TEST(BootstrapTest, BadArgumentsAreInvalidArgument) {
  const Histogram h = Latencies(100, 1.0, 17);
  struct Case {
    double percentile;
    int resamples;
    double confidence;
    const char* message;
  };
  for (const Case& c : {Case{100.5, 1000, 0.95, "percentile 100.5 is outside 0..100"},
                        Case{std::nan(""), 1000, 0.95, "percentile nan is outside 0..100"},
                        Case{99, 5, 0.95, "5 resamples is outside 10..1000000"},
                        Case{99, 1000, 1.0, "confidence 1 must be strictly between 0 and 1"},
                        Case{99, 1000, 0, "confidence 0 must be strictly between 0 and 1"}}) {
    auto r = BootstrapPercentileDiff(h, h, c.percentile, c.resamples, c.confidence);
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace vitals::stats
