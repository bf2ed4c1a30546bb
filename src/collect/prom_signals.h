// Internals of the Prometheus collector (see collect/prometheus.h): an index
// over one parsed page, the two-scrape window, and the fact derivations.
// Not part of the collector's public API; used by prometheus.cc and tests.
//
// Thread-safety: PromPage is immutable after construction and may be read
// from several threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collect/fact.h"
#include "collect/prom_text.h"
#include "collect/prometheus.h"

namespace vitals::detail {

// "name\0label\0value..." identifying one series within a page.
std::string SeriesKey(const PromSample& sample);

// The samples of one scrape, findable by sample name and by series.
class PromPage {
 public:
  explicit PromPage(std::vector<MetricFamily> families);
  PromPage(const PromPage&) = delete;
  PromPage& operator=(const PromPage&) = delete;

  // Samples named exactly `name` (whatever family they were grouped in), in
  // page order; empty when none.
  const std::vector<const PromSample*>& Samples(const std::string& name) const;
  bool Has(const std::string& name) const { return !Samples(name).empty(); }
  // Every distinct sample name, sorted.
  std::vector<std::string> SampleNames() const;
  // The value of the series `like` identifies, or nullptr.
  const double* Value(const PromSample& like) const;

 private:
  std::vector<MetricFamily> families_;
  std::unordered_map<std::string, std::vector<const PromSample*>> by_name_;
  std::unordered_map<std::string, double> by_series_;
};

// Two scrapes of the same target.  REQUIRES: t1_ms > t0_ms.
struct PromWindow {
  const PromPage& before;
  const PromPage& after;
  int64_t t0_ms;
  int64_t t1_ms;

  double Seconds() const { return double(t1_ms - t0_ms) / 1000.0; }
  // Counter increase over the window of the series `s` (a sample of `after`):
  // Prometheus' increase() with both samples on the range edges, resets
  // handled; a series absent from `before` counts from zero.  0 when a value
  // is not finite.
  double Increase(const PromSample& s) const;
};

// Adds the "http.endpoint" facts (or a `limited` note when the page has no
// HTTP request metrics).
void AddHttpFacts(const PromWindow& window, const PrometheusOptions& options, Collection* out);

// Adds "prom.process", "prom.go", "prom.jvm" and "prom.kafka_lag" facts for
// the metrics present.
void AddRuntimeFacts(const PromWindow& window, Collection* out);

}  // namespace vitals::detail
