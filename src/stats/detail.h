// Internals of the stats layer, exposed for its own .cc files and unit tests only.
// Not part of the contract in stats/tests.h; may change without notice.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/status.h"

namespace vitals::stats::detail {

// Ok, or InvalidArgument when `sample` has fewer than `min_size` values or holds a NaN or
// infinite value.  `side` names the sample in the message ("A", "B"); `test` names the
// test that needs it ("Mann-Whitney").
Status CheckSample(std::span<const double> sample, std::string_view side, size_t min_size,
                   std::string_view test);

// P(U >= u) for the Mann-Whitney U of samples of sizes n_a and n_b without ties, from the
// exact null distribution (every arrangement of the ranks equally likely).
// REQUIRES: 1 <= n_a, n_b <= kMaxExactSamplesPerSide.
double ExactMannWhitneyUpperTail(size_t n_a, size_t n_b, int64_t u);

// Median of the n_a * n_b differences b_j - a_i, exactly (it is one of them, or the mean of
// the two middle ones).  O((n_a + n_b) * iterations) time, no n_a * n_b buffer.
// REQUIRES: both sorted ascending, non-empty, every difference finite.
double HodgesLehmannSorted(std::span<const double> a_sorted, std::span<const double> b_sorted);

// The 1-based rank of the value Histogram::ValueAtPercentile(p) returns among `total`
// values: round(p/100 * total), clamped to 1..total.  REQUIRES: total >= 1, 0 <= p <= 100.
int64_t CountAtPercentile(double p, int64_t total);

struct EnergySplit {
  size_t index = 0;  // first point of the right side, relative to the segment
  double q = 0;      // scaled energy distance between the sides (Matteson & James Q-hat)
};
// The split of `segment` that maximises the alpha = 1 energy statistic
//   q(t) = t(n-t)/n * (2/(t(n-t)) sum|x_i - y_j| - mean_{i<k}|x_i - x_k| - mean|y_j - y_k|)
// over min_segment <= t <= n - min_segment.  O(n^2) time, O(1) extra memory.
// REQUIRES: min_segment >= 2 and segment.size() >= 2 * min_segment.
EnergySplit BestEnergySplit(std::span<const double> segment, size_t min_segment);

}  // namespace vitals::stats::detail
