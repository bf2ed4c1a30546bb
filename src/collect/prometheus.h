// The Prometheus collector behind `vitals check --prometheus URL`.
//
// It scrapes a /metrics page twice, `window_ns` apart, and turns the
// difference into facts (src/collect/fact.h), component "prometheus":
//
//   kind "http.endpoint", subject = the endpoint (value of the first label of
//   endpoint, handler, route, path, uri that a series has) and "overall":
//     requests      requests counted in the window (increase)
//     rate_per_s    requests / window seconds
//     errors        5xx responses in the window (4xx too with errors_include_4xx)
//     error_ratio   errors / requests; only when requests > 0 and the series
//                   carry a code/status/status_code (or Spring outcome) label
//     p50_s p95_s p99_s  histogram_quantile over the bucket *increases* in the
//                   window (a summary's own quantiles when the metric is a summary)
//     mean_s        sum increase / count increase
//     target_rate_per_s  (overall only) when options.target_rate_per_s > 0
//     text: latency_metric, requests_metric, endpoint_label, latency_source
//   kind "prom.process", subject "process": cpu_seconds_per_s,
//     resident_memory_bytes, open_fds, max_fds, fds_ratio
//   kind "prom.go", subject "go": goroutines, goroutines_delta, gc_pause_p50_s,
//     gc_pause_p75_s, gc_pause_max_s, gc_pause_mean_s, gc_per_s, heap_inuse_bytes
//   kind "prom.jvm", subject "jvm": gc_pause_max_s, gc_pause_mean_s, gc_per_s,
//     heap_used_bytes, heap_max_bytes, heap_used_ratio, threads
//   kind "prom.kafka_lag", subject "<group>/<topic>": lag_messages (second
//     scrape), lag_before_messages (first), lag_min_messages (the smaller: the
//     lag that persisted over the whole window)
// Facts appear only for metrics the page has; checks that could not run
// (e.g. no HTTP latency histogram on the page) are listed in
// Collection::limited with the reason.
//
// Counters and buckets: the increase between the scrapes is Prometheus'
// increase() over [t0, t1] with both samples on the range edges (so no
// extrapolation), with counter resets handled.  A series present only in the
// second scrape counts from zero: client libraries create series on first
// use, and a new error code appearing mid-window must not be invisible.
//
// Thread-safety: the functions share no state (libcurl is initialised once,
// thread-safely).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "collect/fact.h"
#include "core/status.h"

namespace vitals {

struct PrometheusOptions {
  std::string url;                     // http(s)://host:port/metrics
  int64_t window_ns = 10'000'000'000;  // time between the two scrapes
  int64_t timeout_ms = 5000;           // per scrape: connect + transfer
  int64_t max_body_bytes = 64 << 20;   // a larger page is an error, not an OOM
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

// Scrapes options.url twice, window_ns apart, and derives the facts above.
// Errors: kUnavailable when the page cannot be fetched (connection refused,
// timeout, HTTP status other than 200, body over max_body_bytes), kParse when
// it is not valid exposition text, kInvalidArgument for bad options.  Messages
// name the URL with any password replaced by "***".
Result<Collection> CollectPrometheus(const PrometheusOptions& options);

// The derivation step alone, for tests and for pages obtained elsewhere.
// REQUIRES: second.time_ms > first.time_ms.  Errors: kParse (with "first
// scrape:" / "second scrape:" before the line number), kInvalidArgument.
Result<Collection> GoldenSignalsFromScrapes(const PromScrape& first, const PromScrape& second,
                                            const PrometheusOptions& options);

// One GET of options.url with the timeouts and size limit above; returns the
// body.  Sends Accept: text/plain;version=0.0.4 so servers that can also speak
// OpenMetrics or protobuf answer in the format ParsePromText reads; gzip is
// accepted and decoded.
Result<std::string> FetchPrometheusPage(const PrometheusOptions& options);

// `url` with the password of any user:password@ part replaced by "***".
std::string RedactUrl(std::string_view url);

}  // namespace vitals
