#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "stats/tests.h"

namespace vitals::stats {
namespace {

// Two-sided Student t p-value by Simpson integration of the density over [|t|, |t| + 400],
// independent of Boost.  Accurate to ~1e-9 for df >= 3 (the tail beyond is < 400^-df).
double IntegratedTwoSidedP(double t, double df) {
  const double c = std::exp(std::lgamma((df + 1) / 2) - std::lgamma(df / 2)) / std::sqrt(df * M_PI);
  auto density = [&](double x) { return c * std::pow(1 + x * x / df, -(df + 1) / 2); };
  const int steps = 400000;  // even
  const double from = std::abs(t), h = 400.0 / steps;
  double sum = density(from) + density(from + 400.0);
  for (int i = 1; i < steps; ++i) sum += density(from + i * h) * (i % 2 ? 4 : 2);
  return 2 * sum * h / 3;
}

TEST(WelchTest, HandComputedExample) {
  // mean_a = 2.5, var_a = 5/3; mean_b = 6, var_b = 10.
  // se^2 = 5/12 + 2 = 29/12; t = -3.5 / sqrt(29/12);
  // df = (29/12)^2 / ((5/12)^2 / 3 + 2^2 / 4).
  const std::vector<double> a = {1, 2, 3, 4};
  const std::vector<double> b = {2, 4, 6, 8, 10};
  auto r = WelchTTest(a, b);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->mean_a, 2.5);
  EXPECT_DOUBLE_EQ(r->mean_b, 6);
  const double se2 = 29.0 / 12.0;
  EXPECT_NEAR(r->t, -3.5 / std::sqrt(se2), 1e-12);
  const double df = se2 * se2 / (25.0 / 144.0 / 3.0 + 1.0);
  EXPECT_NEAR(r->df, df, 1e-12);
  EXPECT_NEAR(r->p_value, IntegratedTwoSidedP(r->t, df), 1e-7);
  EXPECT_GT(r->p_value, 0.05);  // ~0.07: not significant at 5 %
  EXPECT_LT(r->p_value, 0.1);
}

TEST(WelchTest, LargeSamplesApproachTheNormal) {
  std::vector<double> a, b;
  for (int i = 0; i < 5000; ++i) {
    a.push_back(i % 10);
    b.push_back(i % 10 + 0.1);
  }
  auto r = WelchTTest(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->df, 9998, 1e-6);  // equal variances and sizes: df = n_a + n_b - 2
  EXPECT_NEAR(r->p_value, std::erfc(std::abs(r->t) / std::sqrt(2.0)), 1e-3);
  EXPECT_NEAR(r->p_value, IntegratedTwoSidedP(r->t, r->df), 1e-7);
}

TEST(WelchTest, SwappingSidesFlipsTAndKeepsP) {
  const std::vector<double> a = {10, 12, 9, 11, 13, 10};
  const std::vector<double> b = {14, 15, 13, 18, 16};
  auto ab = WelchTTest(a, b), ba = WelchTTest(b, a);
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_DOUBLE_EQ(ab->t, -ba->t);
  EXPECT_DOUBLE_EQ(ab->df, ba->df);
  EXPECT_DOUBLE_EQ(ab->p_value, ba->p_value);
  EXPECT_LT(ab->p_value, 0.01);
}

TEST(WelchTest, ConstantEqualSamplesGivePOne) {
  // 0.1 * 3 / 3 != 0.1 in doubles: the constant check must not invent a difference.
  const std::vector<double> a(3, 0.1), b(7, 0.1);
  auto r = WelchTTest(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->t, 0);
  EXPECT_DOUBLE_EQ(r->p_value, 1);
  EXPECT_DOUBLE_EQ(r->mean_a, 0.1);
  EXPECT_DOUBLE_EQ(r->df, 8);
}

TEST(WelchTest, ConstantDifferentSamplesGivePZero) {
  const std::vector<double> a(4, 120.0), b(5, 100.0);
  auto r = WelchTTest(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->t, std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(r->p_value, 0);
  auto s = WelchTTest(b, a);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->t, -std::numeric_limits<double>::infinity());
}

TEST(WelchTest, OneConstantSideLeavesTheOthersDegreesOfFreedom) {
  const std::vector<double> a(6, 10.0);
  const std::vector<double> b = {11, 12, 13, 14};  // var 5/3
  auto r = WelchTTest(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->df, 3, 1e-12);
  EXPECT_NEAR(r->t, -2.5 / std::sqrt(5.0 / 12.0), 1e-12);
  EXPECT_NEAR(r->p_value, IntegratedTwoSidedP(r->t, 3), 1e-7);
}

TEST(WelchTest, BadInputIsInvalidArgument) {
  const std::vector<double> one = {1}, two = {1, 2};
  auto r = WelchTTest(two, one);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("sample B has 1 value; Welch's t-test needs at least 2"),
            std::string::npos)
      << r.status().message();
  const std::vector<double> nan = {1, std::nan("")};
  auto n = WelchTTest(nan, two);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("sample A value #1 is NaN"), std::string::npos)
      << n.status().message();
}

}  // namespace
}  // namespace vitals::stats
