// Costs of the PromQL engine and of scraping into its sample store: the
// issue's figures are parse + evaluate of the runbook's p95 query over
// 100 endpoints x 12 buckets x 20 samples (< 5 ms), one 10,000-series
// exposition parsed (< 20 ms), and the store's memory per series.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "collect/prom_feed.h"
#include "collect/prom_text.h"
#include "promql/engine.h"
#include "promql/parser.h"
#include "promql/sample_store.h"

namespace {

using vitals::promql::Label;
using vitals::promql::Labels;

constexpr const char* kLe[12] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                 "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};

// 100 endpoints x 12 buckets, 20 samples 15 s apart.
vitals::promql::SampleStore& HistogramStore() {
  static auto* store = [] {
    auto* s = new vitals::promql::SampleStore();
    for (int ep = 0; ep < 100; ++ep) {
      for (int b = 0; b < 12; ++b) {
        Labels l(std::vector<Label>{{"__name__", "x_bucket"},
                                    {"endpoint", fmt::format("/api/{}", ep)},
                                    {"le", kLe[b]},
                                    {"instance", "127.0.0.1:8080"}});
        for (int i = 0; i < 20; ++i) (void)s->Append(l, i * 15'000, (b + 1) * 10.0 * i);
      }
    }
    return s;
  }();
  return *store;
}

void BM_HistogramQuantileQuery(benchmark::State& state) {
  vitals::promql::SampleStore& store = HistogramStore();
  size_t results = 0;
  for (auto _ : state) {
    auto e = vitals::promql::Parse(
        "histogram_quantile(0.95, sum by (le, endpoint)(rate(x_bucket[5m])))");
    auto v = vitals::promql::EvalInstant(*e.value(), store, 19 * 15'000);
    results = std::get<vitals::promql::Vector>(v.value()).size();
    benchmark::DoNotOptimize(results);
  }
  state.counters["results"] = static_cast<double>(results);
}
BENCHMARK(BM_HistogramQuantileQuery)->Unit(benchmark::kMillisecond);

std::string Exposition(int series) {
  std::string page = "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n";
  for (int i = 0; i < series; ++i) {
    page += fmt::format(
        "http_requests_total{{method=\"GET\",route=\"/api/v1/items/{}\",code=\"200\"}} {}\n", i,
        i * 17);
  }
  return page;
}

void BM_ParseExposition10k(benchmark::State& state) {
  const std::string page = Exposition(10'000);
  for (auto _ : state) {
    auto r = vitals::ParsePromText(page);
    benchmark::DoNotOptimize(r.ok());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * page.size()));
}
BENCHMARK(BM_ParseExposition10k)->Unit(benchmark::kMillisecond);

// Parse + feed one 10,000-series scrape into the store (the per-scrape cost
// of `vitals query` against /metrics).
void BM_ScrapeIntoStore10k(benchmark::State& state) {
  const std::string page = Exposition(10'000);
  vitals::promql::SampleStore store;
  int64_t t = 0;
  for (auto _ : state) {
    auto r = vitals::ParsePromText(page);
    (void)vitals::FeedScrape(*r, "127.0.0.1:8080", t += 15'000, &store);
  }
}
BENCHMARK(BM_ScrapeIntoStore10k)->Unit(benchmark::kMillisecond);

// Memory per series: 10,000 series, each with one hour of 15 s samples (240).
void BM_StoreMemoryPerSeries(benchmark::State& state) {
  const std::string page = Exposition(10'000);
  auto fam = vitals::ParsePromText(page);
  double per_series = 0, per_series_one_sample = 0;
  for (auto _ : state) {
    vitals::promql::SampleStore store;
    (void)vitals::FeedScrape(*fam, "127.0.0.1:8080", 0, &store);
    per_series_one_sample = static_cast<double>(store.MemoryBytes()) / 10'000;
    for (int i = 1; i < 240; ++i)
      (void)vitals::FeedScrape(*fam, "127.0.0.1:8080", i * 15'000, &store);
    per_series = static_cast<double>(store.MemoryBytes()) / 10'000;
  }
  state.counters["bytes_per_series_1h_15s"] = per_series;
  state.counters["bytes_per_series_1_sample"] = per_series_one_sample;
}
BENCHMARK(BM_StoreMemoryPerSeries)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
