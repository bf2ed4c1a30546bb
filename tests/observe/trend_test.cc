#include "observe/trend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace vitals {
namespace {

ServerSeries Rss(std::vector<SeriesPoint> pts) {
  ServerSeries s;
  s.name = "process_resident_memory_bytes";
  s.component = "prometheus";
  s.subject = "process";
  s.unit = "bytes";
  s.points = std::move(pts);
  return s;
}

// 1 MB every 10 s, in steps (as a leak of fixed-size allocations does), plus allocator noise.
std::vector<SeriesPoint> Leaking(int seconds, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 200e3);
  std::vector<SeriesPoint> pts;
  for (int t = 0; t <= seconds; ++t) {
    pts.push_back({double(t), 40e6 + 1e6 * (t / 10) + noise(rng)});
  }
  return pts;
}

std::vector<SeriesPoint> Flat(int seconds, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 300e3);
  std::vector<SeriesPoint> pts;
  for (int t = 0; t <= seconds; ++t) pts.push_back({double(t), 40e6 + noise(rng)});
  return pts;
}

TEST(Trend, FindsALeakWithItsRate) {
  auto found = TrendFindings({Rss(Leaking(180, 1))}, {{"steady", 0, 180}}, 180);
  ASSERT_EQ(found.size(), 1u);
  const ObservedFinding& f = found[0];
  EXPECT_EQ(f.kind, "trend");
  EXPECT_EQ(f.finding.id, "trend.process_resident_memory_bytes");
  // Truth: 1 MB / 10 s = 6 MB/min; the finding's value is the slope per minute.
  ASSERT_TRUE(f.finding.value.has_value());
  EXPECT_NEAR(*f.finding.value, 6e6, 6e6 * 0.2);
  EXPECT_NE(f.finding.title.find("MB/min"), std::string::npos) << f.finding.title;
  EXPECT_EQ(f.phase, "steady");
}

TEST(Trend, NoFalseAlarmOnFlatNoisySeries) {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    auto found = TrendFindings({Rss(Flat(180, seed))}, {}, 180);
    EXPECT_TRUE(found.empty()) << "seed " << seed << ": " << found[0].finding.title;
  }
}

TEST(Trend, AStepThatStaysFlatIsNotALeak) {
  // A cache that fills in the first minute (after the warm-up cut) and then holds.
  std::vector<SeriesPoint> pts;
  for (int t = 0; t <= 240; ++t) pts.push_back({double(t), 40e6 + (t < 60 ? t * 0.5e6 : 30e6)});
  EXPECT_TRUE(TrendFindings({Rss(pts)}, {}, 240).empty());
}

TEST(Trend, TooShortOrTooSmallGivesNothing) {
  EXPECT_TRUE(TrendFindings({Rss(Leaking(40, 3))}, {}, 40).empty());  // < 60 s fitted
  std::vector<SeriesPoint> tiny;  // 100 kB over 3 min: under 1 MiB
  for (int t = 0; t <= 180; ++t) tiny.push_back({double(t), 40e6 + t * 555.0});
  EXPECT_TRUE(TrendFindings({Rss(tiny)}, {}, 180).empty());
}

TEST(Trend, FitReportsSlopeBoundsAndSignificance) {
  std::vector<SeriesPoint> line;
  for (int t = 0; t < 100; ++t) line.push_back({double(t), 2.0 * t + (t % 3)});
  TrendFit fit = FitTrend(line);
  EXPECT_NEAR(fit.slope_per_s, 2.0, 0.05);
  EXPECT_LE(fit.lo_per_s, fit.slope_per_s);
  EXPECT_GE(fit.hi_per_s, fit.slope_per_s);
  EXPECT_LT(fit.p_value, 1e-6);
  std::vector<SeriesPoint> down;
  for (int t = 0; t < 100; ++t) down.push_back({double(t), -1.0 * t});
  EXPECT_GT(FitTrend(down).p_value, 0.99);
}

TEST(Trend, LongSeriesAreBucketed) {
  auto pts = Leaking(7200, 9);  // a 2 h soak at 1 s
  TrendFit fit = FitTrend(pts);
  EXPECT_LE(fit.n, int(kMaxTrendPoints));
  EXPECT_NEAR(fit.slope_per_s * 60, 6e6, 6e6 * 0.05);
}

}  // namespace
}  // namespace vitals
