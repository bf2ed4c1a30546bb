// Wilcoxon signed-rank (stats/tests.h): exact tails counted by hand, the normal approximation
// with ties, and bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "stats/tests.h"

namespace vitals::stats {
namespace {

using ::testing::HasSubstr;

TEST(Wilcoxon, EveryPairUpGivesTheSmallestExactP) {
  std::vector<double> a(8, 10), b;
  for (int i = 1; i <= 8; ++i) b.push_back(10 + i);
  auto r = WilcoxonSignedRank(a, b);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->exact);
  EXPECT_EQ(r->n, 8u);
  EXPECT_DOUBLE_EQ(r->w_plus, 36);
  EXPECT_NEAR(r->p_value, 2.0 / 256, 1e-12);
  EXPECT_DOUBLE_EQ(r->shift, 4.5);  // median of the Walsh averages of 1..8
  EXPECT_GT(r->z, 0);
}

TEST(Wilcoxon, ExactTailOfASmallMixedSample) {
  // d = 1, 2, 3, 4, -5: W+ = 10, W- = 5; subsets of {1..5} summing to <= 5: 10 of 32.
  const std::vector<double> a = {0, 0, 0, 0, 5}, b = {1, 2, 3, 4, 0};
  auto r = WilcoxonSignedRank(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->exact);
  EXPECT_DOUBLE_EQ(r->w_plus, 10);
  EXPECT_NEAR(r->p_value, 2 * 10.0 / 32, 1e-12);
}

TEST(Wilcoxon, SymmetricTiedDifferencesGiveNoEvidence) {
  const std::vector<double> a = {5, 5, 5, 5, 5, 5}, b = {6, 4, 7, 3, 8, 2};
  auto r = WilcoxonSignedRank(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->exact);  // tied |d|: normal approximation
  EXPECT_DOUBLE_EQ(r->w_plus, 10.5);
  EXPECT_DOUBLE_EQ(r->z, 0);
  EXPECT_DOUBLE_EQ(r->p_value, 1);
}

TEST(Wilcoxon, ZerosAreDroppedAndAllZerosIsNoChange) {
  const std::vector<double> a = {1, 2, 3, 4}, b = {1, 2, 3, 4};
  auto r = WilcoxonSignedRank(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->n, 0u);
  EXPECT_EQ(r->zeros, 4u);
  EXPECT_DOUBLE_EQ(r->p_value, 1);
  EXPECT_DOUBLE_EQ(r->shift, 0);
}

TEST(Wilcoxon, PairingFindsAShiftThatSharedNoiseHidesFromMannWhitney) {
  // Each interval's noise is shared by both sides (a duet): B = A + 3 % everywhere, while the
  // intervals themselves wander by +-30 %.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> wander(0.7, 1.3);
  std::normal_distribution<double> jitter(0, 5);
  std::vector<double> a, b;
  for (int i = 0; i < 30; ++i) {
    const double base = 1000 * wander(rng);
    a.push_back(base + jitter(rng));
    b.push_back(base * 1.03 + jitter(rng));
  }
  auto paired = WilcoxonSignedRank(a, b);
  auto unpaired = MannWhitneyU(a, b);
  ASSERT_TRUE(paired.ok());
  ASSERT_TRUE(unpaired.ok());
  EXPECT_LT(paired->p_value, 0.001);
  EXPECT_GT(unpaired->p_value, 0.05);
  EXPECT_GT(paired->shift, 0);
}

TEST(Wilcoxon, BadInputIsAClearError) {
  const std::vector<double> three = {1, 2, 3}, four = {1, 2, 3, 4};
  auto sizes = WilcoxonSignedRank(three, four);
  ASSERT_FALSE(sizes.ok());
  EXPECT_THAT(sizes.status().message(), HasSubstr("same size, got 3 and 4"));
  const std::vector<double> two = {1, 2};
  EXPECT_FALSE(WilcoxonSignedRank(two, two).ok());
  const std::vector<double> nan = {1, std::numeric_limits<double>::quiet_NaN(), 3};
  EXPECT_FALSE(WilcoxonSignedRank(three, nan).ok());
}

}  // namespace
}  // namespace vitals::stats
