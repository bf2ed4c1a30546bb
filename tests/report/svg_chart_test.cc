// Inline-SVG charts: one data path per drawable series, points in the viewBox, ticks, bands,
// log axes, thinning of long series, escaping.
#include "report/svg_chart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "report/report_test_util.h"

namespace vitals {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> DataPaths(const std::string& svg) { return testing::DataPathsIn(svg); }

// Every coordinate in a d attribute.
std::vector<double> Coords(const std::string& d) {
  std::vector<double> out;
  std::string num;
  for (char c : d + " ") {
    if ((c >= '0' && c <= '9') || c == '.' || c == '-') {
      num += c;
    } else if (!num.empty()) {
      out.push_back(std::stod(num));
      num.clear();
    }
  }
  return out;
}

Chart TwoSeries() {
  Chart c;
  c.id = "chart-test";
  c.title = "Test chart";
  c.x.title = "time";
  c.y.title = "value";
  ChartSeries a{"a", 0, false, true, {}}, b{"b", 1, true, false, {}};
  for (int i = 0; i <= 10; ++i) {
    a.points.push_back({double(i), double(i * i)});
    b.points.push_back({double(i), 50.0});
  }
  c.series = {a, b};
  c.bands = {{0, 4, "ramp"}, {4, 10, "steady"}};
  return c;
}

TEST(SvgChart, OnePathPerSeriesWithEveryPointInsideTheViewBox) {
  const std::string svg = RenderSvgChart(TwoSeries());
  const auto paths = DataPaths(svg);
  ASSERT_EQ(paths.size(), 2u);
  for (const std::string& d : paths) {
    EXPECT_EQ(CountPathPoints(d), 11);
    const auto xy = Coords(d);
    ASSERT_EQ(xy.size(), 22u);
    for (size_t i = 0; i < xy.size(); i += 2) {
      EXPECT_GE(xy[i], 0);
      EXPECT_LE(xy[i], 800);
      EXPECT_GE(xy[i + 1], 0);
      EXPECT_LE(xy[i + 1], 300);
    }
  }
  // The constant series is a horizontal line; the first series rises (pixel y falls).
  const auto flat = Coords(paths[1]);
  EXPECT_DOUBLE_EQ(flat[1], flat.back());
  const auto rising = Coords(paths[0]);
  EXPECT_GT(rising[1], rising.back());
  EXPECT_THAT(svg, HasSubstr("viewBox=\"0 0 800 300\""));
  EXPECT_THAT(svg, HasSubstr("class=\"area c0\""));         // series a is an area
  EXPECT_THAT(svg, HasSubstr("class=\"data c1 dashed\""));  // series b is dashed
  EXPECT_THAT(svg, HasSubstr(">ramp</text>"));
  EXPECT_THAT(svg, HasSubstr(">steady</text>"));
  EXPECT_THAT(svg, HasSubstr("<li>"));  // legend
}

TEST(SvgChart, SkipsNonFiniteAndNonPositiveOnLogAxes) {
  Chart c = TwoSeries();
  c.y.log = true;
  c.series[0].points = {{0, 0}, {1, NAN}, {2, 10}, {3, INFINITY}, {4, -5}, {5, 1000}};
  const auto paths = DataPaths(RenderSvgChart(c));
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(CountPathPoints(paths[0]), 2);  // only (2,10) and (5,1000)
  EXPECT_THAT(paths[0], Not(HasSubstr("nan")));
  EXPECT_THAT(paths[0], Not(HasSubstr("inf")));
}

TEST(SvgChart, NoDrawablePointSaysNoData) {
  Chart c = TwoSeries();
  for (auto& s : c.series) s.points.clear();
  const std::string html = RenderSvgChart(c);
  EXPECT_THAT(html, HasSubstr("no data"));
  EXPECT_THAT(html, Not(HasSubstr("<svg")));
  EXPECT_TRUE(DataPaths(html).empty());
}

TEST(SvgChart, LongSeriesAreThinnedButKeepTheirSpikes) {
  Chart c;
  c.id = "long";
  ChartSeries s{"long", 0, false, false, {}};
  for (int i = 0; i < 36000; ++i) s.points.push_back({double(i), 10.0 + (i % 7)});
  s.points[20000].y = 5000;  // one spike in 36,000 points
  c.series = {s};
  const auto paths = DataPaths(RenderSvgChart(c));
  ASSERT_EQ(paths.size(), 1u);
  const int n = CountPathPoints(paths[0]);
  EXPECT_LT(n, 4 * 800);
  EXPECT_GT(n, 700);
  // The spike is kept: a point near the top of the plot area (y 26..256), where every other
  // point sits near the bottom (~255).
  const auto xy = Coords(paths[0]);
  double min_y = 1e9;
  for (size_t i = 1; i < xy.size(); i += 2) min_y = std::min(min_y, xy[i]);
  EXPECT_LT(min_y, 100);
}

TEST(SvgChart, EscapesTitlesNamesLabelsAndTicks) {
  Chart c = TwoSeries();
  c.title = "<script>alert('t')</script>";
  c.series[0].name = "\"><script>alert(1)</script>";
  c.bands[0].label = "</text><script>x</script>";
  c.x.ticks = {{0, "<b>0</b>"}, {10, "10"}};
  const std::string svg = RenderSvgChart(c);
  EXPECT_THAT(svg, Not(HasSubstr("<script")));
  EXPECT_THAT(svg, Not(HasSubstr("<b>")));
  EXPECT_THAT(svg, HasSubstr("&lt;script&gt;alert(&#39;t&#39;)"));
  EXPECT_THAT(svg, HasSubstr("data-series=\"&quot;&gt;&lt;script&gt;"));
}

TEST(SvgChart, ExplicitTicksAndLogTicks) {
  Chart c = TwoSeries();
  c.x.log = true;
  c.y.log = true;
  c.series[0].points = {{1, 100}, {10, 200}, {100, 5000}, {1000, 90000}};
  c.series.resize(1);
  c.bands.clear();
  c.x.ticks = {{1, "0%"}, {10, "90%"}, {100, "99%"}, {1000, "99.9%"}};
  const std::string svg = RenderSvgChart(c);
  for (const char* t : {">0%<", ">90%<", ">99%<", ">99.9%<"}) EXPECT_THAT(svg, HasSubstr(t));
  // Equal steps on a log axis: 1, 10, 100, 1000 are evenly spaced in x.
  const auto xy = Coords(DataPaths(svg)[0]);
  ASSERT_EQ(xy.size(), 8u);
  EXPECT_NEAR(xy[2] - xy[0], xy[4] - xy[2], 0.2);
  EXPECT_NEAR(xy[4] - xy[2], xy[6] - xy[4], 0.2);
}

TEST(Ticks, NiceAndLog) {
  EXPECT_THAT(NiceTicks(0, 10, 5), ElementsAre(0, 2, 4, 6, 8, 10));
  EXPECT_THAT(NiceTicks(0, 1000, 5), ElementsAre(0, 200, 400, 600, 800, 1000));
  EXPECT_THAT(NiceTicks(0, 7, 5), ElementsAre(0, 2, 4, 6));
  EXPECT_THAT(NiceTicks(3, 3, 5), ElementsAre(3));
  EXPECT_THAT(LogTicks(1, 10000), ElementsAre(1, 10, 100, 1000, 10000));
  EXPECT_THAT(LogTicks(100, 1000), ElementsAre(100, 200, 500, 1000));
  EXPECT_TRUE(LogTicks(0, 10).empty());
}

TEST(CountPathPoints, CountsMoveAndLineCommands) {
  EXPECT_EQ(CountPathPoints(""), 0);
  EXPECT_EQ(CountPathPoints("M1 2 L3 4 L5 6"), 3);
}

TEST(SvgChart, AlertBandsAreRedAndLabelledBelowThePhases) {
  Chart c = TwoSeries();
  c.bands.push_back({5, 8, "firing: TargetStalls", true});
  const std::string svg = RenderSvgChart(c);
  EXPECT_THAT(svg, HasSubstr("<rect class=\"band alert\""));
  EXPECT_THAT(svg, HasSubstr("<title>firing: TargetStalls</title>"));
  EXPECT_THAT(svg, HasSubstr("class=\"alert-label\""));
  EXPECT_THAT(svg, HasSubstr("class=\"band b0\""));  // the phases keep their colours
}

}  // namespace
}  // namespace vitals
