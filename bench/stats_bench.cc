// Costs of the stats layer on the compare / gate / history paths: one bootstrap interval per
// compared percentile, one Mann-Whitney per compared metric, one change-point search per
// metric history.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/histogram.h"
#include "stats/tests.h"

namespace {

// `n` lognormal latencies in us (median 1 ms), scaled by `scale`.
vitals::Histogram Latencies(int n, double scale, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> lat(std::log(1000.0), 0.8);
  vitals::Histogram h;
  for (int i = 0; i < n; ++i) h.Record(static_cast<int64_t>(lat(rng) * scale));
  return h;
}

// The acceptance figure: 1000 resamples on two histograms of 100k values each.
void BM_BootstrapP99(benchmark::State& state) {
  const vitals::Histogram a = Latencies(100000, 1.0, 1), b = Latencies(100000, 1.1, 2);
  for (auto _ : state) {
    auto r = vitals::stats::BootstrapPercentileDiff(a, b, 99, 1000);
    benchmark::DoNotOptimize(r.ok());
  }
}
BENCHMARK(BM_BootstrapP99)->Unit(benchmark::kMillisecond);

// Per-interval samples: one value per reporting interval, e.g. 600 for a 10-minute run.
void BM_MannWhitney(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> p95(std::log(2000.0), 0.2);
  std::vector<double> a(n), b(n);
  for (double& x : a) x = p95(rng);
  for (double& x : b) x = p95(rng) * 1.05;
  for (auto _ : state) {
    auto r = vitals::stats::MannWhitneyU(a, b);
    benchmark::DoNotOptimize(r.ok());
  }
}
BENCHMARK(BM_MannWhitney)->Arg(30)->Arg(600)->Arg(10000)->Unit(benchmark::kMicrosecond);

// A metric's history of n runs with two steps.
void BM_ChangePoints(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  std::mt19937_64 rng(4);
  std::normal_distribution<double> noise(0, 3);
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = (i < n / 3 ? 100 : i < 2 * n / 3 ? 110 : 125) + noise(rng);
  for (auto _ : state) benchmark::DoNotOptimize(vitals::stats::FindChangePoints(x).size());
}
BENCHMARK(BM_ChangePoints)->Arg(60)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond);

}  // namespace
