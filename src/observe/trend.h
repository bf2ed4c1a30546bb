// Trends for soaks: is a server-side series rising over the run?
//
// FitTrend is the Theil-Sen estimator (the median of the slopes of all pairs
// of points: robust to outliers and to a few GC steps) with the Mann-Kendall
// test for a monotonic trend (S = sum of sign(x_j - x_i) over pairs, ties
// corrected, normal approximation with continuity correction) and Sen's
// rank-based confidence interval for the slope.  Long series are averaged
// into at most kMaxTrendPoints buckets first (O(n^2) pairs).
//
// TrendFindings reports a rise only when all hold (docs/observe.md):
//   - at least 20 points over at least 60 s, after dropping the first 10 % of
//     the run (warm-up: pools and caches filling are not leaks);
//   - one-sided p < 0.01 and the lower 99 % bound of the slope > 0;
//   - sustained: the second half's own slope is at least half the whole one
//     (a step that then stays flat is not a leak);
//   - large enough to matter: the rise over the fitted span is at least the
//     series' floor (1 MiB and 2 % of the level for memory, 10 goroutines,
//     3 connections, 1000 dead tuples).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <vector>

#include "observe/series.h"
#include "observe/timeline.h"

namespace vitals {

inline constexpr size_t kMaxTrendPoints = 600;

struct TrendFit {
  int n = 0;               // points fitted (after bucketing)
  double span_s = 0;       // first to last point
  double slope_per_s = 0;  // Theil-Sen
  double lo_per_s = 0;     // 99 % confidence bounds (Sen)
  double hi_per_s = 0;
  double p_value = 1;  // one-sided, for an increase
  double level = 0;    // median value
  double second_half_slope_per_s = 0;
};

TrendFit FitTrend(const std::vector<SeriesPoint>& points);

// Rising-trend findings (kind "trend", id "trend.<series>") for the series
// that trends are computed for: process/heap memory, goroutines, JVM threads,
// PostgreSQL connections and dead tuples, Redis memory.
std::vector<ObservedFinding> TrendFindings(const std::vector<ServerSeries>& series,
                                           const std::vector<RunPhase>& phases,
                                           double run_duration_s);

}  // namespace vitals
