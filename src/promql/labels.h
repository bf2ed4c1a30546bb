// Label sets of PromQL series: sorted by name, names unique, including the
// metric name as the "__name__" label as Prometheus keeps it.
//
// Values; thread-safe as any std::vector.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vitals::promql {

inline constexpr std::string_view kMetricName = "__name__";

struct Label {
  std::string name;
  std::string value;
  auto operator<=>(const Label&) const = default;
};

class Labels {
 public:
  Labels() = default;
  // Sorts `labels` by name; REQUIRES: names unique; empty values are dropped
  // (Prometheus treats an empty label as an absent one).
  explicit Labels(std::vector<Label> labels);

  // The value of `name`, or "" when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  // Sets (or, with an empty value, removes) one label.
  void Set(std::string_view name, std::string_view value);
  void Remove(std::string_view name);
  // This set without __name__.
  Labels WithoutName() const;
  // Only the labels named in `names` (keep = true) or all but them (false).
  Labels Filter(const std::vector<std::string>& names, bool keep) const;

  const std::vector<Label>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  // A byte string unique per label set, usable as a hash key.
  std::string Key() const;
  // {a="1", b="2"} with the name outside: up{job="x"}; "{}" when empty.
  std::string ToString() const;

  auto operator<=>(const Labels&) const = default;
  bool operator==(const Labels&) const = default;

 private:
  std::vector<Label> items_;
};

// Timestamped value.  Timestamps are milliseconds since the Unix epoch.
struct Point {
  int64_t t_ms = 0;
  double v = 0;
};

// Prometheus' staleness marker: a NaN with this exact bit pattern, written
// when a series disappears from a scrape.  It ends the series at once.
double StaleNaN();
bool IsStaleNaN(double v);

}  // namespace vitals::promql
