// A run in which nothing succeeded has no latency: every rendering says "-" (JSON null),
// never "0.00us" (issue 19).  Golden text for the end-of-run summary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/html_report.h"
#include "report/load_summary.h"
#include "report/markdown_report.h"
#include "report/report_charts.h"
#include "report/report_data.h"
#include "report/report_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::MakeStart;
using ::testing::Not;
using testing::TempDir;

// 2 s against a refusing port with a two-request mix, two phases: every request failed.
LoadResult NothingSucceeded() {
  LoadResult r;
  r.run_id = "20261206T011500-abcd";
  r.target = "http://127.0.0.1:8080/";
  r.method = "mixed";
  r.model = "closed";
  r.threads = 1;
  r.connections = 4;
  r.max_connections = 4;
  r.started_unix_ms = 1'700'000'000'000;
  r.duration_s = 5.1;
  r.planned_s = 100;
  r.interrupted = true;
  r.requests = r.errors = 4000;
  r.error_rate = 1;
  r.connections_opened = 0;
  r.connections_failed = 4000;
  r.errors_by_kind = {{"connect_refused", 4000}};
  r.failure = "no request succeeded in 5 s: connection refused by 127.0.0.1:8080";
  for (const char* phase : {"warm", "steady"}) {
    PhaseResult p;
    p.name = phase;
    p.duration_s = 50;
    p.level_start = p.level_end = 4;
    p.model = "closed";
    p.requests = p.errors = 2000;
    r.phases.push_back(std::move(p));
  }
  for (int s = 0; s < 5; ++s) {
    for (const char* request : {"", "home", "login"}) {
      IntervalSample x;
      x.start_s = s;
      x.phase = "warm";
      x.request = request;
      x.requests = x.errors = *request ? 400 : 800;
      r.intervals.push_back(std::move(x));
    }
  }
  return r;
}

TEST(NoLatency, SummaryGolden) {
  EXPECT_EQ(
      FormatLoadSummary(NothingSucceeded()),
      "vitals load mixed http://127.0.0.1:8080/  run 20261206T011500-abcd\n"
      "  model closed: 4 connections, 1 threads\n"
      "  duration 5.10s (stopped: no request succeeded)   requests 4000   achieved 0.0 req/s\n"
      "  errors 4000 (100.00%)   late sends 0   dropped 0\n"
      "  connections opened 0, failed 4000, max in flight 0\n"
      "  environment: not measured\n"
      "\n"
      "  latency              p50       p90       p95       p99     p99.9       max      mean\n"
      "  total                  -\n"
      "  connect                -\n"
      "  first byte             -\n"
      "  errors by kind: connect_refused=4000\n"
      "\n"
      "  phase         requests   errors       p50       p95       p99\n"
      "  warm              2000     2000         -         -         -\n"
      "  steady            2000     2000         -         -         -\n");
}

TEST(NoLatency, JsonIsNullNotZero) {
  auto j = nlohmann::json::parse(ToJson(NothingSucceeded()));
  EXPECT_EQ(j["status"], "failed");
  EXPECT_EQ(j["failure"], "no request succeeded in 5 s: connection refused by 127.0.0.1:8080");
  for (const char* key : {"latency_us", "latency_uncorrected_us"}) {
    EXPECT_EQ(j[key]["count"], 0) << key;
    for (const char* p : {"p50", "p90", "p95", "p99", "p999", "max", "min", "mean", "stddev"}) {
      EXPECT_TRUE(j[key][p].is_null()) << key << "." << p << " = " << j[key][p];
    }
  }
  EXPECT_TRUE(j["timing_us"]["connect"]["p50"].is_null());
  EXPECT_TRUE(j["phases"][0]["latency_us"]["p95"].is_null());
  EXPECT_TRUE(j["intervals"][0]["latency_us"].is_null());
}

class NoLatencyReport : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open(dir_.File("r.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    LoadResult r = NothingSucceeded();
    auto id = store->BeginRun(MakeStart(r.started_unix_ms, r.target));
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->CompleteRun(*id, r, "", "").ok());
    auto d = LoadReportData(*store, *id);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    data_ = std::move(d).value();
  }
  TempDir dir_;
  ReportData data_;
};

TEST_F(NoLatencyReport, MarkdownSaysDash) {
  const std::string md = RenderMarkdownReport(data_);
  EXPECT_THAT(md, HasSubstr("| corrected | 0 | - | - | - | - | - | - | - |"));
  EXPECT_THAT(md, HasSubstr("| 2000 | 2000 | 0 | - | - | - |"));  // each phase
  EXPECT_THAT(md, HasSubstr("| home | 2000 | 2000 | - | - | - |"));
  EXPECT_THAT(md, HasSubstr("| login | 2000 | 2000 | - | - | - |"));
  EXPECT_THAT(md, Not(HasSubstr("0.00us")));
  EXPECT_THAT(md, Not(HasSubstr("nan")));
}

TEST_F(NoLatencyReport, HtmlSaysDash) {
  const std::string html = RenderHtmlReport(data_);
  EXPECT_THAT(html, HasSubstr("<span class=\"v\">-</span><span class=\"k\">p95 latency</span>"));
  EXPECT_THAT(html, HasSubstr("<th>corrected (from intended send)</th><td class=\"num\">0</td>"
                              "<td class=\"num\">-</td>"));
  EXPECT_THAT(html, HasSubstr("<th>home</th><td class=\"num\">2000</td><td class=\"num\">2000</td>"
                              "<td class=\"num\">-</td>"));
  EXPECT_THAT(html, Not(HasSubstr("0.00us")));
  EXPECT_THAT(html, Not(HasSubstr(">nan<")));
}

TEST_F(NoLatencyReport, ChartsDrawNoLatencyWhereNothingSucceeded) {
  ASSERT_EQ(data_.timeline.size(), 5u);
  for (const TimelinePoint& p : data_.timeline) EXPECT_FALSE(p.has_latency);
  const Chart latency = LatencyOverTimeChart(data_);
  ASSERT_FALSE(latency.series.empty());
  for (const ChartSeries& s : latency.series) EXPECT_TRUE(s.points.empty()) << s.name;
  // Throughput still shows what happened: 800 requests/s, all errors.
  const Chart throughput = ThroughputChart(data_);
  ASSERT_EQ(throughput.series.size(), 2u);
  ASSERT_EQ(throughput.series[1].points.size(), 5u);
  EXPECT_DOUBLE_EQ(throughput.series[1].points[0].y, 800.0);
}

}  // namespace
}  // namespace vitals
