// The HTML report: sections, charts with data, incomplete / failed banners, and escaping of
// every target- or user-controlled text.
#include "report/html_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "report/report_test_util.h"
#include "report/svg_chart.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::MakeStart;
using testing::MakeSyntheticResult;
using ::testing::Not;
using testing::StoreCompletedRun;
using testing::StoreIncompleteRun;
using testing::SyntheticSpec;
using testing::TempDir;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// Per chart id: the number of points in each of its data paths.
std::vector<int> ChartPaths(const std::string& html, const std::string& id) {
  const size_t start = html.find("<figure class=\"chart\" id=\"" + id + "\"");
  if (start == std::string::npos) return {};
  const size_t end = html.find("</figure>", start);
  const std::string fig = html.substr(start, end - start);
  std::vector<int> out;
  for (const std::string& d : testing::DataPathsIn(fig)) out.push_back(CountPathPoints(d));
  return out;
}

class HtmlReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.File("r.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_.emplace(std::move(s).value());
  }
  ReportData Load(const std::string& id) {
    auto d = LoadReportData(*store_, id);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? std::move(d).value() : ReportData{};
  }
  TempDir dir_;
  std::optional<Store> store_;
};

TEST_F(HtmlReportTest, CompletedRunHasEverySectionAndChartsWithData) {
  SyntheticSpec spec;
  const LoadResult r = MakeSyntheticResult(spec);
  const std::string id = StoreCompletedRun(*store_, r, MakeStart(1'700'000'000'000),
                                           testing::SampleThresholdsJson(), "fail");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(store_->SetFindings(id, testing::HostileFindingsJson()).ok());
  const std::string html = RenderHtmlReport(Load(id));

  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(Lower(html), Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("http-equiv=\"refresh\"")));
  for (const char* section :
       {"id=\"thresholds\"", "id=\"findings\"", "id=\"charts\"", "id=\"latency\"", "id=\"phases\"",
        "id=\"status\"", "id=\"environment\""}) {
    EXPECT_THAT(html, HasSubstr(section));
  }
  // Latency over time: p50/p95/p99 corrected and uncorrected, one point per interval.
  const auto latency = ChartPaths(html, "chart-latency");
  ASSERT_EQ(latency.size(), 6u);
  for (int n : latency) EXPECT_EQ(n, spec.seconds);
  // Throughput and errors.
  const auto throughput = ChartPaths(html, "chart-throughput");
  ASSERT_EQ(throughput.size(), 2u);
  for (int n : throughput) EXPECT_EQ(n, spec.seconds);
  // HDR percentile plot: corrected and uncorrected, many percentile steps each.
  const auto dist = ChartPaths(html, "chart-distribution");
  ASSERT_EQ(dist.size(), 2u);
  for (int n : dist) EXPECT_GE(n, 20);
  EXPECT_THAT(html, HasSubstr(">99.9%</text>"));
  // Phase bands with names, on both time charts.
  EXPECT_EQ(Count(html, ">ramp</text>"), 2u);
  EXPECT_EQ(Count(html, ">spike</text>"), 2u);
  // Verdicts, status codes, findings, environment.
  EXPECT_THAT(html, HasSubstr("<code>p(95)&lt;500ms</code>"));
  EXPECT_THAT(html, HasSubstr("worst 8-11s, 3 of 10 failed"));
  EXPECT_THAT(html, HasSubstr("1 of 3 thresholds passed"));
  EXPECT_THAT(html, HasSubstr("thresholds failed"));
  EXPECT_THAT(html, HasSubstr("<code>503</code>"));
  EXPECT_THAT(html, HasSubstr("<code>timeout</code>"));
  EXPECT_THAT(html, HasSubstr("<a href=\"docs/runbooks/host.md#cpu-busy\">"));
  EXPECT_THAT(html, HasSubstr("0.1.0-test"));
  EXPECT_THAT(html, HasSubstr("<code>commit=abc123</code>"));
  EXPECT_THAT(html, HasSubstr("@media print"));
  EXPECT_THAT(html, Not(HasSubstr("Incomplete run")));
}

TEST_F(HtmlReportTest, HostileNamesAreEscapedEverywhere) {
  const LoadResult r = MakeSyntheticResult(testing::HostileSpec());
  const std::string id = StoreCompletedRun(*store_, r, testing::HostileStart(1'700'000'000'000),
                                           testing::SampleThresholdsJson(), "fail");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(store_->SetFindings(id, testing::HostileFindingsJson()).ok());
  const std::string html = RenderHtmlReport(Load(id));
  const std::string lower = Lower(html);

  EXPECT_THAT(lower, Not(HasSubstr("<script")));
  EXPECT_THAT(lower, Not(HasSubstr("<img")));
  EXPECT_THAT(lower, Not(HasSubstr("<b>seed")));
  EXPECT_THAT(lower, Not(HasSubstr("href=\"javascript")));
  // One <title> in the head; the others are the band tooltips inside the SVG.
  const std::string head = lower.substr(0, lower.find("</head>"));
  EXPECT_EQ(Count(head, "<title>"), 1u);
  EXPECT_EQ(Count(head, "</title>"), 1u);
  EXPECT_EQ(Count(lower, "<title>"), Count(lower, "</title>"));
  EXPECT_EQ(Count(lower, "</style>"), 1u);
  EXPECT_EQ(Count(lower, "</pre>"), 1u);
  // The text is there, shown as typed.
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));       // target
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(2)&lt;/script&gt;"));       // phase
  EXPECT_THAT(html, HasSubstr("&quot;quotes&quot; &amp; &#39;apos&#39;"));     // phase
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(4)&lt;/script&gt;"));       // request
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(5)&gt;"));          // tag
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(6)&lt;/script&gt; slow"));  // finding
  EXPECT_THAT(html, HasSubstr("a &lt; b &amp; c &gt; d"));                     // evidence
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(10)&lt;/script&gt;"));      // config
  // The javascript: runbook is shown, not linked.
  EXPECT_THAT(html, HasSubstr("<dd><code>javascript:alert(8)</code></dd>"));
  // Attribute values never hold a raw quote from the data.
  int attrs = 0;
  const std::string key = "data-series=\"";
  for (size_t at = html.find(key); at != std::string::npos; at = html.find(key, at + 1)) {
    ++attrs;
    const std::string value =
        html.substr(at + key.size(), html.find('"', at + key.size()) - at - key.size());
    EXPECT_THAT(value, Not(HasSubstr("'")));
    EXPECT_THAT(value, Not(HasSubstr("<")));
  }
  EXPECT_GT(attrs, 0);
}

TEST_F(HtmlReportTest, IncompleteRunHasABannerAndChartsFromItsIntervals) {
  const LoadResult r = MakeSyntheticResult({});
  const std::string id = StoreIncompleteRun(*store_, r, MakeStart(1'700'000'000'000), 6);
  ASSERT_FALSE(id.empty());
  const std::string html = RenderHtmlReport(Load(id));
  EXPECT_THAT(html, HasSubstr("<strong>Incomplete run.</strong>"));
  EXPECT_THAT(html, HasSubstr("the 6 intervals it stored"));
  EXPECT_THAT(html, HasSubstr("badge warn\">incomplete"));
  EXPECT_THAT(html, HasSubstr("Not evaluated: the run never completed."));
  const auto latency = ChartPaths(html, "chart-latency");
  ASSERT_EQ(latency.size(), 6u);
  for (int n : latency) EXPECT_EQ(n, 6);
  ASSERT_EQ(ChartPaths(html, "chart-distribution").size(), 2u);
}

TEST_F(HtmlReportTest, FailedRunShowsItsReasonEscaped) {
  const LoadResult r = MakeSyntheticResult({});
  const std::string id = StoreIncompleteRun(*store_, r, MakeStart(1'700'000'000'000), 3);
  ASSERT_TRUE(store_->MarkFailed(id, "target said <script>alert('x')</script>").ok());
  const std::string html = RenderHtmlReport(Load(id));
  EXPECT_THAT(html, HasSubstr("<strong>Failed run.</strong> target said "
                              "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
  EXPECT_THAT(Lower(html), Not(HasSubstr("<script")));
}

TEST_F(HtmlReportTest, EmptyRunRendersNoDataInsteadOfEmptyPlots) {
  auto id = store_->BeginRun(MakeStart(1'700'000'000'000));
  ASSERT_TRUE(id.ok());
  const std::string html = RenderHtmlReport(Load(*id));
  EXPECT_EQ(Count(html, "no data"), 3u);
  EXPECT_TRUE(ChartPaths(html, "chart-latency").empty());
}

TEST_F(HtmlReportTest, SameRunSameBytes) {
  const std::string id =
      StoreCompletedRun(*store_, MakeSyntheticResult({}), MakeStart(1'700'000'000'000));
  EXPECT_EQ(RenderHtmlReport(Load(id)), RenderHtmlReport(Load(id)));
}

}  // namespace
}  // namespace vitals
