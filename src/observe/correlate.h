// Which server-side series moved with the client's latency or errors, and
// which observed findings came first.
//
// Correlate: every series is put on the run's interval grid (the mean of its
// points in each interval, the previous value carried over a gap); for every
// lag L in [-max_lag, +max_lag] intervals, the Pearson correlation of
// series[i] with client[i + L] over the intervals both have; the lag with
// the largest |r| wins (the smaller |L| on a tie).  L > 0: the series
// changed L intervals BEFORE the client's number (a cause candidate); L < 0:
// after it (an effect).  Series with no variance, fewer than 10 common
// intervals or |r| < 0.5 are left out; the rest are sorted by |r|.
//
// RiseTime: the client's number "rose" at the first interval whose value is
// at least twice the median of the first 20 % of the run (at least three
// intervals) and at least `min_step` above it; none when it never does.
//
// RankCauses: observed findings whose onset is at or before the rise (plus one
// interval) come first, earliest first; then the others by onset.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "observe/series.h"
#include "observe/timeline.h"

namespace vitals {

struct Correlation {
  std::string series;   // SeriesLabel
  std::string against;  // "p95 latency" | "error ratio"
  double r = 0;
  int lag_intervals = 0;
  double lag_s = 0;
};

std::vector<Correlation> Correlate(const std::vector<double>& client, double interval_s,
                                   const std::vector<ServerSeries>& series,
                                   const std::string& against, int max_lag = 10);

std::optional<double> RiseTime(const std::vector<double>& client, double interval_s,
                               double min_step);

// Indices into `findings`, cause candidates first; `before_rise` receives how many.
std::vector<size_t> RankCauses(const std::vector<ObservedFinding>& findings,
                               std::optional<double> rise_s, double interval_s,
                               size_t* before_rise);

}  // namespace vitals
