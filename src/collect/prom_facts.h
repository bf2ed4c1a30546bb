// The Prometheus facts (collect/prometheus.h lists them) derived in PromQL
// from any PromSource, so a Prometheus server and scraped endpoints give the
// same facts for the same samples.  Internal to the collector; used by
// prometheus.cc and tests.
//
// Every fact is one or a few PromQL queries at `t_ms`:
//   rate(x[range]) for per-second rates; counts over the window are
//   rate x window (Prometheus' increase() over the window);
//   histogram_quantile(q, sum by (le, <endpoint label>) (rate(x_bucket[range])));
//   "before" values (goroutines_delta, Kafka lag at the start) use offset window.
// A query the source refuses becomes a `limited` line naming the fact and the
// server's reason; a source that cannot be reached fails the collection.
//
// Thread-safety: uses the source from the calling thread only.
#pragma once

#include <cstdint>

#include "collect/fact.h"
#include "collect/prom_source.h"
#include "collect/prometheus.h"

namespace vitals::detail {

struct PromFactsWindow {
  int64_t t_ms = 0;       // evaluation time
  int64_t range_ms = 0;   // range of rate()/increase() selectors
  int64_t window_ms = 0;  // what the counts cover (and the offset of "before" values)
};

Result<Collection> PromFacts(PromSource& source, const PromFactsWindow& window,
                             const PrometheusOptions& options);

// Internal pieces, one file each.
class PromQuerier;
Status AddHttpFacts(PromQuerier& q, const PrometheusOptions& options, Collection* out);
Status AddRuntimeFacts(PromQuerier& q, Collection* out);
Status AddCacheFacts(PromQuerier& q, Collection* out);

// Runs the queries of one collection: the source, the window, the user's
// extra matchers, and where refused queries are noted.
class PromQuerier {
 public:
  PromQuerier(PromSource& source, const PromFactsWindow& w, std::string selector, Collection* out)
      : source_(source), w_(w), selector_(std::move(selector)), out_(out) {}

  // `name{<user selector>, extra}`.
  std::string Sel(const std::string& name, const std::string& extra = "") const;
  // "[<range>]" and " offset <window>".
  std::string Range() const;
  std::string Offset() const;
  double WindowSeconds() const { return double(w_.window_ms) / 1000.0; }

  // The instant vector `expr` evaluates to (a scalar becomes one sample
  // without labels).  A refused query adds "<what>: query <expr> failed:
  // <reason>" to `limited` and gives an empty vector; an unreachable source
  // sets fatal() and gives an empty vector.
  promql::Vector Vec(const std::string& what, const std::string& expr);
  // The metric names present among those `regex` matches.
  std::vector<std::string> Names(const std::string& regex);
  const Status& fatal() const { return fatal_; }

 private:
  PromSource& source_;
  PromFactsWindow w_;
  std::string selector_;
  Collection* out_;
  Status fatal_ = Status::Ok();
};

}  // namespace vitals::detail
