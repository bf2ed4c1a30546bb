// Mann-Whitney U: ranks, tie-corrected normal approximation, exact p for small samples.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <fmt/format.h>
#include <boost/math/distributions/normal.hpp>

#include "stats/detail.h"
#include "stats/tests.h"

namespace vitals::stats {
namespace {

constexpr std::string_view kTest = "Mann-Whitney";

struct RankSums {
  double rank_sum_a = 0;
  double tie_term = 0;  // sum over tied groups of t^3 - t
  bool has_ties = false;
};

// Average ranks (1-based) over the pooled sample: tied values share the mean of the ranks
// they span, which keeps U = #(a > b) + #(a == b) / 2.
RankSums RankPooled(std::span<const double> a, std::span<const double> b) {
  struct Item {
    double value;
    bool from_a;
  };
  std::vector<Item> pooled;
  pooled.reserve(a.size() + b.size());
  for (double v : a) pooled.push_back({v, true});
  for (double v : b) pooled.push_back({v, false});
  std::sort(pooled.begin(), pooled.end(),
            [](const Item& x, const Item& y) { return x.value < y.value; });

  RankSums out;
  for (size_t i = 0; i < pooled.size();) {
    size_t j = i + 1;
    while (j < pooled.size() && pooled[j].value == pooled[i].value) ++j;
    const double t = static_cast<double>(j - i);
    const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (pooled[k].from_a) out.rank_sum_a += avg_rank;
    }
    if (j - i > 1) {
      out.has_ties = true;
      out.tie_term += t * t * t - t;
    }
    i = j;
  }
  return out;
}

// Continuity-corrected z: |U - mu| is reduced by 1/2 (U moves in steps of 1/2..1) but never
// past zero, so identical samples give z = 0 rather than a spurious sign.
double NormalZ(double u_a, double n_a, double n_b, double tie_term) {
  const double n = n_a + n_b;
  const double mu = n_a * n_b / 2.0;
  const double var = n_a * n_b / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
  if (!(var > 0)) return 0;  // every value equal: no evidence either way
  const double d = std::max(0.0, std::abs(u_a - mu) - 0.5);
  return std::copysign(d, u_a - mu) / std::sqrt(var);
}

double TwoSidedNormalP(double z) {
  const boost::math::normal standard;
  return std::min(1.0, 2.0 * boost::math::cdf(boost::math::complement(standard, std::abs(z))));
}

}  // namespace

Result<MannWhitney> MannWhitneyU(std::span<const double> a, std::span<const double> b) {
  VITALS_RETURN_IF_ERROR(detail::CheckSample(a, "A", kMinSamplesPerSide, kTest));
  VITALS_RETURN_IF_ERROR(detail::CheckSample(b, "B", kMinSamplesPerSide, kTest));

  std::vector<double> a_sorted(a.begin(), a.end());
  std::vector<double> b_sorted(b.begin(), b.end());
  std::sort(a_sorted.begin(), a_sorted.end());
  std::sort(b_sorted.begin(), b_sorted.end());
  // The Hodges-Lehmann shift is a difference of two inputs; refuse inputs where that
  // overflows rather than report an infinite or NaN shift.
  if (!std::isfinite(b_sorted.back() - a_sorted.front()) ||
      !std::isfinite(b_sorted.front() - a_sorted.back())) {
    return Status::InvalidArgument(
        fmt::format("{}: samples A and B span more than the largest double ({} .. {}); rescale "
                    "the values",
                    kTest, std::min(a_sorted.front(), b_sorted.front()),
                    std::max(a_sorted.back(), b_sorted.back())));
  }

  MannWhitney r;
  r.n_a = a.size();
  r.n_b = b.size();
  const double n_a = static_cast<double>(r.n_a);
  const double n_b = static_cast<double>(r.n_b);
  const RankSums ranks = RankPooled(a, b);
  r.u_a = ranks.rank_sum_a - n_a * (n_a + 1.0) / 2.0;
  r.z = NormalZ(r.u_a, n_a, n_b, ranks.tie_term);
  r.rank_biserial = 2.0 * r.u_a / (n_a * n_b) - 1.0;
  r.hodges_lehmann = detail::HodgesLehmannSorted(a_sorted, b_sorted);

  if (!ranks.has_ties && r.n_a <= kMaxExactSamplesPerSide && r.n_b <= kMaxExactSamplesPerSide) {
    // Without ties U_a is an integer; the null distribution is symmetric about n_a n_b / 2, so
    // the two-sided p is twice the tail beyond the larger of U_a and U_b.
    const auto u = static_cast<int64_t>(std::llround(r.u_a));
    const int64_t u_b = static_cast<int64_t>(r.n_a * r.n_b) - u;
    r.p_value =
        std::min(1.0, 2.0 * detail::ExactMannWhitneyUpperTail(r.n_a, r.n_b, std::max(u, u_b)));
    r.exact = true;
  } else {
    r.p_value = TwoSidedNormalP(r.z);
  }
  return r;
}

}  // namespace vitals::stats
