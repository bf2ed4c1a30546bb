#include "alerting/go_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vitals::alerting {
namespace {

// Expected strings are what Go 1.19 prints (fmt.Sprint, strconv.FormatFloat).
TEST(GoFormat, FloatLikeGoPercentV) {
  EXPECT_EQ(GoFloat(1e6), "1e+06");
  EXPECT_EQ(GoFloat(123456), "123456");
  EXPECT_EQ(GoFloat(1234567), "1.234567e+06");
  EXPECT_EQ(GoFloat(0.0001), "0.0001");
  EXPECT_EQ(GoFloat(0.00001), "1e-05");
  EXPECT_EQ(GoFloat(1.5), "1.5");
  EXPECT_EQ(GoFloat(-2), "-2");
  EXPECT_EQ(GoFloat(0), "0");
  EXPECT_EQ(GoFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(GoFloat(1e21), "1e+21");
  EXPECT_EQ(GoFloat(2.5e-300), "2.5e-300");
  EXPECT_EQ(GoFloat(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(GoFloat(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(GoFloat(std::nan("")), "NaN");
}

TEST(GoFormat, FloatE) {
  EXPECT_EQ(GoFloatE(2), "2E+00");
  EXPECT_EQ(GoFloatE(0.15), "1.5E-01");
  EXPECT_EQ(GoFloatE(0), "0E+00");
  EXPECT_EQ(GoFloatE(-123.25), "-1.2325E+02");
}

TEST(GoFormat, PrecisionG) {
  EXPECT_EQ(GoPrecG(1234.5678, 4), "1235");
  EXPECT_EQ(GoPrecG(12345, 4), "1.234e+04");
  EXPECT_EQ(GoPrecG(1.0, 4), "1");
  EXPECT_EQ(GoPrecG(std::numeric_limits<double>::infinity(), 4), "+Inf");
}

TEST(GoFormat, Durations) {
  EXPECT_EQ(GoDuration(0), "0s");
  EXPECT_EQ(GoDuration(90'000), "1m30s");
  EXPECT_EQ(GoDuration(7'200'000), "2h0m0s");
  EXPECT_EQ(GoDuration(500), "500ms");
  EXPECT_EQ(GoDuration(1'500), "1.5s");
  EXPECT_EQ(PromDurationString(600'000), "10m");
  EXPECT_EQ(PromDurationString(5'400'000), "1h30m");
  EXPECT_EQ(PromDurationString(0), "0s");
  EXPECT_EQ(PromDurationString(86'400'000), "1d");
}

TEST(GoFormat, Quote) { EXPECT_EQ(GoQuote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\""); }

}  // namespace
}  // namespace vitals::alerting
