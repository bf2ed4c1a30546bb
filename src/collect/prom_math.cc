#include "collect/prom_math.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace vitals {

Result<double> ExtrapolatedRate(std::span<const TimedValue> samples, int64_t range_start_ms,
                                int64_t range_end_ms, bool is_counter, bool is_rate) {
  if (range_end_ms <= range_start_ms) {
    return Status::InvalidArgument(
        fmt::format("rate: empty range [{} ms, {} ms]; the end must be after the start",
                    range_start_ms, range_end_ms));
  }
  if (samples.size() < 2) {
    return Status::InvalidArgument(
        fmt::format("rate: needs at least two samples in the range, got {}", samples.size()));
  }
  for (size_t i = 0; i < samples.size(); ++i) {
    if (samples[i].t_ms < range_start_ms || samples[i].t_ms > range_end_ms) {
      return Status::InvalidArgument(
          fmt::format("rate: sample {} at {} ms lies outside the range [{} ms, {} ms]", i,
                      samples[i].t_ms, range_start_ms, range_end_ms));
    }
    if (i > 0 && samples[i].t_ms <= samples[i - 1].t_ms) {
      return Status::InvalidArgument(fmt::format(
          "rate: samples must have increasing timestamps (sample {} at {} ms, previous at {} ms)",
          i, samples[i].t_ms, samples[i - 1].t_ms));
    }
  }
  const TimedValue& first = samples.front();
  const TimedValue& last = samples.back();
  double result = last.value - first.value;
  if (is_counter) {
    // A counter that went down was reset to zero in between: what it had
    // counted before the reset is part of the increase.
    for (size_t i = 1; i < samples.size(); ++i) {
      if (samples[i].value < samples[i - 1].value) result += samples[i - 1].value;
    }
  }

  double duration_to_start = double(first.t_ms - range_start_ms) / 1000.0;
  double duration_to_end = double(range_end_ms - last.t_ms) / 1000.0;
  double sampled_interval = double(last.t_ms - first.t_ms) / 1000.0;
  double average_interval = sampled_interval / double(samples.size() - 1);

  // A sample missing where the regular spacing predicts one means the series
  // starts or ends inside the range: extrapolate only half an interval there.
  double threshold = average_interval * 1.1;
  if (duration_to_start >= threshold) duration_to_start = average_interval / 2;
  if (is_counter) {
    // Counters start at zero; never extrapolate to a negative value.
    double duration_to_zero = duration_to_start;
    if (result > 0 && first.value >= 0)
      duration_to_zero = sampled_interval * (first.value / result);
    if (duration_to_zero < duration_to_start) duration_to_start = duration_to_zero;
  }
  if (duration_to_end >= threshold) duration_to_end = average_interval / 2;

  double factor = (sampled_interval + duration_to_start + duration_to_end) / sampled_interval;
  if (is_rate) factor /= double(range_end_ms - range_start_ms) / 1000.0;
  return result * factor;
}

double HistogramQuantile(double q, std::vector<HistogramBucket> buckets, bool* forced_monotonic) {
  if (forced_monotonic != nullptr) *forced_monotonic = false;
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  if (buckets.empty()) return kNaN;
  std::stable_sort(buckets.begin(), buckets.end(),
                   [](const HistogramBucket& a, const HistogramBucket& b) {
                     return a.upper_bound < b.upper_bound;
                   });
  if (!std::isinf(buckets.back().upper_bound) || buckets.back().upper_bound < 0) return kNaN;

  // Buckets with the same bound (e.g. the same le from two label sets that
  // were not summed) count together.
  size_t n = 0;
  for (size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].upper_bound == buckets[n].upper_bound) {
      buckets[n].count += buckets[i].count;
    } else {
      buckets[++n] = buckets[i];
    }
  }
  buckets.resize(n + 1);

  // Float noise from rate() arithmetic can make counts dip by a hair; treat a
  // relative difference <= 1e-12 as equal before forcing monotonicity.
  double prev = buckets[0].count;
  for (size_t i = 1; i < buckets.size(); ++i) {
    double cur = buckets[i].count;
    double delta = std::fabs(cur - prev);
    if (delta == 0) continue;
    if (delta / cur <= 1e-12) {
      buckets[i].count = prev;
    } else {
      prev = cur;
    }
  }
  double max = buckets[0].count;
  bool forced = false;
  for (size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].count > max) {
      max = buckets[i].count;
    } else if (buckets[i].count < max) {
      buckets[i].count = max;
      forced = true;
    }
  }
  if (forced_monotonic != nullptr) *forced_monotonic = forced;

  if (buckets.size() < 2) return kNaN;
  double observations = buckets.back().count;
  if (observations == 0 || std::isnan(observations)) return kNaN;
  double rank = q * observations;
  // First bucket (excluding +Inf) whose cumulative count reaches the rank.
  size_t b = 0;
  while (b < buckets.size() - 1 && !(buckets[b].count >= rank)) ++b;
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;
  double bucket_start = 0;
  double bucket_end = buckets[b].upper_bound;
  double count = buckets[b].count;
  if (b > 0) {
    bucket_start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return bucket_start + (bucket_end - bucket_start) * (rank / count);
}

}  // namespace vitals
