#include "core/units.h"

#include <gtest/gtest.h>

namespace vitals {
namespace {

TEST(Units, Durations) {
  EXPECT_EQ(*ParseDurationNs("250ms"), 250'000'000);
  EXPECT_EQ(*ParseDurationNs("1.5s"), 1'500'000'000);
  EXPECT_EQ(*ParseDurationNs("2m"), 120'000'000'000);
  EXPECT_EQ(*ParseDurationNs("10us"), 10'000);
  EXPECT_EQ(*ParseDurationNs("0"), 0);
  EXPECT_EQ(*ParseDurationNs("3", 1'000'000'000), 3'000'000'000);
  auto bad = ParseDurationNs("10");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad duration '10'"), std::string::npos);
  EXPECT_FALSE(ParseDurationNs("ms").ok());
  EXPECT_FALSE(ParseDurationNs("1.2.3s").ok());
  EXPECT_FALSE(ParseDurationNs("5 s").ok());
}

TEST(Units, Fractions) {
  EXPECT_DOUBLE_EQ(*ParseFraction("1%"), 0.01);
  EXPECT_DOUBLE_EQ(*ParseFraction("0.25"), 0.25);
  EXPECT_FALSE(ParseFraction("150%").ok());
  EXPECT_FALSE(ParseFraction("abc").ok());
}

TEST(Units, Numbers) {
  EXPECT_EQ(*ParseInt("42"), 42);
  EXPECT_FALSE(ParseInt("4x").ok());
  EXPECT_FALSE(ParseInt("-1").ok());
  EXPECT_DOUBLE_EQ(*ParseDouble("2.5"), 2.5);
  EXPECT_FALSE(ParseDouble("nan").ok());
}

TEST(Units, FormatDuration) {
  EXPECT_EQ(FormatDurationUs(950), "950us");
  EXPECT_EQ(FormatDurationUs(1250), "1.25ms");
  EXPECT_EQ(FormatDurationUs(2'000'000), "2.00s");
  EXPECT_EQ(FormatDurationUs(45'300), "45.3ms");
}

}  // namespace
}  // namespace vitals
