// The split search of e-divisive means (Matteson & James 2014) with alpha = 1.
//
// For a split at t the statistic needs three sums of |x_i - x_j|: across the split (W),
// within the left (L) and within the right (R).  Moving the split from t to t + 1 moves point
// x_t from the right to the left, which changes them by two row sums of x_t against the
// points before and after it: O(n) per step, O(n^2) per segment, no n x n matrix.
#include <cmath>

#include "stats/detail.h"

namespace vitals::stats::detail {
namespace {

// sum_{i in [from, to)} |x_i - v|
double RowSum(std::span<const double> x, size_t from, size_t to, double v) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += std::abs(x[i] - v);
  return s;
}

}  // namespace

EnergySplit BestEnergySplit(std::span<const double> x, size_t min_segment) {
  const size_t n = x.size();
  // Split at t = 1 (left = {x_0}): L = 0, W = row of x_0, R = everything else.
  double total = 0;  // sum over all pairs i < j
  for (size_t i = 0; i < n; ++i) total += RowSum(x, i + 1, n, x[i]);
  double within_left = 0;
  double across = RowSum(x, 1, n, x[0]);
  double within_right = total - across;

  EnergySplit best;
  best.q = -1;
  for (size_t t = 1; t + min_segment <= n; ++t) {
    if (t >= min_segment) {
      const double nl = static_cast<double>(t), nr = static_cast<double>(n - t);
      // Mean distance across minus the mean distances within each side (unordered pairs,
      // hence 2 / (m (m - 1))), scaled by nl nr / n so longer sides weigh more.
      const double energy = 2.0 * across / (nl * nr) - 2.0 * within_left / (nl * (nl - 1)) -
                            2.0 * within_right / (nr * (nr - 1));
      const double q = nl * nr / static_cast<double>(n) * energy;
      if (q > best.q) best = {t, q};
    }
    // Move x_t from the right side to the left.
    const double to_left = RowSum(x, 0, t, x[t]);
    const double to_right = RowSum(x, t + 1, n, x[t]);
    within_left += to_left;
    within_right -= to_right;
    across += to_right - to_left;
  }
  return best;
}

}  // namespace vitals::stats::detail
