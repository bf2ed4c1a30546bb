// vitals::Histogram costs on the load engine's paths: Record() per response (hot path),
// Add() and Reset() once per reporting interval per thread, ValueAtPercentile() per report,
// and the V2 encoding per interval written to an .hlog.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/hdr_log.h"
#include "core/histogram.h"

namespace {

// Latencies in us, log-uniform over 50 us .. 5 s: every magnitude a real run sees.
std::vector<int64_t> Latencies(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> log_us(std::log(50.0), std::log(5e6));
  std::vector<int64_t> v(n);
  for (auto& x : v) x = static_cast<int64_t>(std::exp(log_us(rng)));
  return v;
}

// One second of one busy thread: 100k responses.
vitals::Histogram Filled(uint64_t seed) {
  vitals::Histogram h;
  for (int64_t v : Latencies(100000, seed)) h.Record(v);
  return h;
}

void BM_Record(benchmark::State& state) {
  const std::vector<int64_t> values = Latencies(1 << 16, 1);
  vitals::Histogram h;
  size_t i = 0;
  for (auto _ : state) {
    h.Record(values[i]);
    i = (i + 1) & (values.size() - 1);
  }
  benchmark::DoNotOptimize(h.TotalCount());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Record);

void BM_RecordCorrected(benchmark::State& state) {
  const std::vector<int64_t> values = Latencies(1 << 16, 2);
  vitals::Histogram h;
  size_t i = 0;
  for (auto _ : state) {
    h.RecordCorrected(values[i], 10000);  // 100 req/s per connection
    i = (i + 1) & (values.size() - 1);
  }
  benchmark::DoNotOptimize(h.TotalCount());
}
BENCHMARK(BM_RecordCorrected);

void BM_Add(benchmark::State& state) {
  const vitals::Histogram from = Filled(3);
  vitals::Histogram into;
  for (auto _ : state) {
    benchmark::DoNotOptimize(into.Add(from).ok());
  }
}
BENCHMARK(BM_Add);

void BM_Reset(benchmark::State& state) {
  const vitals::Histogram filled = Filled(4);
  vitals::Histogram h = filled;
  for (auto _ : state) {
    h.Reset();
    benchmark::ClobberMemory();
    state.PauseTiming();
    h = filled;
    state.ResumeTiming();
  }
}
BENCHMARK(BM_Reset);

void BM_ResetEmpty(benchmark::State& state) {
  vitals::Histogram h;
  for (auto _ : state) {
    h.Reset();
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_ResetEmpty);

void BM_ValueAtPercentile(benchmark::State& state) {
  const vitals::Histogram h = Filled(5);
  const double p = static_cast<double>(state.range(0)) / 10.0;
  for (auto _ : state) benchmark::DoNotOptimize(h.ValueAtPercentile(p));
}
BENCHMARK(BM_ValueAtPercentile)->Arg(500)->Arg(990)->Arg(999);

void BM_EncodeCompressedV2(benchmark::State& state) {
  const vitals::Histogram h = Filled(6);
  for (auto _ : state) benchmark::DoNotOptimize(vitals::EncodeCompressedV2(h));
}
BENCHMARK(BM_EncodeCompressedV2);

void BM_DecodeCompressedV2(benchmark::State& state) {
  const std::string enc = vitals::EncodeCompressedV2(Filled(7));
  for (auto _ : state) benchmark::DoNotOptimize(vitals::DecodeCompressedV2(enc).ok());
}
BENCHMARK(BM_DecodeCompressedV2);

}  // namespace
