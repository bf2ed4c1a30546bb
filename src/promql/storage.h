// What the engine reads samples from.  The in-memory SampleStore
// (sample_store.h) implements it; tests implement it with fixed data.
#pragma once

#include <cstdint>
#include <vector>

#include "promql/ast.h"
#include "promql/labels.h"

namespace vitals::promql {

// One stored series: its labels and its samples (increasing t_ms; values may
// be StaleNaN() markers).  Points borrow the storage: valid until the
// storage is next modified.
struct StoredSeries {
  const Labels* labels = nullptr;
  std::vector<Point> points;  // copied out of the store for [min_t, max_t]
};

class Queryable {
 public:
  virtual ~Queryable() = default;
  // Every series matching all `matchers` with its samples in the closed
  // interval [min_t_ms, max_t_ms] (the engine narrows further).  Series with
  // no sample in the interval may be left out.
  // Thread-safety: implementations say; the engine calls it from one thread.
  virtual std::vector<StoredSeries> Select(const std::vector<Matcher>& matchers, int64_t min_t_ms,
                                           int64_t max_t_ms) const = 0;
};

}  // namespace vitals::promql
