// The Prometheus collector behind `vitals check --prometheus URL`.
//
// The URL is a Prometheus server or a /metrics endpoint (prom_source.h
// DetectPrometheus).  Either way the facts come from PromQL (prom_facts.h),
// so the rules see the same facts for the same samples:
//   - a server: queries at "now" with rate(...[server_window]) (default 5m, the
//     runbooks' window), no waiting;
//   - an endpoint: vitals scrapes it every scrape_interval for `window` into
//     its own sample store and evaluates the same queries at the last scrape,
//     over exactly the scraped span.
// Facts, component "prometheus" (each with text "source", the source):
//
//   kind "http.endpoint", subject = the endpoint (value of the first of the
//   labels endpoint, handler, route, path, uri that the series carry) and "overall":
//     rate_per_s    sum(rate(requests[range]))
//     requests      rate_per_s x window seconds (Prometheus' increase())
//     errors        5xx responses in the window (4xx too with errors_include_4xx)
//     error_ratio   errors / requests; only when requests > 0 and the series
//                   carry a code/status/status_code (or Spring outcome) label
//     p50_s p95_s p99_s  histogram_quantile(q, sum by (le[, endpoint]) (rate(bucket[range])))
//                   (a summary's own quantiles when the metric is a summary)
//     mean_s        rate(sum) / rate(count); max_s: a Micrometer _max gauge
//     target_rate_per_s  (overall only) when options.target_rate_per_s > 0
//     text: latency_metric, requests_metric, endpoint_label, latency_source
//   kind "prom.process", subject "process": cpu_seconds_per_s,
//     resident_memory_bytes, open_fds, max_fds, fds_ratio, memory_limit_bytes
//     (GOMEMLIMIT), memory_limit_ratio
//   kind "prom.go", subject "go": goroutines, goroutines_delta, gc_pause_p50_s,
//     gc_pause_p75_s, gc_pause_max_s, gc_pause_mean_s, gc_per_s, heap_inuse_bytes
//   kind "prom.jvm", subject "jvm": gc_pause_max_s, gc_pause_mean_s, gc_per_s,
//     heap_used_bytes, heap_max_bytes, heap_used_ratio, threads
//   (process, go and jvm facts are per instance; with several instances the
//   subject is "<kind> <instance>")
//   kind "prom.db_pool", subject = the pool: active, max, use_ratio (text
//     metric, library)
//   kind "prom.cache", subject = the cache name (Micrometer's cache_gets_total{cache,
//     result}, cache_evictions_total, cache_size): hits_per_s, misses_per_s, gets_per_s,
//     lookups (gets in the window), hit_ratio, evictions_per_s, size
//   kind "prom.kafka_lag", subject "<group>/<topic>": lag_messages (now),
//     lag_before_messages (one window earlier), lag_min_messages (the smaller:
//     the lag that persisted over the whole window)
// Facts appear only for metrics the source has; checks that could not run
// (e.g. no HTTP latency histogram) are listed in Collection::limited, each
// naming the fact and the reason.
//
// Counters follow Prometheus exactly (rate's extrapolation, counter resets):
// a series seen in only one scrape of the window has no rate, as in Grafana.
//
// Thread-safety: the functions share no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "collect/fact.h"
#include "collect/http_get.h"
#include "core/status.h"

namespace vitals {

struct PrometheusOptions {
  std::string url;  // a server (http://host:9090) or an endpoint (http://host:8080/metrics)
  int64_t window_ns = 10'000'000'000;          // endpoint: how long to scrape
  int64_t scrape_interval_ns = 1'000'000'000;  // endpoint: between scrapes (at most window)
  int64_t server_window_ns = 300'000'000'000;  // server: the range of rate() etc.
  int64_t timeout_ms = 5000;                   // per request: connect + transfer
  int64_t max_body_bytes = 64 << 20;           // a larger page is an error, not an OOM
  size_t max_series = 100'000;                 // endpoint: the sample store's cap
  HttpAuth auth;                               // never printed
  // Extra label matchers for every selector, e.g. job="api",env="prod"
  // (to pick one service on a shared server).  Empty: none.
  std::string selector;
  // Histogram (or summary) of request durations in seconds.  Empty: the first
  // present of http_request_duration_seconds, http_server_requests_seconds
  // (Spring/Micrometer), request_duration_seconds.
  std::string latency_metric;
  // Counter of requests, labelled by status code.  Empty: http_requests_total
  // when present, else the latency metric's _count.
  std::string requests_metric;
  bool errors_include_4xx = false;  // count 4xx as errors (default: 5xx only)
  double target_rate_per_s = 0;     // > 0: expected throughput, for the throughput rule
};

// One scraped page and when it was taken (any clock, milliseconds).
struct PromScrape {
  std::string_view text;
  int64_t time_ms = 0;
};

// Detects the source and derives the facts above.
// Errors: kUnavailable when the URL cannot be fetched (connection refused,
// timeout, HTTP status other than 200, body over max_body_bytes) or is neither
// a server nor an endpoint, kParse when a page is not valid exposition text,
// kInvalidArgument for bad options.  Messages name the URL with any password
// replaced by "***".
Result<Collection> CollectPrometheus(const PrometheusOptions& options);

// The derivation over two pages obtained elsewhere (and for tests): both are
// fed into a sample store (instance "page") and the endpoint queries run at
// second.time_ms over exactly the span between them.
// REQUIRES: second.time_ms > first.time_ms.  Errors: kParse (with "first
// scrape:" / "second scrape:" before the line number), kInvalidArgument.
Result<Collection> GoldenSignalsFromScrapes(const PromScrape& first, const PromScrape& second,
                                            const PrometheusOptions& options);

}  // namespace vitals
