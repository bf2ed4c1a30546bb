// Wilcoxon signed-rank test for paired samples (duet runs): average ranks of |d| with ties,
// exact null distribution by counting subsets of ranks for small n, normal approximation
// with tie and continuity corrections otherwise.
#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <boost/math/distributions/normal.hpp>

#include "stats/detail.h"
#include "stats/tests.h"

namespace vitals::stats {
namespace {

constexpr std::string_view kTest = "Wilcoxon signed-rank";

// P(W+ <= w) under the null for n untied ranks 1..n: each rank is in or out with
// probability 1/2, so count the subsets of {1..n} by their sum.
double ExactLowerTail(size_t n, int64_t w) {
  const size_t max_sum = n * (n + 1) / 2;
  std::vector<double> ways(max_sum + 1, 0.0);
  ways[0] = 1;
  for (size_t r = 1; r <= n; ++r) {
    for (size_t s = max_sum; s >= r; --s) ways[s] += ways[s - r];
  }
  double below = 0;
  for (int64_t s = 0; s <= w && s <= int64_t(max_sum); ++s) below += ways[size_t(s)];
  return below / std::ldexp(1.0, int(n));
}

double MedianOfWalshAverages(const std::vector<double>& d) {
  std::vector<double> walsh;
  // The exact median needs every average; 2,000 pairs give 2 million, which is the most a
  // run comparison needs (one pair per interval).
  const size_t n = std::min<size_t>(d.size(), 2000);
  walsh.reserve(n * (n + 1) / 2);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i; j < n; ++j) walsh.push_back((d[i] + d[j]) / 2);
  }
  const size_t mid = walsh.size() / 2;
  std::nth_element(walsh.begin(), walsh.begin() + long(mid), walsh.end());
  double m = walsh[mid];
  if (walsh.size() % 2 == 0) {
    m = (m + *std::max_element(walsh.begin(), walsh.begin() + long(mid))) / 2;
  }
  return m;
}

}  // namespace

Result<SignedRank> WilcoxonSignedRank(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) {
    return Status::InvalidArgument(fmt::format(
        "{}: paired samples must have the same size, got {} and {}", kTest, a.size(), b.size()));
  }
  VITALS_RETURN_IF_ERROR(detail::CheckSample(a, "A", kMinSamplesPerSide, kTest));
  VITALS_RETURN_IF_ERROR(detail::CheckSample(b, "B", kMinSamplesPerSide, kTest));
  std::vector<double> all_d(a.size());
  for (size_t i = 0; i < a.size(); ++i) all_d[i] = b[i] - a[i];
  SignedRank r;
  std::vector<double> d;
  for (double x : all_d) {
    if (x == 0) {
      ++r.zeros;
    } else {
      d.push_back(x);
    }
  }
  r.n = d.size();
  r.shift = MedianOfWalshAverages(all_d);
  if (r.n == 0) return r;  // every pair equal: no evidence either way
  std::vector<size_t> order(d.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t x, size_t y) { return std::abs(d[x]) < std::abs(d[y]); });
  double tie_term = 0;
  bool ties = false;
  for (size_t i = 0; i < order.size();) {
    size_t j = i + 1;
    while (j < order.size() && std::abs(d[order[j]]) == std::abs(d[order[i]])) ++j;
    const double rank = (double(i + 1) + double(j)) / 2;  // average of ranks i+1 .. j
    for (size_t k = i; k < j; ++k) {
      if (d[order[k]] > 0) r.w_plus += rank;
    }
    const double t = double(j - i);
    if (j - i > 1) {
      ties = true;
      tie_term += t * t * t - t;
    }
    i = j;
  }
  const double n = double(r.n);
  const double mean = n * (n + 1) / 4;
  const double var = n * (n + 1) * (2 * n + 1) / 24 - tie_term / 48;
  if (var > 0) {
    const double diff = r.w_plus - mean;
    const double corrected = diff > 0 ? std::max(0.0, diff - 0.5) : std::min(0.0, diff + 0.5);
    r.z = corrected / std::sqrt(var);
  }
  if (!ties && r.n <= kMaxExactSignedRank) {
    const auto w = int64_t(std::llround(r.w_plus));
    const int64_t max_sum = int64_t(r.n * (r.n + 1) / 2);
    const int64_t lower = std::min(w, max_sum - w);  // the tail nearer the observed value
    r.p_value = std::min(1.0, 2 * ExactLowerTail(r.n, lower));
    r.exact = true;
  } else if (var > 0) {
    boost::math::normal normal;
    r.p_value = std::min(1.0, 2 * boost::math::cdf(boost::math::complement(normal, std::abs(r.z))));
  }
  return r;
}

}  // namespace vitals::stats
