// Welch's unequal-variance t-test.
#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include <fmt/format.h>
#include <boost/math/distributions/students_t.hpp>

#include "stats/detail.h"
#include "stats/tests.h"

namespace vitals::stats {
namespace {

struct Moments {
  double mean = 0;
  double variance = 0;  // unbiased (n - 1)
};

// Two passes (mean, then squared deviations) rather than sum of squares, which cancels
// catastrophically for latencies with a large mean and small spread.  A constant sample is
// detected up front: its computed mean can differ from the value by rounding, which would
// otherwise give two equal constant samples of different sizes a tiny variance and a huge t.
Moments MomentsOf(std::span<const double> x) {
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  if (*lo == *hi) return {*lo, 0.0};
  double sum = 0;
  for (double v : x) sum += v;
  Moments m;
  m.mean = sum / static_cast<double>(x.size());
  double ss = 0;
  for (double v : x) ss += (v - m.mean) * (v - m.mean);
  m.variance = ss / static_cast<double>(x.size() - 1);
  return m;
}

}  // namespace

Result<WelchT> WelchTTest(std::span<const double> a, std::span<const double> b) {
  constexpr std::string_view kTest = "Welch's t-test";
  VITALS_RETURN_IF_ERROR(detail::CheckSample(a, "A", 2, kTest));
  VITALS_RETURN_IF_ERROR(detail::CheckSample(b, "B", 2, kTest));
  const double n_a = static_cast<double>(a.size());
  const double n_b = static_cast<double>(b.size());
  const Moments ma = MomentsOf(a), mb = MomentsOf(b);

  WelchT r;
  r.mean_a = ma.mean;
  r.mean_b = mb.mean;
  const double va = ma.variance / n_a, vb = mb.variance / n_b;
  const double se2 = va + vb;
  if (!(se2 > 0)) {
    // Both samples constant: the difference is either certain or absent.
    r.df = n_a + n_b - 2;
    if (ma.mean == mb.mean) {
      r.t = 0;
      r.p_value = 1;
    } else {
      r.t = std::copysign(std::numeric_limits<double>::infinity(), ma.mean - mb.mean);
      r.p_value = 0;
    }
    return r;
  }
  r.t = (ma.mean - mb.mean) / std::sqrt(se2);
  // Welch-Satterthwaite; a constant side contributes 0 to both sums, leaving the other's df.
  r.df = se2 * se2 / (va * va / (n_a - 1) + vb * vb / (n_b - 1));
  if (!std::isfinite(r.df)) r.df = n_a + n_b - 2;  // squares underflowed (variances ~1e-160)
  if (!std::isfinite(r.t)) {                       // se2 underflowed relative to the difference
    r.p_value = 0;
    return r;
  }
  try {
    const boost::math::students_t dist(r.df);
    r.p_value = std::min(1.0, 2.0 * boost::math::cdf(boost::math::complement(dist, std::abs(r.t))));
  } catch (const std::exception& e) {
    // Boost throws on domain errors; with finite t and df > 0 it should not, but an exception
    // must not cross the layer boundary.
    return Status::Internal(
        fmt::format("{}: Student t with df {} failed: {}", kTest, r.df, e.what()));
  }
  return r;
}

}  // namespace vitals::stats
