#include "target/latency.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace vitals {
namespace {

using ::testing::HasSubstr;

TEST(ParseLatencySpec, AcceptsEveryForm) {
  auto none = ParseLatencySpec("0");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->kind, LatencySpec::Kind::kNone);

  auto fixed = ParseLatencySpec("2ms");
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->kind, LatencySpec::Kind::kFixed);
  EXPECT_EQ(fixed->fixed_ns, 2'000'000);

  auto fixed2 = ParseLatencySpec("fixed:250us");
  ASSERT_TRUE(fixed2.ok());
  EXPECT_EQ(fixed2->fixed_ns, 250'000);

  auto uni = ParseLatencySpec("uniform:1ms..5ms");
  ASSERT_TRUE(uni.ok()) << uni.status().ToString();
  EXPECT_EQ(uni->kind, LatencySpec::Kind::kUniform);
  EXPECT_EQ(uni->min_ns, 1'000'000);
  EXPECT_EQ(uni->max_ns, 5'000'000);

  auto logn = ParseLatencySpec("lognormal:p99=20ms,median=2ms");  // any key order
  ASSERT_TRUE(logn.ok()) << logn.status().ToString();
  EXPECT_EQ(logn->kind, LatencySpec::Kind::kLognormal);
  EXPECT_DOUBLE_EQ(logn->mu, std::log(2e6));
  EXPECT_NEAR(logn->sigma, std::log(10.0) / 2.3263, 1e-4);

  auto ex = ParseLatencySpec("exp:mean=5ms");
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(ex->kind, LatencySpec::Kind::kExponential);
  EXPECT_EQ(ex->mean_ns, 5'000'000);
}

TEST(ParseLatencySpec, FormatRoundTrips) {
  for (const char* text : {"0", "2ms", "1500us", "uniform:1ms..5ms",
                           "lognormal:median=2ms,p99=20ms", "exp:mean=5ms", "3s"}) {
    auto spec = ParseLatencySpec(text);
    ASSERT_TRUE(spec.ok()) << text;
    std::string formatted = FormatLatencySpec(*spec);
    EXPECT_EQ(formatted, text);
    auto again = ParseLatencySpec(formatted);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(FormatLatencySpec(*again), formatted);
  }
}

struct BadSpec {
  const char* text;
  const char* message_part;
};

class ParseLatencySpecBad : public ::testing::TestWithParam<BadSpec> {};

TEST_P(ParseLatencySpecBad, NamesTheSpecAndWhatWasExpected) {
  auto r = ParseLatencySpec(GetParam().text);
  ASSERT_FALSE(r.ok()) << GetParam().text;
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr(std::string("bad latency spec '") + GetParam().text + "'"));
  EXPECT_THAT(r.status().message(), HasSubstr(GetParam().message_part));
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ParseLatencySpecBad,
    ::testing::Values(BadSpec{"", "expected 0, a duration (2ms), uniform:MIN..MAX"},
                      BadSpec{"fast", "expected 0, a duration (2ms), uniform:MIN..MAX"},
                      BadSpec{"20", "expected 0, a duration (2ms)"},
                      BadSpec{"uniform:5ms", "expected uniform:MIN..MAX, e.g. uniform:1ms..5ms"},
                      BadSpec{"uniform:5ms..1ms", "MIN (5ms) must not exceed MAX (1ms)"},
                      BadSpec{"uniform:1ms..x", "MAX 'x' is not a duration"},
                      BadSpec{"lognormal:median=2ms", "expected lognormal:median=D,p99=D"},
                      BadSpec{"lognormal:median=2ms,p95=9ms", "unknown key 'p95'"},
                      BadSpec{"lognormal:median=20ms,p99=2ms",
                              "p99 (2ms) must be at least the median (20ms)"},
                      BadSpec{"lognormal:median=0,p99=2ms", "median must be greater than 0"},
                      BadSpec{"exp:5ms", "expected exp:mean=D, e.g. exp:mean=5ms"},
                      BadSpec{"exp:mean=0", "mean must be greater than 0"},
                      BadSpec{"pareto:alpha=2", "unknown distribution 'pareto'"},
                      BadSpec{"2h", "longer than the 1h limit"}));

std::vector<int64_t> Draw(const LatencySpec& spec, int n, uint64_t seed = 42) {
  FastRng rng(seed);
  std::vector<int64_t> v(n);
  for (auto& x : v) x = SampleLatencyNs(spec, rng);
  std::sort(v.begin(), v.end());
  return v;
}

double Quantile(const std::vector<int64_t>& sorted, double q) {
  return double(sorted[size_t(q * double(sorted.size() - 1))]);
}

TEST(SampleLatency, LognormalHitsMedianAndP99) {
  auto spec = ParseLatencySpec("lognormal:median=2ms,p99=20ms");
  ASSERT_TRUE(spec.ok());
  auto v = Draw(*spec, 100'000);
  EXPECT_NEAR(Quantile(v, 0.5), 2e6, 2e6 * 0.03);
  EXPECT_NEAR(Quantile(v, 0.99), 20e6, 20e6 * 0.05);
}

TEST(SampleLatency, ExponentialHasItsMean) {
  auto spec = ParseLatencySpec("exp:mean=5ms");
  ASSERT_TRUE(spec.ok());
  auto v = Draw(*spec, 100'000);
  double sum = 0;
  for (int64_t x : v) sum += double(x);
  EXPECT_NEAR(sum / double(v.size()), 5e6, 5e6 * 0.02);
  // Median of an exponential is mean * ln 2.
  EXPECT_NEAR(Quantile(v, 0.5), 5e6 * std::log(2.0), 5e6 * 0.03);
}

TEST(SampleLatency, UniformStaysInBoundsAndIsFlat) {
  auto spec = ParseLatencySpec("uniform:1ms..5ms");
  ASSERT_TRUE(spec.ok());
  auto v = Draw(*spec, 100'000);
  EXPECT_GE(v.front(), 1'000'000);
  EXPECT_LE(v.back(), 5'000'000);
  EXPECT_NEAR(Quantile(v, 0.25), 2e6, 4e6 * 0.02);
  EXPECT_NEAR(Quantile(v, 0.75), 4e6, 4e6 * 0.02);
}

TEST(SampleLatency, FixedAndNone) {
  FastRng rng(1);
  auto fixed = ParseLatencySpec("20ms");
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(SampleLatencyNs(*fixed, rng), 20'000'000);
  EXPECT_EQ(SampleLatencyNs(LatencySpec{}, rng), 0);
}

TEST(SampleLatency, SameSeedSameSequenceOtherSeedDiffers) {
  auto spec = ParseLatencySpec("exp:mean=1ms");
  ASSERT_TRUE(spec.ok());
  FastRng a(7), b(7), c(8);
  int same = 0, differ = 0;
  for (int i = 0; i < 100; ++i) {
    int64_t x = SampleLatencyNs(*spec, a);
    same += x == SampleLatencyNs(*spec, b);
    differ += x != SampleLatencyNs(*spec, c);
  }
  EXPECT_EQ(same, 100);
  EXPECT_GT(differ, 95);
}

}  // namespace
}  // namespace vitals
