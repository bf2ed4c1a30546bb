// ReportData from stored runs: the timeline (corrected and uncorrected percentiles per
// interval), phase spans, named requests, stored verdicts and findings.
#include "report/report_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "report/report_test_util.h"

namespace vitals {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeStart;
using testing::MakeSyntheticResult;
using testing::StoreCompletedRun;
using testing::StoreIncompleteRun;
using testing::SyntheticSpec;
using testing::TempDir;

TEST(ReportData, TimelineMatchesTheIntervalHistograms) {
  TempDir dir;
  auto store = Store::Open(dir.File("r.db"));
  ASSERT_TRUE(store.ok());
  SyntheticSpec spec;
  spec.requests = {"login", "search"};
  const LoadResult r = MakeSyntheticResult(spec);
  const std::string id = StoreCompletedRun(*store, r, MakeStart(1'700'000'000'000),
                                           testing::SampleThresholdsJson(), "fail");
  ASSERT_FALSE(id.empty());
  auto d = LoadReportData(*store, id);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->timeline.size(), size_t(spec.seconds));
  size_t k = 0;
  for (const IntervalSample& s : r.intervals) {
    if (!s.request.empty()) continue;
    const TimelinePoint& p = d->timeline[k++];
    EXPECT_EQ(p.start_s, s.start_s);
    EXPECT_EQ(p.phase, s.phase);
    EXPECT_EQ(p.requests, s.requests);
    EXPECT_EQ(p.errors, s.errors);
    EXPECT_TRUE(p.has_uncorrected);
    EXPECT_EQ(p.p99_us, double(s.latency_corrected.ValueAtPercentile(99)));
    EXPECT_EQ(p.u_p50_us, double(s.latency_uncorrected.ValueAtPercentile(50)));
    EXPECT_LE(p.u_p50_us, p.p50_us);  // uncorrected never exceeds corrected here
  }
  // The spike phase is slower, and the timeline shows it.
  EXPECT_GT(d->timeline.back().p50_us, 4 * d->timeline.front().p50_us);
  ASSERT_EQ(d->phase_spans.size(), 3u);
  EXPECT_EQ(d->phase_spans[0].name, "ramp");
  EXPECT_EQ(d->phase_spans[0].start_s, 0);
  EXPECT_EQ(d->phase_spans[0].end_s, 4);
  EXPECT_EQ(d->phase_spans[2].name, "spike");
  EXPECT_EQ(d->phase_spans[2].end_s, 12);
  ASSERT_EQ(d->requests.size(), 2u);
  EXPECT_EQ(d->requests[0].name, "login");
  EXPECT_EQ(d->requests[1].name, "search");
  EXPECT_GT(d->requests[1].p50_us, d->requests[0].p50_us);
  ASSERT_EQ(d->thresholds.size(), 3u);
  EXPECT_EQ(d->thresholds[0].value_text, "4.20ms");
  EXPECT_EQ(d->thresholds[1].value_text, "2.1%");
  EXPECT_FALSE(d->thresholds[1].ok);
  ASSERT_TRUE(d->thresholds[2].window.has_value());
  EXPECT_EQ(d->thresholds[2].windows_failed, 3);
  EXPECT_EQ(ThresholdLimitText(d->thresholds[0]), "< 500ms");
  EXPECT_TRUE(d->warnings.empty());
  EXPECT_EQ(d->result.requests, r.requests);
}

TEST(ReportData, TwoPhasesInOneSlotMergeIntoOnePoint) {
  TimelineBuilder b;
  IntervalSample a, c;
  a.start_s = c.start_s = 3;
  a.phase = "ramp";
  c.phase = "steady";
  a.requests = 10;
  c.requests = 30;
  for (int i = 0; i < 10; ++i) a.latency_corrected.Record(100), a.latency_uncorrected.Record(90);
  for (int i = 0; i < 30; ++i) c.latency_corrected.Record(900), c.latency_uncorrected.Record(800);
  b.Add(a);
  b.Add(c);
  std::vector<TimelinePoint> t;
  std::vector<RequestRow> rows;
  b.Finish(&t, &rows);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].requests, 40u);
  EXPECT_EQ(t[0].phase, "steady");  // the phase with most requests
  EXPECT_NEAR(t[0].p95_us, 900, 1);
  EXPECT_NEAR(t[0].u_p50_us, 800, 1);
  EXPECT_TRUE(rows.empty());
}

// The engine's interval histograms have their own layout (2 significant figures, highest
// value from the timeout), unlike a default Histogram; a mixed one is merged too.
TEST(ReportData, IntervalHistogramsOfTheEngineLayout) {
  const HistogramConfig engine{1, 21'000'000, 2};
  auto make = [](const HistogramConfig& cfg, double start, const std::string& request, int64_t us) {
    IntervalSample s;
    s.start_s = start;
    s.request = request;
    s.requests = 100;
    s.latency_corrected = *Histogram::Create(cfg);
    s.latency_uncorrected = *Histogram::Create(cfg);
    for (int i = 0; i < 100; ++i) {
      s.latency_corrected.Record(us);
      s.latency_uncorrected.Record(us / 2);
    }
    return s;
  };
  TimelineBuilder b;
  b.Add(make(engine, 0, "", 2000));
  b.Add(make(engine, 1, "", 4000));
  b.Add(make(HistogramConfig{}, 1, "", 4000));  // same slot, default layout
  b.Add(make(engine, 1, "login", 8000));
  std::vector<TimelinePoint> t;
  std::vector<RequestRow> rows;
  b.Finish(&t, &rows);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_NEAR(t[0].p50_us, 2000, 2000 * 0.01);
  EXPECT_NEAR(t[0].u_p99_us, 1000, 1000 * 0.01);
  EXPECT_EQ(t[1].requests, 200u);
  EXPECT_NEAR(t[1].p99_us, 4000, 4000 * 0.01);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NEAR(rows[0].p95_us, 8000, 8000 * 0.01);
}

TEST(ReportData, IncompleteRunTimelineFromItsIntervals) {
  TempDir dir;
  auto store = Store::Open(dir.File("r.db"));
  ASSERT_TRUE(store.ok());
  const LoadResult r = MakeSyntheticResult({});
  const std::string id = StoreIncompleteRun(*store, r, MakeStart(1'700'000'000'000), 5);
  ASSERT_FALSE(id.empty());
  auto d = LoadReportData(*store, id);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->incomplete());
  EXPECT_EQ(d->timeline.size(), 5u);
  EXPECT_TRUE(d->result.interrupted);
  EXPECT_GT(d->result.latency_corrected.TotalCount(), 0);
  EXPECT_TRUE(d->thresholds.empty());
  ASSERT_EQ(d->phase_spans.size(), 2u);  // ramp (0-4 s) and the first second of steady
  EXPECT_EQ(d->phase_spans[1].name, "steady");
}

TEST(ReportData, SummariesOnlyTimelineHasNoUncorrected) {
  TempDir dir;
  auto store = Store::Open(dir.File("r.db"));
  ASSERT_TRUE(store.ok());
  const std::string id =
      StoreCompletedRun(*store, MakeSyntheticResult({}), MakeStart(1'700'000'000'000));
  auto run = store->GetRun(id);  // no decoded intervals
  ASSERT_TRUE(run.ok());
  const ReportData d = MakeReportData(*run);
  ASSERT_EQ(d.timeline.size(), 12u);
  EXPECT_FALSE(d.timeline[0].has_uncorrected);
  EXPECT_GT(d.timeline[0].p95_us, 0);
}

TEST(ReportData, FindingsAndBadDocumentsBecomeWarnings) {
  std::vector<std::string> warnings;
  auto f = ParseFindings(R"({"findings": [{"id": "a.b", "level": "critical", "priority": "P1",
      "title": "t", "value": 3.5}], "summary": {}})",
                         &warnings);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "a.b");
  EXPECT_EQ(f[0].priority, "P1");
  EXPECT_TRUE(warnings.empty());
  EXPECT_TRUE(ParseFindings(R"({"summary": {}})", &warnings).empty());
  EXPECT_TRUE(warnings.empty());
  EXPECT_TRUE(ParseFindings("[1]", &warnings).empty());
  EXPECT_THAT(warnings, ElementsAre(HasSubstr("not a `vitals check --format json` document")));
  warnings.clear();
  EXPECT_TRUE(ParseThresholds("{}", &warnings).empty());
  EXPECT_THAT(warnings, ElementsAre(HasSubstr("not a JSON array")));
}

TEST(ReportData, AlertSpansFromStoredChanges) {
  auto change = [](int64_t t, const char* from, const char* to, const char* instance) {
    StoredAlert a;
    a.t_unix_ms = 1'700'000'000'000 + t;
    a.alert = "TargetStalls";
    a.from = from;
    a.to = to;
    a.labels_json = std::string(R"({"alertname":"TargetStalls","instance":")") + instance + "\"}";
    return a;
  };
  const std::vector<StoredAlert> alerts = {
      change(1'000, "inactive", "pending", "a"), change(2'000, "pending", "firing", "a"),
      change(3'500, "inactive", "firing", "b"), change(6'000, "firing", "inactive", "a")};
  const auto spans = ComputeAlertSpans(alerts, 1'700'000'000'000, 10.0);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].alert, "TargetStalls");
  EXPECT_EQ(spans[0].labels, "{instance=\"a\"}");
  EXPECT_DOUBLE_EQ(spans[0].start_s, 2.0);
  EXPECT_DOUBLE_EQ(spans[0].end_s, 6.0);
  EXPECT_TRUE(spans[0].resolved);
  EXPECT_DOUBLE_EQ(spans[1].start_s, 3.5);
  EXPECT_DOUBLE_EQ(spans[1].end_s, 10.0);  // still firing at the end
  EXPECT_FALSE(spans[1].resolved);
}

}  // namespace
}  // namespace vitals
