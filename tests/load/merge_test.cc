#include "load/merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "load/engine.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;

// A segment result as `vitals load --segment I/N --json` writes it: known latencies,
// counters, one phase and two 1 s intervals.
LoadResult SegmentRun(int index, int count, int64_t base_us) {
  LoadResult r;
  r.run_id = "seg" + std::to_string(index);
  r.target = "http://127.0.0.1:8080/";
  r.method = "GET";
  r.model = "open";
  r.threads = 2;
  r.pipeline = 16;
  r.pipeline_timing = "batch";
  r.started_unix_ms = 1'796'533'200'000;
  r.duration_s = 2.0 + 0.01 * index;
  r.planned_s = 2;
  r.segment_index = index;
  r.segment_count = count;
  r.segment_host = "gen-" + std::to_string(index);
  r.planned_requests = 100;
  r.scenario_name = "url";
  r.scenario_fingerprint = "0123456789abcdef";
  auto interval = Histogram::Create(IntervalHistogramConfig(10'000'000'000));
  PhaseResult phase;
  phase.name = "main";
  phase.model = "open";
  for (int s = 0; s < 2; ++s) {
    IntervalSample x;
    x.start_s = s;
    x.length_s = 1;
    x.phase = "main";
    x.latency_corrected = *interval;
    x.latency_uncorrected = *interval;
    for (int i = 0; i < 50; ++i) {
      const int64_t v = base_us + i * 10 + s;
      r.latency_corrected.Record(v);
      r.latency_uncorrected.Record(v / 2);
      x.latency_corrected.Record(v);
      x.latency_uncorrected.Record(v / 2);
      phase.latency_corrected.Record(v);
      phase.latency_uncorrected.Record(v / 2);
    }
    x.requests = 50;
    x.errors = uint64_t(index);
    r.intervals.push_back(std::move(x));
  }
  phase.requests = 100;
  phase.errors = uint64_t(2 * index);
  r.phases.push_back(std::move(phase));
  r.requests = 100;
  r.completed = 100;
  r.errors = uint64_t(2 * index);
  r.status_codes[200] = 100 - r.errors;
  if (index) r.status_codes[500] = r.errors;
  r.late_sends = uint64_t(index);
  r.rate_asked = 50;
  r.rate_achieved = 50;
  return r;
}

Result<SegmentResult> RoundTrip(const LoadResult& r) {
  return SegmentFromJson(ToJson(r), "seg" + std::to_string(r.segment_index + 1) + ".json");
}

TEST(Merge, AddsHistogramsCountersAndIntervalsExactly) {
  std::vector<SegmentResult> segs;
  Histogram expected;
  for (int i = 0; i < 3; ++i) {
    LoadResult r = SegmentRun(i, 3, 1000 * (i + 1));
    ASSERT_TRUE(AddInto(&expected, r.latency_corrected).ok());
    auto s = RoundTrip(r);
    ASSERT_TRUE(s.ok()) << s.status().message();
    segs.push_back(std::move(s).value());
  }
  auto m = MergeSegments(segs);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->requests, 300u);
  EXPECT_EQ(m->errors, 0u + 2 + 4);
  EXPECT_EQ(m->late_sends, 0u + 1 + 2);
  EXPECT_EQ(m->status_codes[200], 294u);
  EXPECT_EQ(m->status_codes[500], 6u);
  EXPECT_DOUBLE_EQ(m->rate_asked, 150);
  EXPECT_EQ(m->threads, 6);
  EXPECT_EQ(m->pipeline, 16);
  EXPECT_EQ(m->pipeline_timing, "batch");
  EXPECT_DOUBLE_EQ(m->duration_s, 2.02);
  EXPECT_EQ(m->latency_corrected.TotalCount(), expected.TotalCount());
  for (double p : {50.0, 90.0, 99.0, 100.0}) {
    EXPECT_EQ(m->latency_corrected.ValueAtPercentile(p), expected.ValueAtPercentile(p)) << p;
  }
  EXPECT_EQ(m->latency_corrected.Max(), expected.Max());
  ASSERT_EQ(m->phases.size(), 1u);
  EXPECT_EQ(m->phases[0].requests, 300u);
  EXPECT_EQ(m->phases[0].latency_corrected.TotalCount(), 300);
  ASSERT_EQ(m->intervals.size(), 2u);
  EXPECT_EQ(m->intervals[0].requests, 150u);
  EXPECT_EQ(m->intervals[1].errors, 0u + 1 + 2);
  EXPECT_EQ(m->intervals[1].latency_corrected.TotalCount(), 150);
  ASSERT_EQ(m->segments.size(), 3u);
  EXPECT_EQ(m->segments[2].host, "gen-2");
  EXPECT_EQ(m->segments[2].run_id, "seg2");
  EXPECT_EQ(m->segment_count, 1);
  auto j = nlohmann::json::parse(ToJson(*m));
  EXPECT_FALSE(j.contains("hdr")) << "a merged run is not a segment";
  EXPECT_EQ(j["segments"][1]["number"], 2);
}

TEST(Merge, CarriesTheSegmentsThresholds) {
  LoadResult r = SegmentRun(0, 2, 1000);
  r.thresholds_json = R"([{"expr":"p(99)<50ms","ok":true}])";
  auto s = RoundTrip(r);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->threshold_exprs.size(), 1u);
  EXPECT_EQ(s->threshold_exprs[0], "p(99)<50ms");
}

TEST(Merge, RefusesWhatIsNotOnePlan) {
  auto seg = [](int i, int n) { return *RoundTrip(SegmentRun(i, n, 1000)); };
  auto missing = MergeSegments({seg(0, 3), seg(2, 3)});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("segment 2/3 missing"));
  auto twice = MergeSegments({seg(0, 2), seg(0, 2)});
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(), HasSubstr("given twice"));
  auto counts = MergeSegments({seg(0, 2), seg(1, 3)});
  ASSERT_FALSE(counts.ok());
  EXPECT_THAT(counts.status().message(), HasSubstr("not the segments of one plan"));
  SegmentResult other = seg(1, 2);
  other.result.scenario_fingerprint = "fedcba9876543210";
  auto plan = MergeSegments({seg(0, 2), other});
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("another plan"));
  SegmentResult late = seg(1, 2);
  late.result.started_unix_ms += 1500;
  auto zero = MergeSegments({seg(0, 2), late});
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(zero.status().message(), HasSubstr("--start-at"));
}

TEST(Merge, AllowMissingMarksTheRunPartial) {
  std::vector<SegmentResult> segs = {*RoundTrip(SegmentRun(0, 4, 1000)),
                                     *RoundTrip(SegmentRun(1, 4, 1000)),
                                     *RoundTrip(SegmentRun(3, 4, 1000))};
  MergeOptions o;
  o.allow_missing = true;
  std::vector<int> missing;
  auto m = MergeSegments(segs, o, &missing);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->requests, 300u);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0], 2);
  EXPECT_STREQ(ResultStatus(*m), "interrupted");
  auto j = nlohmann::json::parse(MergedJson(*m, missing, 4));
  EXPECT_EQ(j["partial"]["missing_segments"][0], 3);
  EXPECT_DOUBLE_EQ(j["partial"]["missing_share"].get<double>(), 0.25);
}

TEST(Merge, RefusesAResultThatIsNotASegment) {
  LoadResult whole = SegmentRun(0, 1, 1000);  // count 1: no "segment", no "hdr"
  auto s = SegmentFromJson(ToJson(whole), "run.json");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("run.json: not a segment result"));
  auto bad = SegmentFromJson("{not json", "x.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("x.json: not a vitals result JSON"));
}

}  // namespace
}  // namespace vitals
