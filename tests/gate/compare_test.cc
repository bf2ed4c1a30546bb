#include "gate/compare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gate/gate_test_util.h"
#include "gate/policy.h"

namespace vitals::gate {
namespace {

using ::testing::HasSubstr;
using testing::LoadSynth;
using testing::StoreSynthRun;
using testing::SynthRun;
using testing::TempDir;

class CompareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.File("v.db"));
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_.emplace(std::move(s).value());
  }
  RunData Make(const SynthRun& s) {
    SynthRun copy = s;
    copy.started_unix_ms += ++n_ * 1000;
    const std::string id = StoreSynthRun(*store_, copy);
    EXPECT_FALSE(id.empty());
    return LoadSynth(*store_, id);
  }
  TempDir dir_;
  std::optional<Store> store_;
  int n_ = 0;
};

TEST_F(CompareTest, SlowerCandidateIsASignificantRegression) {
  SynthRun base;
  base.seed = 1;
  SynthRun slow = base;
  slow.seed = 2;
  slow.base_us = 1300;
  const RunData a = Make(base), b = Make(slow);
  const Comparison c = Compare(a, b);
  const MetricComparison* p95 = c.Find(Metric::kP95);
  ASSERT_NE(p95, nullptr);
  EXPECT_EQ(p95->verdict, Verdict::kRegression);
  ASSERT_TRUE(p95->mann_whitney.has_value());
  EXPECT_LE(p95->mann_whitney->p_value, 0.01);
  EXPECT_GT(p95->effect_r, 0.9);  // every B interval above every A interval, near enough
  EXPECT_GT(p95->mann_whitney->hodges_lehmann, 0);
  EXPECT_NEAR(p95->delta_pct, 30, 8);
  EXPECT_EQ(p95->n_a, 10u);
  EXPECT_EQ(p95->n_b, 10u);
  // The bootstrap interval of the p95 difference excludes 0 on the slow side.
  ASSERT_TRUE(p95->bootstrap.has_value());
  EXPECT_GT(p95->bootstrap->low, 0);
  EXPECT_GE(p95->bootstrap->high, p95->bootstrap->low);
  // Throughput and error rate did not move.
  EXPECT_EQ(c.Find(Metric::kRate)->verdict, Verdict::kNoChange);
  EXPECT_EQ(c.Find(Metric::kErrorRate)->verdict, Verdict::kNoChange);
  // The other direction is an improvement.
  EXPECT_EQ(Compare(b, a).Find(Metric::kP95)->verdict, Verdict::kImprovement);
}

TEST_F(CompareTest, TwentyNoiseOnlyComparisonsGiveAtMostOneFalseAlarm) {
  const Policy policy = DefaultPolicy();
  int alarms = 0, regressions = 0;
  for (int i = 0; i < 20; ++i) {
    SynthRun a, b;
    a.seed = 1000 + 2 * uint64_t(i);
    b.seed = 1001 + 2 * uint64_t(i);
    CompareOptions options;
    options.alpha = policy.alpha;  // the default alpha
    options.bootstrap = false;
    const Comparison c = Compare(Make(a), Make(b), options);
    bool alarm = false;
    for (Metric m : {Metric::kP50, Metric::kP95, Metric::kP99, Metric::kMean}) {
      const MetricComparison* mc = c.Find(m);
      ASSERT_NE(mc, nullptr);
      ASSERT_NE(mc->verdict, Verdict::kNotTestable) << mc->not_testable_reason;
      if (mc->verdict != Verdict::kNoChange) alarm = true;
      regressions += mc->verdict == Verdict::kRegression;
    }
    alarms += alarm;
  }
  EXPECT_LE(alarms, 1) << "comparisons with any significant latency verdict";
  EXPECT_LE(regressions, 1);
}

TEST_F(CompareTest, RunsTooShortAreNotTestableAndSaySo) {
  SynthRun shorter;
  shorter.seconds = 2;
  SynthRun normal;
  normal.base_us = 3000;
  const RunData a = Make(shorter), b = Make(normal);
  const Comparison c = Compare(a, b);
  const MetricComparison* p95 = c.Find(Metric::kP95);
  EXPECT_EQ(p95->verdict, Verdict::kNotTestable);
  EXPECT_THAT(p95->not_testable_reason,
              HasSubstr("runs too short to test: A has 2 intervals, need at least 3"));
  EXPECT_FALSE(p95->mann_whitney.has_value());
  // The deltas are still there: a short run is not a silent "no change".
  EXPECT_GT(p95->delta_pct, 100);
}

TEST_F(CompareTest, RunsThatCouldNeverBeSignificantAreNotTestable) {
  SynthRun a;
  a.seconds = 4;
  SynthRun b = a;
  b.seed = 3;
  b.base_us = 5000;  // complete separation: still p = 2/70 > 0.01
  const RunData ra = Make(a), rb = Make(b);
  const Comparison strict = Compare(ra, rb);
  const MetricComparison* p50 = strict.Find(Metric::kP50);
  EXPECT_EQ(p50->verdict, Verdict::kNotTestable);
  EXPECT_THAT(p50->not_testable_reason,
              HasSubstr("runs too short to test at alpha 0.01: with 4 and 4 intervals the "
                        "smallest possible p-value is 0.029; need at least 5 intervals per side"));
  CompareOptions lenient;
  lenient.alpha = 0.05;
  lenient.bootstrap = false;
  const Comparison c = Compare(ra, rb, lenient);
  EXPECT_EQ(c.Find(Metric::kP50)->verdict, Verdict::kRegression);
}

TEST_F(CompareTest, PhasesAreComparedSeparately) {
  SynthRun a;
  a.seconds = 12;
  a.phases = {"ramp", "steady"};
  SynthRun b = a;
  b.seed = 9;
  const RunData ra = Make(a), rb = Make(b);
  const Comparison c = Compare(ra, rb);
  const MetricComparison* steady = c.Find(Metric::kP95, "steady");
  ASSERT_NE(steady, nullptr);
  EXPECT_EQ(steady->n_a, 6u);
  EXPECT_EQ(steady->n_b, 6u);
  EXPECT_NE(c.Find(Metric::kRate, "ramp"), nullptr);
  EXPECT_EQ(c.Find(Metric::kP95, "soak"), nullptr);
}

TEST_F(CompareTest, ErrorRateRiseIsARegressionInPoints) {
  SynthRun a;
  SynthRun b;
  b.seed = 5;
  b.error_rate = 0.05;
  const Comparison c = Compare(Make(a), Make(b));
  const MetricComparison* e = c.Find(Metric::kErrorRate);
  EXPECT_EQ(e->verdict, Verdict::kRegression);
  EXPECT_NEAR(e->delta, 0.05, 0.02);
  EXPECT_FALSE(e->has_delta_pct);  // from 0: no relative change
}

TEST_F(CompareTest, DifferentScenariosAreRefusedNamingBoth) {
  SynthRun a;
  SynthRun b;
  b.scenario = "checkout";
  b.fingerprint = "ffff0000ffff0000";
  const RunData ra = Make(a), rb = Make(b);
  const Status st = CheckSameScenario(ra, rb);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("scenario 'url' (fingerprint 00112233aabbccdd)"));
  EXPECT_THAT(st.message(), HasSubstr("scenario 'checkout' (fingerprint ffff0000ffff0000)"));
  EXPECT_THAT(st.message(), HasSubstr("--force"));
  EXPECT_TRUE(CheckSameScenario(ra, ra).ok());
  // A run that does not record its scenario cannot be checked; compare says so.
  SynthRun old;
  old.fingerprint = "";
  const Comparison c = Compare(ra, Make(old));
  EXPECT_TRUE(CheckSameScenario(ra, Make(old)).ok());
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_THAT(c.notes[0], HasSubstr("B does not record its scenario"));
}

TEST_F(CompareTest, UnknownRunNameListsHowToNameRuns) {
  Make(SynthRun{});
  auto r = LoadRun(&*store_, "nosuchrun");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("no run named 'nosuchrun'"));
  EXPECT_THAT(r.status().message(), HasSubstr("latest~N"));
  EXPECT_THAT(r.status().message(), HasSubstr("baseline:NAME"));
  EXPECT_THAT(r.status().message(), HasSubstr("result JSON file"));
  auto missing = LoadRun(&*store_, dir_.File("missing.json"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("missing.json' cannot be read"));
}

TEST(CompareJson, JsonRunWithoutIntervalsIsNotTestableAndSaysWhy) {
  const std::string a = R"({"run_id": "a1", "requests": 1000, "errors": 0, "error_rate": 0,
    "duration_s": 10, "rate": {"asked": 100, "achieved": 100},
    "latency_us": {"p50": 1000, "p95": 1500, "p99": 2000, "mean": 1100}})";
  auto ra = FromResultJson(a, "a.json");
  ASSERT_TRUE(ra.ok()) << ra.status().message();
  EXPECT_FALSE(ra->has_intervals);
  EXPECT_DOUBLE_EQ(ra->overall.p95_us, 1500);
  auto rb = ra;
  rb->label = "b.json";
  rb->overall.p95_us = 2000;
  const Comparison c = Compare(*ra, *rb);
  const MetricComparison* p95 = c.Find(Metric::kP95);
  EXPECT_EQ(p95->verdict, Verdict::kNotTestable);
  EXPECT_THAT(p95->not_testable_reason, HasSubstr("no per-interval samples"));
  EXPECT_THAT(p95->not_testable_reason, HasSubstr("Mann-Whitney test is unavailable"));
  EXPECT_NEAR(p95->delta_pct, 33.3, 0.1);
  EXPECT_FALSE(p95->bootstrap.has_value());
  EXPECT_THAT(p95->bootstrap_note, HasSubstr("no histograms"));
}

TEST(CompareJson, JsonRunWithIntervalsIsTested) {
  std::string intervals;
  for (int i = 0; i < 8; ++i) {
    intervals += fmt::format(
        R"({}{{"start_s": {}, "length_s": 1, "phase": "main", "request": "", "requests": 100,
        "errors": 0, "latency_us": {{"p50": {}, "p95": {}, "p99": {}, "mean": {}}}}})",
        i ? "," : "", i, 1000 + i, 1500 + 3 * i, 2000 + i, 1100 + i);
  }
  const std::string doc = R"({"run_id": "j1", "requests": 800, "error_rate": 0,
    "rate": {"achieved": 100}, "latency_us": {"p95": 1510}, "intervals": [)" +
                          intervals + "]}";
  auto a = FromResultJson(doc, "a.json");
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->intervals.size(), 8u);
  EXPECT_DOUBLE_EQ(a->intervals[2].p95_us, 1506);
  RunData b = *a;
  for (IntervalPoint& p : b.intervals) p.p95_us *= 1.5;
  b.overall.p95_us *= 1.5;
  const Comparison c = Compare(*a, b);
  const MetricComparison* p95 = c.Find(Metric::kP95);
  EXPECT_EQ(p95->verdict, Verdict::kRegression);
  EXPECT_LT(p95->mann_whitney->p_value, 0.001);
}

TEST(CompareJson, MalformedJsonNamesTheFileAndTheMissingKey) {
  auto bad = FromResultJson("{not json", "x.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("x.json: not a result JSON document"));
  auto missing = FromResultJson(R"({"requests": 1})", "y.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("y.json: result JSON lacks \"latency_us\""));
}

TEST_F(CompareTest, PoolingAddsHistogramsAndIntervals) {
  SynthRun s;
  const RunData a = Make(s);
  s.seed = 77;
  const RunData b = Make(s);
  auto g = PoolRuns({a, b}, "flag=on");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->runs, 2);
  EXPECT_EQ(g->intervals.size(), a.intervals.size() + b.intervals.size());
  EXPECT_EQ(g->overall.requests, a.overall.requests + b.overall.requests);
  ASSERT_TRUE(g->overall.latency.has_value());
  EXPECT_EQ(g->overall.latency->TotalCount(),
            a.overall.latency->TotalCount() + b.overall.latency->TotalCount());
  ASSERT_EQ(g->phases.size(), 1u);
  EXPECT_EQ(g->phases[0].requests, g->overall.requests);
  EXPECT_FALSE(PoolRuns({}, "flag=off").ok());
}

}  // namespace
}  // namespace vitals::gate

namespace vitals::gate {
namespace {

TEST(IntervalValues, DrainSliverAndEmptyIntervalsAreNotSamples) {
  RunData r;
  r.intervals = {{"main", 1, 200, 2, 1000, 1500, 2000, 1100},
                 {"main", 1, 0, 0, 0, 0, 0, 0},
                 {"main", 0.98, 196, 0, 1010, 1510, 2010, 1110},
                 {"main", 0.01, 2, 2, 9000, 9000, 9000, 9000}};
  EXPECT_EQ(IntervalValues(r, Metric::kP95, ""), (std::vector<double>{1500, 1510}));
  EXPECT_EQ(IntervalValues(r, Metric::kRate, ""), (std::vector<double>{200, 0, 200}));
  EXPECT_EQ(IntervalValues(r, Metric::kErrorRate, ""), (std::vector<double>{0.01, 0}));
  EXPECT_TRUE(IntervalValues(r, Metric::kP95, "other").empty());
}

}  // namespace
}  // namespace vitals::gate
