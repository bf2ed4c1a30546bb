#include "load/interval_collector.h"

#include "load/engine.h"

#include <gtest/gtest.h>

namespace vitals {
namespace {

constexpr int64_t kSec = 1'000'000'000;

HistogramConfig Config() { return IntervalHistogramConfig(10 * kSec); }

WorkerInterval Cell(int64_t index, int phase, int request, uint64_t n, int64_t latency_us) {
  WorkerInterval wi;
  wi.index = index;
  auto c = Histogram::Create(Config());
  auto u = Histogram::Create(Config());
  for (uint64_t i = 0; i < n; ++i) {
    c->Record(latency_us);
    u->Record(latency_us / 2);
  }
  wi.cells.push_back(IntervalCell{phase, request, n, n / 10, std::move(*c), std::move(*u)});
  return wi;
}

TEST(IntervalCollector, MergesWorkersAndEmitsOnlyPastTheFrontier) {
  LoadPlan plan({Stage{"a", 2 * kSec, 10, 10}, Stage{"b", 2 * kSec, 10, 10}});
  IntervalCollector col(plan, {""}, kSec, Config());
  col.Add(Cell(0, 0, 0, 5, 1000));
  col.Add(Cell(0, 0, 0, 7, 3000));  // another worker, same interval
  col.Add(Cell(1, 0, 0, 4, 1000));
  auto out = col.Emit(/*frontier=*/1, false, 0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].requests, 12u);
  EXPECT_EQ(out[0].phase, "a");
  EXPECT_EQ(out[0].request, "");
  EXPECT_EQ(out[0].latency_corrected.TotalCount(), 12);
  EXPECT_NEAR(double(out[0].latency_corrected.Max()), 3000, 30);
  EXPECT_TRUE(col.Emit(1, false, 0).empty()) << "interval 0 must not be emitted twice";
}

TEST(IntervalCollector, EmptyIntervalsBecomeZeroSamplesOfThePlannedPhase) {
  LoadPlan plan({Stage{"a", 2 * kSec, 10, 10}, Stage{"b", 2 * kSec, 10, 10}});
  IntervalCollector col(plan, {""}, kSec, Config());
  col.Add(Cell(0, 0, 0, 5, 1000));
  col.Add(Cell(3, 1, 0, 5, 1000));
  auto out = col.Emit(INT64_MAX, /*final=*/true, 4 * kSec + kSec / 2);
  ASSERT_EQ(out.size(), 4u) << "0..3; the drain after the plan adds none";
  EXPECT_EQ(out[1].requests, 0u);
  EXPECT_EQ(out[1].phase, "a");
  EXPECT_EQ(out[2].requests, 0u);
  EXPECT_EQ(out[2].phase, "b") << "interval 2 starts in phase b";
  EXPECT_DOUBLE_EQ(out[3].start_s, 3.0);
  EXPECT_EQ(out[3].requests, 5u);
}

TEST(IntervalCollector, NamedRequestsGetTheirOwnSamplesPlusAnAllRequestsOne) {
  LoadPlan plan({Stage{"a", 2 * kSec, 10, 10}});
  IntervalCollector col(plan, {"home", "login"}, kSec, Config());
  WorkerInterval wi = Cell(0, 0, 0, 6, 1000);
  wi.cells.push_back(std::move(Cell(0, 0, 1, 2, 9000).cells[0]));
  col.Add(std::move(wi));
  auto out = col.Emit(1, false, 0);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].request, "");
  EXPECT_EQ(out[0].requests, 8u);
  EXPECT_EQ(out[1].request, "home");
  EXPECT_EQ(out[1].requests, 6u);
  EXPECT_EQ(out[2].request, "login");
  EXPECT_EQ(out[2].requests, 2u);
}

TEST(IntervalSeries, CoarsensPairwiseBeyondTheCapAndKeepsTotals) {
  IntervalSeries series;
  uint64_t total = 0;
  for (size_t i = 0; i < kMaxSeriesSlots + 10; ++i) {
    IntervalSample s{double(i),
                     1.0,
                     "p",
                     "",
                     i % 7,
                     0,
                     *Histogram::Create(Config()),
                     *Histogram::Create(Config())};
    s.latency_corrected.Record(100);
    total += s.requests;
    series.Append({s});
  }
  EXPECT_LE(series.slots(), kMaxSeriesSlots);
  auto samples = series.Take();
  uint64_t sum = 0;
  int64_t hist = 0;
  double covered = 0;
  for (const auto& s : samples) {
    sum += s.requests;
    hist += s.latency_corrected.TotalCount();
    covered += s.length_s;
  }
  EXPECT_EQ(sum, total);
  EXPECT_EQ(hist, int64_t(kMaxSeriesSlots + 10));
  EXPECT_DOUBLE_EQ(covered, double(kMaxSeriesSlots + 10));
  EXPECT_DOUBLE_EQ(samples[1].start_s, 2.0) << "the first two seconds were merged";
}

}  // namespace
}  // namespace vitals

namespace vitals {
namespace {

// The answers of a drain shorter than one interval fold into the last planned interval, which
// then lasts until the run's end: no 4 ms interval whose one answer reads as 250 req/s.
TEST(IntervalCollectorPartial, ShortDrainFoldsIntoTheLastPlannedInterval) {
  LoadPlan plan({Stage{"a", 3 * kSec, 10, 10}});
  IntervalCollector col(plan, {""}, kSec, Config());
  col.Add(Cell(0, 0, 0, 10, 1000));
  col.Add(Cell(1, 0, 0, 10, 1000));
  col.Add(Cell(2, 0, 0, 9, 1000));
  // Every worker is past the plan's end: still, interval 2 waits for the final emit.
  auto early = col.Emit(/*frontier=*/4, false, 0);
  ASSERT_EQ(early.size(), 2u);
  EXPECT_DOUBLE_EQ(early[1].start_s, 1.0);
  col.Add(Cell(3, 0, 0, 1, 1000));  // one answer 4 ms after the plan's end
  auto out = col.Emit(INT64_MAX, /*final=*/true, 3 * kSec + 4'000'000);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].start_s, 2.0);
  EXPECT_DOUBLE_EQ(out[0].length_s, 1.004);
  EXPECT_EQ(out[0].requests, 10u);
  EXPECT_EQ(out[0].latency_corrected.TotalCount(), 10);
  EXPECT_DOUBLE_EQ(double(out[0].requests) / out[0].length_s, 10 / 1.004);
}

TEST(IntervalCollectorPartial, NoDrainAnswersKeepsTheFullLength) {
  LoadPlan plan({Stage{"a", 2 * kSec, 10, 10}});
  IntervalCollector col(plan, {""}, kSec, Config());
  col.Add(Cell(1, 0, 0, 10, 1000));
  auto out = col.Emit(INT64_MAX, true, 2 * kSec + 300'000'000);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[1].length_s, 1.0);
  EXPECT_EQ(out[1].requests, 10u);
}

TEST(IntervalCollectorPartial, LongDrainKeepsItsOwnIntervalsWithTheirRealLength) {
  LoadPlan plan({Stage{"a", 2 * kSec, 10, 10}});
  IntervalCollector col(plan, {""}, kSec, Config());
  col.Add(Cell(1, 0, 0, 10, 1000));
  col.Add(Cell(3, 0, 0, 3, 1000));  // timeouts 1.5 s after the plan
  auto out = col.Emit(INT64_MAX, true, 3 * kSec + kSec / 2);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_DOUBLE_EQ(out[1].length_s, 1.0);
  EXPECT_EQ(out[1].requests, 10u);
  EXPECT_DOUBLE_EQ(out[3].start_s, 3.0);
  EXPECT_DOUBLE_EQ(out[3].length_s, 0.5);
  EXPECT_DOUBLE_EQ(double(out[3].requests) / out[3].length_s, 6.0);
}

TEST(IntervalCollectorPartial, InterruptedRunsLastIntervalEndsAtTheInterruption) {
  LoadPlan plan({Stage{"a", 30 * kSec, 10, 10}});
  IntervalCollector col(plan, {""}, kSec, Config());
  col.Add(Cell(0, 0, 0, 10, 1000));
  col.Add(Cell(1, 0, 0, 5, 1000));
  auto out = col.Emit(INT64_MAX, true, kSec + kSec / 4);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[1].length_s, 0.25);
  EXPECT_DOUBLE_EQ(double(out[1].requests) / out[1].length_s, 20.0);
}

}  // namespace
}  // namespace vitals
