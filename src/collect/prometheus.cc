// `vitals check --prometheus`: open the source, gather the window, derive the
// facts in PromQL (prom_facts.h).
#include "collect/prometheus.h"

#include <fmt/format.h>

#include <algorithm>

#include "collect/prom_facts.h"
#include "collect/prom_feed.h"
#include "collect/prom_source.h"
#include "collect/prom_text.h"
#include "core/clock.h"

namespace vitals {
namespace {

Status ValidateOptions(const PrometheusOptions& o) {
  if (o.url.empty()) return Status::InvalidArgument("prometheus: no URL given");
  if (o.timeout_ms <= 0) {
    return Status::InvalidArgument("prometheus: the request timeout must be positive");
  }
  if (o.max_body_bytes <= 0) {
    return Status::InvalidArgument("prometheus: the maximum page size must be positive");
  }
  if (o.window_ns < 1'000'000 || o.server_window_ns < 1'000'000) {
    return Status::InvalidArgument("prometheus: the window must be at least 1ms (e.g. 10s)");
  }
  if (o.scrape_interval_ns < 1'000'000) {
    return Status::InvalidArgument("prometheus: the scrape interval must be at least 1ms");
  }
  return Status::Ok();
}

PromSourceOptions SourceOptions(const PrometheusOptions& o) {
  PromSourceOptions s;
  s.auth = o.auth;
  s.timeout_ms = o.timeout_ms;
  s.max_body_bytes = o.max_body_bytes;
  s.max_series = o.max_series;
  return s;
}

Result<std::vector<MetricFamily>> ParsePage(std::string_view text, const char* which) {
  auto parsed = ParsePromText(text);
  if (!parsed.ok()) {
    return Status::Parse(fmt::format("{} scrape: {}", which, parsed.status().message()));
  }
  return parsed;
}

}  // namespace

Result<Collection> GoldenSignalsFromScrapes(const PromScrape& first, const PromScrape& second,
                                            const PrometheusOptions& options) {
  if (second.time_ms <= first.time_ms) {
    return Status::InvalidArgument(
        fmt::format("prometheus: the second scrape ({} ms) must be later than the first ({} ms)",
                    second.time_ms, first.time_ms));
  }
  auto f0 = ParsePage(first.text, "first");
  if (!f0.ok()) return f0.status();
  auto f1 = ParsePage(second.text, "second");
  if (!f1.ok()) return f1.status();
  promql::SampleStore store(promql::SampleStoreOptions{
      std::max<int64_t>(3'600'000, 2 * (second.time_ms - first.time_ms)), options.max_series});
  VITALS_RETURN_IF_ERROR(FeedScrape(*f0, "page", first.time_ms, &store));
  VITALS_RETURN_IF_ERROR(FeedScrape(*f1, "page", second.time_ms, &store));
  EngineSource source(store, "two scrapes");
  int64_t span = second.time_ms - first.time_ms;
  return detail::PromFacts(source, {second.time_ms, span + 1, span}, options);
}

Result<Collection> CollectPrometheus(const PrometheusOptions& options) {
  VITALS_RETURN_IF_ERROR(ValidateOptions(options));
  auto opened = OpenPromSource(options.url, SourceOptions(options));
  if (!opened.ok()) return opened.status();
  PromSource& source = **opened;
  if (source.is_server()) {
    int64_t now = WallClockMs();
    int64_t w = options.server_window_ns / 1'000'000;
    return detail::PromFacts(source, {now, w, w}, options);
  }
  auto& scraped = static_cast<ScrapeSource&>(source);
  int64_t window_ms = options.window_ns / 1'000'000;
  int64_t interval_ms = std::min(options.scrape_interval_ns / 1'000'000, window_ms);
  VITALS_RETURN_IF_ERROR(scraped.ScrapeFor(window_ms, interval_ms, nullptr, nullptr));
  // Exactly the scraped span: the first scrape sits 1 ms inside the
  // left-open range, so rate() sees every sample and extrapolates by 1 ms.
  int64_t span = std::max<int64_t>(1, scraped.last_scrape_ms() - scraped.first_scrape_ms());
  return detail::PromFacts(source, {scraped.last_scrape_ms(), span + 1, span}, options);
}

}  // namespace vitals
