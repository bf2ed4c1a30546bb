// The environment check (gate/environment.h) on recorded noise series: a quiet pair, a noisy
// candidate, a noisy baseline, a single disturbed interval, too many disturbed intervals, an
// old run without noise, a duet; and what the gate then decides.
#include "gate/environment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gate/format.h"
#include "gate/gate.h"
#include "gate/gate_test_util.h"

namespace vitals::gate {
namespace {

using ::testing::HasSubstr;
using testing::LoadSynth;
using testing::NoiseSeries;
using testing::StoreSynthRun;
using testing::SynthRun;
using testing::TempDir;

class EnvironmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.File("v.db"));
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_.emplace(std::move(s).value());
  }
  RunData Put(SynthRun s) {
    s.started_unix_ms += ++n_ * 60'000;
    s.seed = uint64_t(n_);
    const std::string id = StoreSynthRun(*store_, s);
    EXPECT_FALSE(id.empty());
    return LoadSynth(*store_, id);
  }
  static SynthRun Quiet(double base_us = 1000) {
    SynthRun s;
    s.base_us = base_us;
    s.seconds = 20;
    s.rate = 200;
    s.noise = NoiseSeries(20, 80, 2);
    return s;
  }
  // The gate on a and b with the environment check, as `vitals gate` runs it.
  GateResult Gate(RunData a, RunData b, EnvironmentCheck* env_out = nullptr) {
    EnvironmentCheck env = CheckEnvironment(&a, &b);
    if (env_out) *env_out = env;
    const Comparison c = Compare(a, b, {});
    return EvaluateGate(c, DefaultPolicy(), a, {}, &env);
  }
  TempDir dir_;
  std::optional<Store> store_;
  int n_ = 0;
};

TEST_F(EnvironmentTest, QuietPairIsStableWithASmallFloor) {
  RunData a = Put(Quiet()), b = Put(Quiet());
  const EnvironmentCheck env = CheckEnvironment(&a, &b);
  EXPECT_TRUE(env.stable) << (env.problems.empty() ? "" : env.problems[0]);
  EXPECT_TRUE(env.a.measured);
  EXPECT_EQ(env.a.excluded, 0u);
  EXPECT_EQ(env.b.excluded, 0u);
  // No difference between the sides, plus a quarter of the median sched-delay p99 (85 us).
  EXPECT_NEAR(env.floor_us, 21.25, 1e-9);
  EXPECT_EQ(std::string(NoiseVerdict(env.a.summary)), "quiet");
}

TEST_F(EnvironmentTest, NoisyCandidateIsUnstableAndNeverFailsOnLatency) {
  SynthRun noisy = Quiet(1400);  // the hog makes every request 40 % slower
  noisy.noise = NoiseSeries(20, 2500, 45);
  EnvironmentCheck env;
  const GateResult g = Gate(Put(Quiet()), Put(noisy), &env);
  EXPECT_FALSE(env.stable);
  ASSERT_FALSE(env.problems.empty());
  EXPECT_THAT(env.problems[0], HasSubstr("CPU pressure differs: A 2.0% vs B 45.0%"));
  EXPECT_EQ(g.outcome, GateOutcome::kUnstable);
  EXPECT_EQ(g.failed, 0);
  for (const RuleResult& r : g.rules) {
    if (IsLatency(r.metric)) {
      EXPECT_EQ(r.outcome, RuleOutcome::kUnstable) << r.rule;
    }
  }
  const std::string text =
      FormatGateText(g, GateHeader{"main", "a", "latest", "b", "default policy", 0.01});
  EXPECT_THAT(text, HasSubstr("vitals gate: UNSTABLE ENVIRONMENT"));
  EXPECT_THAT(text, HasSubstr("what to do: rerun"));
  EXPECT_THAT(text, HasSubstr("environment B: noisy, sched delay p99 2.50ms"));
}

TEST_F(EnvironmentTest, NoisyBaselineIsUnstableToo) {
  SynthRun noisy = Quiet();
  noisy.noise = NoiseSeries(20, 3000, 5);  // sched delay only: 3 ms vs 85 us
  EnvironmentCheck env;
  const GateResult g = Gate(Put(noisy), Put(Quiet(1500)), &env);
  EXPECT_FALSE(env.stable);
  ASSERT_EQ(env.problems.size(), 1u);
  EXPECT_THAT(env.problems[0],
              HasSubstr("generator sched delay p99 differs: A 3.00ms vs B 85.0us"));
  EXPECT_EQ(g.outcome, GateOutcome::kUnstable);
}

TEST_F(EnvironmentTest, ErrorRateRulesAreJudgedEvenWhenUnstable) {
  SynthRun noisy = Quiet();
  noisy.noise = NoiseSeries(20, 2500, 45);
  noisy.error_rate = 0.05;
  const GateResult g = Gate(Put(Quiet()), Put(noisy));
  EXPECT_EQ(g.outcome, GateOutcome::kFail);
  EXPECT_EQ(g.failed, 1);
}

TEST_F(EnvironmentTest, ASingleDisturbedIntervalIsLeftOutNotTheRun) {
  SynthRun b = Quiet();
  b.noise = NoiseSeries(20, 80, 2, {7}, 6000, 70);
  b.slow_intervals = {{7, 20000}};  // the hog's second: every request 20 ms slower
  RunData ra = Put(Quiet()), rb = Put(b);
  EnvironmentCheck env = CheckEnvironment(&ra, &rb);
  EXPECT_TRUE(env.stable);
  EXPECT_EQ(env.b.excluded, 1u);
  EXPECT_TRUE(rb.intervals[7].excluded);
  EXPECT_EQ(IntervalValues(rb, Metric::kP95, "").size(), 19u);
  const Comparison c = Compare(ra, rb, {});
  const MetricComparison* p99 = c.Find(Metric::kP99);
  ASSERT_NE(p99, nullptr);
  EXPECT_EQ(p99->excluded_b, 1u);
  EXPECT_NE(p99->verdict, Verdict::kRegression);
  EXPECT_THAT(FormatComparisonText(c), HasSubstr("(0 and 1 disturbed intervals left out)"));
  // Without the check the hog's interval is one of 20 samples: still no regression by the
  // rank test, but the comparison would count it.
  RunData raw = Put(b);
  EXPECT_EQ(IntervalValues(raw, Metric::kP95, "").size(), 20u);
}

TEST_F(EnvironmentTest, TooManyDisturbedIntervalsAreUnstable) {
  SynthRun b = Quiet();
  b.noise = NoiseSeries(20, 80, 2, {2, 3, 4, 5, 9, 10, 11}, 5000, 60);  // 7 of 20 = 35 %
  EnvironmentCheck env;
  const GateResult g = Gate(Put(Quiet()), Put(b), &env);
  EXPECT_FALSE(env.stable);
  EXPECT_THAT(env.problems[0], HasSubstr("B: 7 of 20 intervals were disturbed"));
  EXPECT_EQ(g.outcome, GateOutcome::kUnstable);
}

TEST_F(EnvironmentTest, RealRegressionOnAQuietMachineFails) {
  EnvironmentCheck env;
  const GateResult g = Gate(Put(Quiet(1000)), Put(Quiet(1500)), &env);
  EXPECT_TRUE(env.stable);
  EXPECT_EQ(g.outcome, GateOutcome::kFail);
}

TEST_F(EnvironmentTest, ChangeSmallerThanTheFloorIsWithinNoise) {
  // +25 % of a 1 ms latency is ~300 us at p95; B's generator ran 300 us later at p99 than A's
  // (705 vs 405 us: not enough to call the environments different), so the generator alone
  // can move a reading that much: not judged.
  SynthRun a = Quiet(1000), b = Quiet(1250);
  a.noise = NoiseSeries(20, 400, 3);
  b.noise = NoiseSeries(20, 700, 3);
  b.sigma = a.sigma = 0.1;
  EnvironmentCheck env;
  const GateResult g = Gate(Put(a), Put(b), &env);
  EXPECT_TRUE(env.stable);
  EXPECT_NEAR(env.floor_us, 300 + 0.25 * 405, 1e-9);  // medians 705 and 405
  EXPECT_EQ(g.outcome, GateOutcome::kUnstable);
  bool within = false;
  for (const RuleResult& r : g.rules) {
    if (r.outcome == RuleOutcome::kWithinNoise) {
      within = true;
      EXPECT_THAT(r.message, HasSubstr("within noise"));
      EXPECT_THAT(r.message, HasSubstr("floor 401us"));
    }
  }
  EXPECT_TRUE(within);
}

TEST_F(EnvironmentTest, InsignificantChangeOverTheLimitOnANoisyMachineIsNotAPass) {
  // The same inconclusive +25 % as GateTest.LargeButInsignificantChangeIsNotAFailure, once on
  // a quiet machine (a pass: the test had the power to see it) and once on a machine with
  // 30 % CPU pressure on both sides (not judged: the noise may hide it).
  SynthRun a;
  a.sigma = 1.2;
  a.rate = 5;
  a.seconds = 6;
  SynthRun b = a;
  b.base_us = 1250;
  for (double psi : {2.0, 30.0}) {
    a.noise = NoiseSeries(6, 80, psi);
    b.noise = NoiseSeries(6, 80, psi);
    RunData ra = Put(a), rb = Put(b);  // seeds 2k-1 and 2k: other samples each round
    EnvironmentCheck env = CheckEnvironment(&ra, &rb);
    const Comparison c = Compare(ra, rb, {});
    const MetricComparison* p95 = c.Find(Metric::kP95);
    ASSERT_EQ(p95->verdict, Verdict::kNoChange);
    ASSERT_GT(p95->delta_pct, 20);
    const GateResult g = EvaluateGate(c, DefaultPolicy(), ra, {}, &env);
    const RuleResult& rule = g.rules[0];
    if (psi < 10) {
      EXPECT_EQ(rule.outcome, RuleOutcome::kPass) << rule.message;
    } else {
      EXPECT_EQ(rule.outcome, RuleOutcome::kUnstable) << rule.message;
      EXPECT_THAT(rule.message, HasSubstr("on a noisy machine"));
      EXPECT_EQ(g.outcome, GateOutcome::kUnstable);
    }
  }
}

TEST_F(EnvironmentTest, RunWithoutNoiseFiguresIsNotMeasuredAndDoesNotBlock) {
  SynthRun old = Quiet(1000);
  old.noise.clear();
  EnvironmentCheck env;
  const GateResult g = Gate(Put(old), Put(Quiet(1500)), &env);
  EXPECT_FALSE(env.a.measured);
  EXPECT_TRUE(env.stable);
  EXPECT_NEAR(env.floor_us, 21.25, 1e-9);  // from B alone
  EXPECT_EQ(g.outcome, GateOutcome::kFail);
  EXPECT_THAT(DescribeSide("A", env.a), HasSubstr("not measured"));
}

TEST_F(EnvironmentTest, DuetSidesShareTheirEnvironment) {
  SynthRun a = Quiet(1000), b = Quiet(1000);
  a.noise = NoiseSeries(20, 300, 30);
  b.noise = NoiseSeries(20, 1500, 40);  // the same seconds, seen by the other engine
  RunData ra = Put(a), rb = Put(b);
  const EnvironmentCheck env = CheckEnvironment(&ra, &rb, {}, /*paired=*/true);
  EXPECT_TRUE(env.stable);
  EXPECT_EQ(env.floor_us, 0);
}

TEST_F(EnvironmentTest, RepeatedBaselinesGiveARelativeFloor) {
  // Four identical-code runs with the same tags whose p95 wanders by up to ~10 %.
  SynthRun s = Quiet();
  s.tags = {{"branch", "main"}, {"commit", "abc"}};
  RunData base;
  for (double us : {1000.0, 1100.0, 1040.0, 980.0}) {
    s.base_us = us;
    base = Put(s);
  }
  SynthRun cand = Quiet(1000);
  cand.tags = {{"branch", "main"}, {"commit", "def"}};
  RunData c = Put(cand);
  EnvironmentCheck env = CheckEnvironment(&base, &c);
  ASSERT_TRUE(AddRepeatFloor(*store_, base, c.id, &env).ok());
  EXPECT_EQ(env.repeat_runs, 4);
  ASSERT_TRUE(env.repeat_floor.count(Metric::kP95));
  // Pairwise |differences| of 1000, 1100, 1040, 980 are 20..120 us: their median ~50 us is
  // ~5 % of the runs' median.
  EXPECT_GT(env.repeat_floor.at(Metric::kP95), 0.02);
  EXPECT_LT(env.repeat_floor.at(Metric::kP95), 0.1);
  EXPECT_GT(env.FloorFor(Metric::kP95, 1000), env.floor_us);
  // Fewer than three comparable runs: no repeat floor.
  EnvironmentCheck lone = CheckEnvironment(&c, &base);
  ASSERT_TRUE(AddRepeatFloor(*store_, c, base.id, &lone).ok());
  EXPECT_EQ(lone.repeat_runs, 1);
  EXPECT_TRUE(lone.repeat_floor.empty());
}

}  // namespace
}  // namespace vitals::gate
