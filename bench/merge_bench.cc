// The exact merge of execution segments (load/merge.h, vitals merge): per segment and per
// reporting interval, decode the segment's two V2-encoded interval histograms (corrected and
// uncorrected, the engine's interval config: 2 significant figures, 10 s timeout) and add them
// into the merged interval.  This is the work a merging process does for every segment every
// interval, so items/s here bounds the segment-intervals one core merges per second
// (16 segments at 1 s intervals need 16 items/s).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/hdr_log.h"
#include "core/histogram.h"
#include "load/engine.h"

namespace {

// One segment's interval: `n` latencies log-uniform over 50 us .. 5 s, encoded.
std::string EncodedInterval(size_t n, uint64_t seed) {
  auto h = vitals::Histogram::Create(vitals::IntervalHistogramConfig(10'000'000'000));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> log_us(std::log(50.0), std::log(5e6));
  for (size_t i = 0; i < n; ++i) h->Record(static_cast<int64_t>(std::exp(log_us(rng))));
  return vitals::EncodeCompressedV2(*h);
}

void BM_MergeSegmentInterval(benchmark::State& state) {
  const size_t per_interval = size_t(state.range(0));
  const int kSegments = 16;
  std::vector<std::string> corrected, uncorrected;
  for (int s = 0; s < kSegments; ++s) {
    corrected.push_back(EncodedInterval(per_interval, uint64_t(2 * s + 1)));
    uncorrected.push_back(EncodedInterval(per_interval, uint64_t(2 * s + 2)));
  }
  int s = 0;
  vitals::Histogram merged_c, merged_u;
  for (auto _ : state) {
    auto c = vitals::DecodeCompressedV2(corrected[size_t(s)]);
    auto u = vitals::DecodeCompressedV2(uncorrected[size_t(s)]);
    (void)vitals::AddInto(&merged_c, *c);
    (void)vitals::AddInto(&merged_u, *u);
    if (++s == kSegments) {
      s = 0;
      merged_c.Reset();
      merged_u.Reset();
    }
  }
  benchmark::DoNotOptimize(merged_c.TotalCount());
  state.SetItemsProcessed(state.iterations());  // one item = one segment's interval
}
// Requests per segment per interval: a quiet segment, 10k/s, 100k/s.
BENCHMARK(BM_MergeSegmentInterval)->Arg(100)->Arg(10000)->Arg(100000);

}  // namespace
