#include "alerting/series_notation.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vitals::alerting {
namespace {

std::string Show(std::string_view text) {
  auto r = ParseSeriesValues(text);
  if (!r.ok()) return "error: " + r.status().message();
  std::string out;
  for (const auto& v : *r) {
    if (!out.empty()) out += ' ';
    if (!v) {
      out += '_';
    } else if (promql::IsStaleNaN(*v)) {
      out += "stale";
    } else {
      out += std::to_string(int(*v));
    }
  }
  return out;
}

TEST(SeriesNotation, ExpandingNotation) {
  EXPECT_EQ(Show("0+10x3"), "0 10 20 30");
  EXPECT_EQ(Show("10-2x2"), "10 8 6");
  EXPECT_EQ(Show("-1+1x2"), "-1 0 1");
  EXPECT_EQ(Show("5x2"), "5 5 5");
  EXPECT_EQ(Show("1 _ 3 stale"), "1 _ 3 stale");
  EXPECT_EQ(Show("_x3 7"), "_ _ _ 7");
  EXPECT_EQ(Show("1e3+0x1"), "1000 1000");
  auto inf = ParseSeriesValues("Inf -Inf NaN");
  ASSERT_TRUE(inf.ok());
  EXPECT_TRUE(std::isinf(*(*inf)[0]));
  EXPECT_TRUE(std::isnan(*(*inf)[2]));
}

TEST(SeriesNotation, BadItemsNameTheItem) {
  EXPECT_EQ(
      Show("1 2 3y2"),
      "error: bad series value item \"3y2\" (expected a number, a+bxn, axn, _, _xn or stale)");
  EXPECT_EQ(Show("1+x3").substr(0, 30), "error: bad series value item \"");
}

TEST(SeriesNotation, Labels) {
  auto l = ParseSeriesLabels("http_requests_total{status=\"500\", job=\"api\"}");
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->ToString(), "http_requests_total{job=\"api\", status=\"500\"}");
  auto empty = ParseSeriesLabels("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto bad = ParseSeriesLabels("x{a=~\"b\"}");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("only label=\"value\" is allowed"), std::string::npos);
}

}  // namespace
}  // namespace vitals::alerting
