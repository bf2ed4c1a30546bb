#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "stats/detail.h"
#include "stats/tests.h"

namespace vitals::stats {
namespace {

// Two-sided normal p computed without Boost, to check the Boost path independently.
double NormalTwoSided(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

// Brute-force median of all b - a.
double BruteHodgesLehmann(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  for (double x : a)
    for (double y : b) d.push_back(y - x);
  std::sort(d.begin(), d.end());
  const size_t n = d.size();
  return n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
}

// Exact P(U >= u) by enumerating every way to give n_a of the ranks 1..n_a+n_b to A.
double EnumeratedUpperTail(size_t n_a, size_t n_b, int64_t u) {
  const size_t n = n_a + n_b;
  int64_t total = 0, tail = 0;
  for (uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (static_cast<size_t>(__builtin_popcount(mask)) != n_a) continue;
    int64_t rank_sum = 0;
    for (size_t r = 0; r < n; ++r) {
      if (mask & (1u << r)) rank_sum += static_cast<int64_t>(r + 1);
    }
    const int64_t u_a = rank_sum - static_cast<int64_t>(n_a * (n_a + 1) / 2);
    ++total;
    if (u_a >= u) ++tail;
  }
  return static_cast<double>(tail) / static_cast<double>(total);
}

TEST(MannWhitneyTest, ScipyDocumentationExample) {
  // scipy.stats.mannwhitneyu docs (after Conover): U1 = 17, exact p = 0.1111 (= 14/126),
  // asymptotic (continuity-corrected) p = 0.11134688653314041.
  const std::vector<double> males = {19, 22, 16, 29, 24};
  const std::vector<double> females = {20, 11, 17, 12};
  auto r = MannWhitneyU(males, females);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->n_a, 5u);
  EXPECT_EQ(r->n_b, 4u);
  EXPECT_DOUBLE_EQ(r->u_a, 17);
  EXPECT_TRUE(r->exact);
  EXPECT_NEAR(r->p_value, 14.0 / 126.0, 1e-12);
  // z = (17 - 10 - 0.5) / sqrt(5 * 4 * 10 / 12)
  EXPECT_NEAR(r->z, 6.5 / std::sqrt(200.0 / 12.0), 1e-12);
  EXPECT_NEAR(NormalTwoSided(r->z), 0.11134688653314041, 1e-9);
  EXPECT_DOUBLE_EQ(r->rank_biserial, 2.0 * 17 / 20 - 1);
  EXPECT_DOUBLE_EQ(r->hodges_lehmann, BruteHodgesLehmann(males, females));
}

TEST(MannWhitneyTest, HandComputedTiesUseAverageRanksAndTieCorrection) {
  // Pooled: 1a 2a 2a 2b 3a 3b 4b 5b -> ranks 1, 3, 3, 3, 5.5, 5.5, 7, 8.
  // R_a = 1 + 3 + 3 + 5.5 = 12.5, U_a = 12.5 - 10 = 2.5 (0 + .5 + .5 + 1.5 by pairs).
  // Ties: a group of 3 and one of 2 -> sum(t^3 - t) = 24 + 6 = 30.
  // var = 4 * 4 / 12 * (9 - 30 / (8 * 7)); z = -(8 - 2.5 - 0.5) / sqrt(var).
  const std::vector<double> a = {1, 2, 2, 3};
  const std::vector<double> b = {2, 3, 4, 5};
  auto r = MannWhitneyU(a, b);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->u_a, 2.5);
  EXPECT_FALSE(r->exact);  // ties force the normal approximation
  const double var = 16.0 / 12.0 * (9.0 - 30.0 / 56.0);
  EXPECT_NEAR(r->z, -5.0 / std::sqrt(var), 1e-12);
  EXPECT_NEAR(r->p_value, NormalTwoSided(5.0 / std::sqrt(var)), 1e-12);
  EXPECT_DOUBLE_EQ(r->rank_biserial, 2 * 2.5 / 16 - 1);
  EXPECT_DOUBLE_EQ(r->hodges_lehmann, 1.5);  // 16 diffs; the 8th and 9th are 1 and 2
  EXPECT_DOUBLE_EQ(r->hodges_lehmann, BruteHodgesLehmann(a, b));
}

TEST(MannWhitneyTest, ExactTailMatchesEnumeration) {
  for (size_t n_a = 1; n_a <= 6; ++n_a) {
    for (size_t n_b = 1; n_b <= 7; ++n_b) {
      for (int64_t u = -1; u <= static_cast<int64_t>(n_a * n_b) + 1; ++u) {
        EXPECT_NEAR(detail::ExactMannWhitneyUpperTail(n_a, n_b, u),
                    EnumeratedUpperTail(n_a, n_b, u), 1e-12)
            << n_a << "x" << n_b << " u=" << u;
      }
    }
  }
}

TEST(MannWhitneyTest, ExactPValueOfSeparatedSamplesIsTwoOverChoose) {
  // 1..10 vs 11..20: only 2 of the C(20, 10) = 184,756 arrangements are this extreme.
  std::vector<double> a, b;
  for (int i = 1; i <= 10; ++i) a.push_back(i), b.push_back(i + 10);
  auto r = MannWhitneyU(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->exact);
  EXPECT_DOUBLE_EQ(r->u_a, 0);
  EXPECT_NEAR(r->p_value, 2.0 / 184756.0, 1e-15);
  EXPECT_DOUBLE_EQ(r->rank_biserial, -1);
  EXPECT_DOUBLE_EQ(r->hodges_lehmann, 10);
}

TEST(MannWhitneyTest, ExactAndNormalAgreeAtTwentyPerSide) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> a(20), b(20);
  for (double& x : a) x = noise(rng);
  for (double& x : b) x = noise(rng) + 0.6;
  auto r = MannWhitneyU(a, b);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->exact);
  EXPECT_NEAR(r->p_value, NormalTwoSided(r->z), 0.01);
  a.push_back(noise(rng));  // 21 values: normal approximation
  auto r21 = MannWhitneyU(a, b);
  ASSERT_TRUE(r21.ok());
  EXPECT_FALSE(r21->exact);
  EXPECT_DOUBLE_EQ(r21->p_value, NormalTwoSided(r21->z));
}

TEST(MannWhitneyTest, SwappingSidesFlipsEffectAndKeepsP) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> lat(6, 0.5);
  for (size_t n : {8u, 35u}) {  // exact and normal paths
    std::vector<double> a(n), b(n + 3);
    for (double& x : a) x = std::round(lat(rng));
    for (double& x : b) x = std::round(lat(rng) * 1.2);
    auto ab = MannWhitneyU(a, b);
    auto ba = MannWhitneyU(b, a);
    ASSERT_TRUE(ab.ok() && ba.ok());
    EXPECT_DOUBLE_EQ(ab->p_value, ba->p_value) << n;
    EXPECT_DOUBLE_EQ(ab->rank_biserial, -ba->rank_biserial) << n;
    EXPECT_DOUBLE_EQ(ab->z, -ba->z) << n;
    EXPECT_DOUBLE_EQ(ab->u_a + ba->u_a, static_cast<double>(a.size() * b.size())) << n;
    EXPECT_DOUBLE_EQ(ab->hodges_lehmann, -ba->hodges_lehmann) << n;
  }
}

TEST(MannWhitneyTest, IdenticalSamplesGivePOne) {
  const std::vector<double> a = {5, 1, 4, 2, 3};
  auto r = MannWhitneyU(a, a);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->z, 0);
  EXPECT_DOUBLE_EQ(r->p_value, 1);
  EXPECT_DOUBLE_EQ(r->rank_biserial, 0);
  EXPECT_DOUBLE_EQ(r->hodges_lehmann, 0);
  const std::vector<double> constant(10, 42.0);
  auto c = MannWhitneyU(constant, constant);
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(c->p_value, 1);
}

TEST(MannWhitneyTest, SeparatedLargeSamplesGiveTinyP) {
  std::vector<double> a, b;
  for (int i = 0; i < 30; ++i) a.push_back(1000 + i), b.push_back(1300 + i);
  auto r = MannWhitneyU(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->exact);
  EXPECT_LT(r->p_value, 1e-9);
  EXPECT_LT(r->z, 0);
  EXPECT_DOUBLE_EQ(r->rank_biserial, -1);
  EXPECT_DOUBLE_EQ(r->hodges_lehmann, 300);
}

TEST(MannWhitneyTest, HodgesLehmannMatchesBruteForce) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> small(-20, 20);  // many ties
  std::lognormal_distribution<double> lat(3, 1.5);    // wide range
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<double> a(3 + trial % 7), b(4 + trial % 5);
    for (double& x : a) x = trial % 2 ? small(rng) : lat(rng);
    for (double& x : b) x = trial % 2 ? small(rng) : -lat(rng);
    std::vector<double> as = a, bs = b;
    std::sort(as.begin(), as.end());
    std::sort(bs.begin(), bs.end());
    EXPECT_DOUBLE_EQ(detail::HodgesLehmannSorted(as, bs), BruteHodgesLehmann(a, b)) << trial;
  }
  // Larger samples (540k pairs) where the brute force still fits in memory.
  std::vector<double> a(600), b(900);
  for (double& x : a) x = lat(rng);
  for (double& x : b) x = lat(rng) * 1.1;
  auto r = MannWhitneyU(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->hodges_lehmann, BruteHodgesLehmann(a, b));
}

TEST(MannWhitneyTest, TooFewValuesIsInvalidArgument) {
  const std::vector<double> two = {1, 2}, three = {1, 2, 3}, none;
  auto r = MannWhitneyU(two, three);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(
      r.status().message().find("sample A has 2 values; Mann-Whitney needs at least 3 per side"),
      std::string::npos)
      << r.status().message();
  auto e = MannWhitneyU(three, none);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("sample B has 0 values"), std::string::npos)
      << e.status().message();
}

TEST(MannWhitneyTest, NonFiniteValueIsInvalidArgument) {
  const std::vector<double> ok = {1, 2, 3};
  const std::vector<double> nan = {1, std::numeric_limits<double>::quiet_NaN(), 3};
  const std::vector<double> inf = {1, 2, std::numeric_limits<double>::infinity()};
  auto r = MannWhitneyU(ok, nan);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("sample B value #1 is NaN; Mann-Whitney needs finite"),
            std::string::npos)
      << r.status().message();
  auto i = MannWhitneyU(inf, ok);
  ASSERT_FALSE(i.ok());
  EXPECT_NE(i.status().message().find("sample A value #2 is infinite"), std::string::npos)
      << i.status().message();
}

TEST(MannWhitneyTest, DifferencesBeyondDoubleRangeAreInvalidArgument) {
  const std::vector<double> low = {-1e308, -1e308, -1e308};
  const std::vector<double> high = {1e308, 1e308, 1e308};
  auto r = MannWhitneyU(low, high);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("span more than the largest double"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace vitals::stats
