// The noise figures (load/noise.h): the collector's host deltas from a fake probe, the merge
// of the workers' probe histograms, the summary and its one-word verdict.
#include "load/noise.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace vitals {
namespace {

constexpr int64_t kSec = 1'000'000'000;

Histogram Probe(std::initializer_list<int64_t> values_us) {
  auto h = Histogram::Create(HistogramConfig{1, 60'000'000, 2});
  EXPECT_TRUE(h.ok());
  for (int64_t v : values_us) h->Record(v);
  return std::move(h).value();
}

TEST(NoiseCollector, HostDeltasAndWorkerProbesPerInterval) {
  // Counters as /proc would show them, advancing by the figures each interval should report.
  int reads = 0;
  HostCpuProbe probe = [&reads]() -> Result<HostCpuCounters> {
    HostCpuCounters c;
    c.cpus = 2;
    c.total_jiffies = 200.0 * reads;        // 2 CPUs x 100 jiffies per second
    c.steal_jiffies = 10.0 * reads;         // 5 % stolen
    c.psi_cpu_some_us = 250'000.0 * reads;  // a task waited 25 % of each second
    c.procs_running = 3;
    ++reads;
    return c;
  };
  NoiseCollector nc(kSec, 1, probe);
  nc.Start(0);
  WorkerNoise w0;
  w0.sched_delay = Probe({50, 60, 70, 4000});
  w0.send_lag = Probe({100});
  nc.Add(0, std::move(w0));
  WorkerNoise w0b;  // a second worker, same interval
  w0b.sched_delay = Probe({55});
  nc.Add(0, std::move(w0b));
  nc.Tick(kSec / 2);  // still in interval 0: no read
  EXPECT_EQ(reads, 1);
  EXPECT_TRUE(nc.Emit(1, false, 0).empty());  // interval 0's host figures are not read yet
  nc.Tick(kSec);
  EXPECT_EQ(reads, 2);
  auto out = nc.Emit(1, false, 0);
  ASSERT_EQ(out.size(), 1u);
  const NoiseInterval& n = out[0];
  EXPECT_EQ(n.probes, 5u);
  EXPECT_NEAR(n.sched_delay_max_us, 4000, 40);  // 2 significant digits
  EXPECT_NEAR(n.sched_delay_p99_us, 4000, 40);
  EXPECT_NEAR(n.send_lag_p99_us, 100, 1);
  EXPECT_NEAR(n.steal_pct, 5, 1e-9);
  EXPECT_NEAR(n.psi_cpu_pct, 25, 1e-9);
  EXPECT_NEAR(n.runnable_per_cpu, 1.5, 1e-9);
  EXPECT_TRUE(n.gen_cpu_pct >= 0 && n.gen_cpu_pct <= 100);
  // The final emit closes the partial last interval with its real length; an interval no
  // worker probed has no sched figure but still its host figures.
  auto last = nc.Emit(INT64_MAX, true, kSec + kSec / 4);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_DOUBLE_EQ(last[0].start_s, 1);
  EXPECT_DOUBLE_EQ(last[0].length_s, 0.25);
  EXPECT_TRUE(std::isnan(last[0].sched_delay_p99_us));
  EXPECT_TRUE(std::isfinite(last[0].steal_pct));
  EXPECT_TRUE(nc.probe_error().empty());
}

TEST(NoiseCollector, AFailingProbeLeavesHostFiguresAbsentAndSaysWhy) {
  HostCpuProbe probe = []() -> Result<HostCpuCounters> {
    return Status::NotFound("/proc/stat: no such file");
  };
  NoiseCollector nc(kSec, 1, probe);
  nc.Start(0);
  nc.Tick(kSec);
  auto out = nc.Emit(1, false, 0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(std::isnan(out[0].steal_pct));
  EXPECT_TRUE(std::isnan(out[0].psi_cpu_pct));
  EXPECT_TRUE(std::isfinite(out[0].gen_cpu_pct));  // from getrusage, not /proc
  EXPECT_THAT(nc.probe_error(), ::testing::HasSubstr("/proc/stat"));
}

TEST(NoiseSummary, MediansAndVerdicts) {
  std::vector<NoiseInterval> s(5);
  const double sched[] = {60, 80, 70, 9000, 75};
  for (size_t i = 0; i < s.size(); ++i) {
    s[i].sched_delay_p99_us = sched[i];
    s[i].sched_delay_max_us = sched[i] * 2;
    s[i].psi_cpu_pct = 1;
    s[i].steal_pct = 0;
    s[i].gen_cpu_pct = 20;
  }
  NoiseSummary sum = SummarizeNoise(s);
  EXPECT_DOUBLE_EQ(sum.sched_delay_p99_us, 75);  // one hog second does not move the median
  EXPECT_DOUBLE_EQ(sum.sched_delay_max_us, 18000);
  EXPECT_TRUE(std::isnan(sum.send_lag_p99_us));
  EXPECT_STREQ(NoiseVerdict(sum), "quiet");
  sum.psi_cpu_pct = 30;
  EXPECT_STREQ(NoiseVerdict(sum), "noisy");
  sum.gen_cpu_pct = 95;
  EXPECT_STREQ(NoiseVerdict(sum), "saturated");
  EXPECT_TRUE(std::isnan(FiniteMedian({NoiseInterval::kAbsent})));
  EXPECT_DOUBLE_EQ(FiniteMedian({1, 3, NoiseInterval::kAbsent, 2, 10}), 2.5);
}

}  // namespace
}  // namespace vitals
