// Where PromQL is answered: a Prometheus server's HTTP API, or vitals' own
// engine over /metrics endpoints it scrapes itself.  Both give the same
// promql::Value for the same query, so everything above (the golden-signal
// facts, `vitals query`, alert rules) is written once, in PromQL.
//
//   DetectPrometheus(url)  a server when GET <url>/api/v1/status/buildinfo
//                          answers {"status":"success"} (a URL whose path ends
//                          in /metrics is always an endpoint); else an
//                          endpoint when GET <url> is exposition text.
//   ServerSource           /api/v1/query and /api/v1/query_range; errors of
//                          the server ("bad_data: ...") are kInvalidArgument.
//   ScrapeSource           scrapes every endpoint into a promql::SampleStore
//                          (instance label = host:port) and evaluates there;
//                          the caller drives the scrapes (ScrapeOnce /
//                          ScrapeFor) so it controls how much history exists.
//
// Credentials: basic auth from user:password@ in the URL or HttpAuth, a bearer
// token from HttpAuth; PromAuthFromEnv reads VITALS_PROMETHEUS_USER,
// VITALS_PROMETHEUS_PASSWORD and VITALS_PROMETHEUS_TOKEN.  URLs in messages
// and in Describe() have their password masked; tokens are never printed.
//
// Time: all timestamps are Unix milliseconds (the scraper stamps a scrape at
// the middle of its request).
//
// Thread-safety: a source is used from one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "collect/http_get.h"
#include "core/status.h"
#include "promql/sample_store.h"
#include "promql/value.h"

namespace vitals {

// The credentials the environment gives (empty fields when unset).
HttpAuth PromAuthFromEnv();

struct PromSourceOptions {
  HttpAuth auth;
  int64_t timeout_ms = 5000;          // per request
  int64_t max_body_bytes = 64 << 20;  // per response
  size_t max_series = 100'000;        // ScrapeSource: the sample store's series cap
  int64_t retention_ms = 60 * 60 * 1000;
};

class PromSource {
 public:
  virtual ~PromSource() = default;
  // "Prometheus 2.42.0 at http://127.0.0.1:9090" or "scraped
  // http://127.0.0.1:8080/metrics" (passwords masked).
  virtual std::string Describe() const = 0;
  virtual bool is_server() const = 0;
  // Instant query at t_ms; a range selector alone gives a Matrix.
  virtual Result<promql::Value> Query(const std::string& expr, int64_t t_ms) = 0;
  // Range query over [start_ms, end_ms] every step_ms.
  virtual Result<promql::Matrix> QueryRange(const std::string& expr, int64_t start_ms,
                                            int64_t end_ms, int64_t step_ms) = 0;
};

// A Prometheus server.  `base_url` is what the user gave (a path prefix such
// as http://host/prometheus is kept); `version` what buildinfo said.
class ServerSource : public PromSource {
 public:
  ServerSource(std::string base_url, std::string version, PromSourceOptions options);
  std::string Describe() const override;
  bool is_server() const override { return true; }
  Result<promql::Value> Query(const std::string& expr, int64_t t_ms) override;
  Result<promql::Matrix> QueryRange(const std::string& expr, int64_t start_ms, int64_t end_ms,
                                    int64_t step_ms) override;
  const std::string& version() const { return version_; }

 private:
  Result<std::string> Call(const std::string& path,
                           const std::vector<std::pair<std::string, std::string>>& params);
  std::string base_url_, version_;
  PromSourceOptions options_;
};

// vitals' own engine over a sample store (any Queryable, borrowed: it must
// outlive the source).
class EngineSource : public PromSource {
 public:
  EngineSource(const promql::Queryable& store, std::string description)
      : queryable_(store), description_(std::move(description)) {}
  std::string Describe() const override { return description_; }
  bool is_server() const override { return false; }
  Result<promql::Value> Query(const std::string& expr, int64_t t_ms) override;
  Result<promql::Matrix> QueryRange(const std::string& expr, int64_t start_ms, int64_t end_ms,
                                    int64_t step_ms) override;

 private:
  const promql::Queryable& queryable_;
  std::string description_;
};

// Endpoints scraped by vitals.  Query/QueryRange evaluate with vitals'
// engine over what was scraped so far.
class ScrapeSource : public EngineSource {
 public:
  ScrapeSource(std::vector<std::string> urls, PromSourceOptions options);

  // Scrapes every endpoint once.  A failed endpoint is marked down (its
  // series go stale) and the first failure is returned after all were tried;
  // a page over the series cap is refused whole (promql/sample_store.h).
  Status ScrapeOnce();
  // Scrapes at 0, interval, 2*interval, ... for `duration_ms` (both ends
  // included), calling on_scrape(i, n) after each; stops early when *stop
  // becomes true.  Returns the first scrape error (the first scrape failing
  // ends it at once: the endpoint is not there).
  Status ScrapeFor(int64_t duration_ms, int64_t interval_ms, const std::atomic<bool>* stop,
                   const std::function<void(int, int)>& on_scrape);

  int64_t first_scrape_ms() const { return first_ms_; }
  int64_t last_scrape_ms() const { return last_ms_; }
  int scrapes() const { return scrapes_; }
  const promql::SampleStore& store() const { return store_; }

 private:
  std::vector<std::string> urls_;
  PromSourceOptions options_;
  promql::SampleStore store_;
  int64_t first_ms_ = 0, last_ms_ = 0;
  int scrapes_ = 0;
};

// What DetectPrometheus found.
struct PromDetection {
  bool server = false;
  std::string version;  // the server's, when server
};

// See the file comment.  Errors: kUnavailable when the URL answers neither
// as a server nor as an endpoint (the message says what came back).
Result<PromDetection> DetectPrometheus(const std::string& url, const PromSourceOptions& options);

// DetectPrometheus, then the matching source.
Result<std::unique_ptr<PromSource>> OpenPromSource(const std::string& url,
                                                   const PromSourceOptions& options);

// "15s", "1500ms", "5m", "1h30m": a PromQL duration for `ms` (> 0).
std::string PromDuration(int64_t ms);

// Parses a /api/v1/query(_range) JSON response ("data" part included) into
// a Value.  Errors: kInvalidArgument with the server's errorType and error
// for status "error"; kParse for JSON that is not an API response.
Result<promql::Value> ParsePromApiResponse(const std::string& json);

}  // namespace vitals
