// A fixed in-memory Queryable for the engine's unit tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "promql/storage.h"

namespace vitals::promql::testing {

class FixedStore : public Queryable {
 public:
  void Add(Labels labels, std::vector<Point> points) {
    series_.push_back({std::move(labels), std::move(points)});
  }
  std::vector<StoredSeries> Select(const std::vector<Matcher>& matchers, int64_t min_t,
                                   int64_t max_t) const override {
    std::vector<StoredSeries> out;
    for (const auto& [labels, points] : series_) {
      bool ok = true;
      for (const Matcher& m : matchers) ok = ok && m.Matches(labels.Get(m.name));
      if (!ok) continue;
      StoredSeries s{&labels, {}};
      for (const Point& p : points) {
        if (p.t_ms >= min_t && p.t_ms <= max_t) s.points.push_back(p);
      }
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  std::vector<std::pair<Labels, std::vector<Point>>> series_;
};

}  // namespace vitals::promql::testing
