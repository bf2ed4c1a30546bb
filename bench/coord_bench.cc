// The coordinator's cost (vitals coordinate, cli/coordinator.h): for every reporting interval,
// each segment's interval frame is decoded (frame header, JSON, two V2 histograms), added into
// the merged slot (load/live_merge.h), and the complete slot goes through the abort_on_fail
// monitor (a percentile and a count threshold, as a scenario would have).  One iteration is
// one merged 1 s interval of `segments` segments, so the CPU time per iteration divided by
// 1 s is the share of one core the coordinator needs at 1 s intervals (BENCHMARKS.md).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/histogram.h"
#include "load/coord_protocol.h"
#include "load/engine.h"
#include "load/live_merge.h"
#include "load/thresholds.h"

namespace {

// One segment's interval frame: `n` latencies log-uniform over 50 us .. 5 s (corrected) and
// half of each (uncorrected), as the engine's interval histograms hold them.
std::string IntervalFrame(double start_s, size_t n, uint64_t seed) {
  vitals::IntervalSample s;
  s.start_s = start_s;
  s.phase = "main";
  s.latency_corrected = *vitals::Histogram::Create(vitals::IntervalHistogramConfig(10'000'000'000));
  s.latency_uncorrected = s.latency_corrected;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> log_us(std::log(50.0), std::log(5e6));
  for (size_t i = 0; i < n; ++i) {
    const auto v = static_cast<int64_t>(std::exp(log_us(rng)));
    s.latency_corrected.Record(v);
    s.latency_uncorrected.Record(v / 2 + 1);
  }
  s.requests = n;
  s.errors = n / 100;
  return vitals::EncodeFrame(vitals::FrameKind::kInterval,
                             nlohmann::json{{"samples", vitals::IntervalsToJson({s})}});
}

void BM_CoordinatorMergedInterval(benchmark::State& state) {
  const int segments = int(state.range(0));
  const size_t per_interval = size_t(state.range(1));
  std::vector<vitals::Threshold> ts;
  for (const char* e : {"p(99)<2s", "errors<1000000000"}) {
    auto t = vitals::ParseThreshold(e);
    t->abort_on_fail = true;
    ts.push_back(*t);
  }
  vitals::LiveMerger merger(segments);
  vitals::AbortMonitor abort(ts);
  std::vector<vitals::FrameReader> readers(static_cast<size_t>(segments));
  // Frames for a few distinct slots (encoding is the segments' cost, not the coordinator's).
  constexpr int kSlots = 4;
  std::vector<std::vector<std::string>> frames(kSlots);
  for (int k = 0; k < kSlots; ++k) {
    for (int s = 0; s < segments; ++s) {
      frames[size_t(k)].push_back(IntervalFrame(0, per_interval, uint64_t(k * 1000 + s + 1)));
    }
  }
  int64_t slot = 0;
  size_t merged_samples = 0;
  for (auto _ : state) {
    const auto& slot_frames = frames[size_t(slot % kSlots)];
    for (int s = 0; s < segments; ++s) {
      // The start time is rewritten per slot: patching JSON would cost more than the real
      // thing, so the slot comes from the decoded sample instead.
      const std::string& bytes = slot_frames[size_t(s)];
      readers[size_t(s)].Feed(bytes.data(), bytes.size());
      auto f = readers[size_t(s)].Next();
      auto j = (*f)->Json();
      auto samples = vitals::IntervalsFromJson((*j)["samples"]);
      for (auto& x : *samples) x.start_s = double(slot);
      (void)merger.Add(s, *samples);
    }
    auto done = merger.TakeComplete();
    merged_samples += done.size();
    benchmark::DoNotOptimize(abort.Observe(done));
    ++slot;
  }
  benchmark::DoNotOptimize(merged_samples);
  state.SetItemsProcessed(state.iterations());  // one item = one merged interval
  state.counters["segment_intervals/s"] =
      benchmark::Counter(double(state.iterations()) * segments, benchmark::Counter::kIsRate);
}
// 16 segments (the figure) and 4; 1000 and 10000 requests per segment per interval.
BENCHMARK(BM_CoordinatorMergedInterval)
    ->Args({16, 1000})
    ->Args({16, 10000})
    ->Args({4, 1000})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
