// Where live rule evaluation gets its samples (`vitals watch --rules`,
// `vitals load --watch-rules`): one Prometheus server, or /metrics
// endpoints scraped here into vitals' sample store, plus a store of what the
// rules record themselves (read back by later rules when scraping).
//
// Thread-safety: one thread (the evaluation loop).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alerting/group_eval.h"
#include "collect/prom_source.h"
#include "core/status.h"
#include "promql/sample_store.h"

namespace vitals::cli {

class RuleSource {
 public:
  // Detects each URL (collect/prom_source.h).  Errors: kUnavailable when a URL
  // answers neither as a server nor as an endpoint; kInvalidArgument for a
  // server given with other URLs.
  static Result<std::unique_ptr<RuleSource>> Open(const std::vector<std::string>& urls,
                                                  const PromSourceOptions& options,
                                                  int64_t scrape_interval_ms);
  ~RuleSource();
  RuleSource(const RuleSource&) = delete;
  RuleSource& operator=(const RuleSource&) = delete;

  // The hooks for alerting::GroupEvaluator / RuleWatcher (valid while this lives);
  // external labels and URL are the caller's to set.
  alerting::EvalHooks& hooks() { return hooks_; }
  std::string Describe() const;
  bool scrapes() const { return scraper_ != nullptr; }

  // Endpoints: scrapes when a scrape is due at now_ms; returns the scrape's
  // error (the endpoints' series go stale).  A server: does nothing.
  Status ScrapeIfDue(int64_t now_ms);
  // When the next scrape is due (INT64_MAX for a server).
  int64_t next_scrape_ms() const;

 private:
  RuleSource() = default;
  class Overlay;
  std::unique_ptr<PromSource> server_;
  std::unique_ptr<ScrapeSource> scraper_;
  std::unique_ptr<promql::SampleStore> recorded_;
  std::unique_ptr<Overlay> overlay_;
  alerting::EvalHooks hooks_;
  int64_t scrape_interval_ms_ = 1000;
  int64_t next_scrape_ms_ = 0;
};

}  // namespace vitals::cli
