// PromQL's rate() and histogram_quantile(), re-implemented from their
// documented semantics so that vitals' numbers match what a user sees in
// Prometheus/Grafana for the same samples.
//
// Pure functions, no state; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

namespace vitals {

// One sample of one series.
struct TimedValue {
  int64_t t_ms;
  double value;
};

// rate() (is_rate = true, per second) or increase()/delta() (is_rate = false)
// of one series over the range [range_start_ms, range_end_ms], as Prometheus'
// extrapolatedRate computes it:
//   - counters (is_counter): a drop between consecutive samples is a reset; the
//     value before the drop is added back;
//   - the difference last - first is extrapolated towards each range edge, all
//     the way when the sample is within 1.1 average sample intervals of that
//     edge, otherwise by half an average interval;
//   - counters are never extrapolated below zero: the start extrapolation stops
//     at the point where the line through the samples reaches zero.
// REQUIRES: samples sorted by strictly increasing t_ms, all inside the range.
// Errors: kInvalidArgument when there are fewer than two samples (Prometheus
// returns no value then), when the range is empty, or when the samples are
// unsorted or outside the range.
Result<double> ExtrapolatedRate(std::span<const TimedValue> samples, int64_t range_start_ms,
                                int64_t range_end_ms, bool is_counter, bool is_rate = true);

// One classic-histogram bucket: observations <= upper_bound (cumulative).
struct HistogramBucket {
  double upper_bound;  // the "le" label; +Inf for the last bucket
  double count;
};

// histogram_quantile(q, buckets) as Prometheus' bucketQuantile:
//   q is NaN -> NaN; q < 0 -> -Inf; q > 1 -> +Inf;
//   buckets are sorted by upper bound, buckets with equal bounds merged;
//   no +Inf bucket -> NaN; fewer than 2 buckets -> NaN; no observations -> NaN;
//   counts are made monotonic (a count lower than a previous one is raised;
//   differences below 1e-12 relative are treated as float noise);
//   the rank q * total falls into a bucket and is interpolated linearly inside
//   it, with lower bound 0 for the first bucket when its upper bound is > 0
//   (its upper bound when <= 0); a rank in the +Inf bucket returns the highest
//   finite upper bound.
// `forced_monotonic`, when given, is set to whether counts had to be raised
// (a sign of a broken exporter or of mixing scrapes).
double HistogramQuantile(double q, std::vector<HistogramBucket> buckets,
                         bool* forced_monotonic = nullptr);

}  // namespace vitals
