#include "report/sut_charts.h"

#include <gtest/gtest.h>

#include "report/svg_chart.h"

namespace vitals {
namespace {

ReportData Observed() {
  ReportData d;
  d.phase_spans = {{"steady", 0, 20}, {"spike", 20, 30}};
  StoredSeries s;
  s.name = "cache_hit_ratio";
  s.subject = "items";
  s.component = "prometheus";
  s.unit = "ratio";
  for (int i = 0; i < 30; ++i) s.points.emplace_back(double(i), i < 21 ? 0.95 : 0.4);
  d.series = {s};
  ReportFinding f;
  f.id = "prom.cache_hit_ratio";
  f.component = "prometheus";
  f.level = "critical";
  f.priority = "P2";
  f.title = "Application cache 'items' hit ratio 40.0%";
  f.onset_s = 21;
  f.end_s = 29;
  f.active_at_end = true;
  f.phase = "spike";
  f.kind = "rule";
  f.cause_candidate = true;
  d.findings = {f};
  ReportFinding once = f;  // a one-time check's finding has no onset
  once.onset_s = -1;
  once.id = "host.cpu.busy";
  d.findings.push_back(once);
  return d;
}

TEST(SystemUnderTest, ChartPerSeriesWithPhasesAndTheFindingAsASpan) {
  auto charts = SystemUnderTestCharts(Observed());
  ASSERT_EQ(charts.size(), 1u);
  const Chart& c = charts[0];
  EXPECT_EQ(c.title, "cache_hit_ratio{items} (ratio)");
  ASSERT_EQ(c.bands.size(), 3u);  // two phases, one finding span
  EXPECT_TRUE(c.bands[2].alert);
  EXPECT_DOUBLE_EQ(c.bands[2].x0, 21);
  EXPECT_DOUBLE_EQ(c.bands[2].x1, 29);
  EXPECT_EQ(c.series[0].points.size(), 30u);
}

// A ratio's axis ends at 100 %: before, the headroom rounded it up to a 150 % tick.
TEST(SystemUnderTest, RatioAxisEndsAtOneHundredPercent) {
  const std::string svg = RenderSvgChart(SystemUnderTestCharts(Observed())[0]);
  EXPECT_NE(svg.find(">100%<"), std::string::npos) << svg;
  EXPECT_EQ(svg.find(">150%<"), std::string::npos) << svg;
  EXPECT_EQ(svg.find(">120%<"), std::string::npos) << svg;
}

TEST(SystemUnderTest, HtmlAndMarkdownListOnlyObservedFindings) {
  const ReportData d = Observed();
  const std::string html = SystemUnderTestHtml(d);
  EXPECT_NE(html.find("id=\"system-under-test\""), std::string::npos);
  EXPECT_NE(html.find("21.0s - end"), std::string::npos) << html;
  EXPECT_NE(html.find("began before the latency rose"), std::string::npos);
  EXPECT_EQ(html.find("host.cpu.busy"), std::string::npos);
  const std::string md = SystemUnderTestMarkdown(d);
  EXPECT_NE(md.find("### System under test"), std::string::npos);
  EXPECT_NE(md.find("began in phase spike (cause candidate)"), std::string::npos) << md;
  EXPECT_NE(md.find("| `cache_hit_ratio{items}` | ratio | 0.4 | "), std::string::npos) << md;
  EXPECT_EQ(SystemUnderTestHtml(ReportData{}), "");
  EXPECT_EQ(SystemUnderTestMarkdown(ReportData{}), "");
}

}  // namespace
}  // namespace vitals
