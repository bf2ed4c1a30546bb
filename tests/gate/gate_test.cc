#include "gate/gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gate/format.h"
#include "gate/gate_test_util.h"

namespace vitals::gate {
namespace {

using ::testing::HasSubstr;
using testing::LoadSynth;
using testing::StoreSynthRun;
using testing::SynthRun;
using testing::TempDir;

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.File("v.db"));
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_.emplace(std::move(s).value());
  }
  std::string Put(SynthRun s) {
    s.started_unix_ms += ++n_ * 60'000;
    std::string id = StoreSynthRun(*store_, s);
    EXPECT_FALSE(id.empty());
    return id;
  }
  GateResult Gate(const std::string& a, const std::string& b, const Policy& policy,
                  Comparison* out = nullptr) {
    const RunData ra = LoadSynth(*store_, a), rb = LoadSynth(*store_, b);
    CompareOptions o;
    o.alpha = policy.alpha;
    const Comparison c = Compare(ra, rb, o);
    std::vector<RecentRun> recent;
    if (policy.consecutive.enabled) {
      auto r = RecentRuns(*store_, rb, policy.consecutive);
      EXPECT_TRUE(r.ok());
      if (r.ok()) recent = *r;
    }
    if (out) *out = c;
    return EvaluateGate(c, policy, ra, recent);
  }
  const RuleResult* Rule(const GateResult& g, const std::string& prefix) {
    for (const RuleResult& r : g.rules) {
      if (r.rule.rfind(prefix, 0) == 0) return &r;
    }
    return nullptr;
  }
  TempDir dir_;
  std::optional<Store> store_;
  int n_ = 0;
};

TEST_F(GateTest, SlowerCandidateFailsTheP95RuleWithTheAmount) {
  SynthRun base;
  SynthRun slow;
  slow.seed = 2;
  slow.base_us = 1300;
  const std::string a = Put(base), b = Put(slow);
  Comparison c;
  const GateResult g = Gate(a, b, DefaultPolicy(), &c);
  EXPECT_EQ(g.outcome, GateOutcome::kFail);
  const RuleResult* p95 = Rule(g, "p95");
  ASSERT_NE(p95, nullptr);
  EXPECT_EQ(p95->outcome, RuleOutcome::kFail);
  EXPECT_THAT(p95->message, HasSubstr("significant (Mann-Whitney p="));
  EXPECT_THAT(p95->significance_text, HasSubstr("yes (p="));
  EXPECT_EQ(Rule(g, "error_rate")->outcome, RuleOutcome::kPass);
  EXPECT_EQ(Rule(g, "rate")->outcome, RuleOutcome::kPass);
  const std::string text =
      FormatGateText(g, GateHeader{"base", a, "latest", b, "default policy", 0.01});
  EXPECT_THAT(text, HasSubstr("vitals gate: FAIL"));
  EXPECT_THAT(text, HasSubstr("FAIL: p95 up > 20% and significant: p95: "));
  auto j = nlohmann::json::parse(GateJson(g, GateHeader{"base", a, "latest", b, "x", 0.01}, c));
  EXPECT_EQ(j["outcome"], "fail");
  EXPECT_EQ(j["rules"][0]["result"], "FAIL");
  EXPECT_EQ(j["comparison"]["metrics"][1]["metric"], "p95");
}

TEST_F(GateTest, SameLatencyPasses) {
  SynthRun a, b;
  b.seed = 3;
  const GateResult g = Gate(Put(a), Put(b), DefaultPolicy());
  EXPECT_EQ(g.outcome, GateOutcome::kPass);
  EXPECT_EQ(g.failed, 0);
}

TEST_F(GateTest, LargeButInsignificantChangeIsNotAFailure) {
  // Very noisy single requests and few of them: a p95 over +20 % the intervals cannot confirm.
  SynthRun a;
  a.sigma = 1.2;
  a.rate = 5;
  a.seconds = 6;
  SynthRun b = a;
  b.seed = 11;
  b.base_us = 1250;
  Comparison c;
  const GateResult g = Gate(Put(a), Put(b), DefaultPolicy(), &c);
  const MetricComparison* p95 = c.Find(Metric::kP95);
  ASSERT_EQ(p95->verdict, Verdict::kNoChange) << p95->not_testable_reason;
  ASSERT_GT(p95->delta_pct, 20);
  EXPECT_EQ(Rule(g, "p95")->outcome, RuleOutcome::kPass);
  EXPECT_THAT(Rule(g, "p95")->message, HasSubstr("over the limit but not significant"));
  // Without the significance requirement the same change fails.
  auto strict = ParsePolicy(
      "rules:\n  - metric: p95\n    max_increase: 20%\n    significant: "
      "false\n",
      "strict.yaml");
  ASSERT_TRUE(strict.ok());
  const GateResult gs = EvaluateGate(c, *strict, RunData{}, {});
  EXPECT_EQ(gs.outcome, GateOutcome::kFail);
  EXPECT_EQ(gs.rules[0].significance_text, "-");
}

TEST_F(GateTest, ErrorRateUpMoreThanOnePointFails) {
  SynthRun a;
  SynthRun b;
  b.seed = 4;
  b.error_rate = 0.03;
  const GateResult g = Gate(Put(a), Put(b), DefaultPolicy());
  EXPECT_EQ(g.outcome, GateOutcome::kFail);
  const RuleResult* e = Rule(g, "error_rate");
  EXPECT_EQ(e->outcome, RuleOutcome::kFail);
  EXPECT_THAT(e->change_text, HasSubstr("+"));
  EXPECT_THAT(e->change_text, HasSubstr(" pt"));
  EXPECT_EQ(e->limit_text, "+1 pt");
}

TEST_F(GateTest, ThroughputDownMoreThanTenPercentFails) {
  SynthRun a;
  SynthRun b;
  b.seed = 6;
  b.rate = 80;
  const GateResult g = Gate(Put(a), Put(b), DefaultPolicy());
  const RuleResult* r = Rule(g, "rate");
  EXPECT_EQ(r->outcome, RuleOutcome::kFail);
  EXPECT_EQ(r->change_text, "-20.0%");
  EXPECT_EQ(r->limit_text, "-10.0%");
}

TEST_F(GateTest, TooShortRunsCannotBeDecidedNeverPass) {
  SynthRun a;
  a.seconds = 2;
  SynthRun b = a;
  b.seed = 8;
  const GateResult g = Gate(Put(a), Put(b), DefaultPolicy());
  EXPECT_EQ(g.outcome, GateOutcome::kUndecided);
  const RuleResult* p95 = Rule(g, "p95");
  EXPECT_EQ(p95->outcome, RuleOutcome::kNotTestable);
  EXPECT_THAT(p95->message, HasSubstr("runs too short to test: A has 2 intervals and B has 2"));
  const std::string text = FormatGateText(g, GateHeader{"base", "x", "latest", "y", "p", 0.01});
  EXPECT_THAT(text, HasSubstr("CANNOT DECIDE"));
}

TEST_F(GateTest, PhaseScopeThatDoesNotExistIsNotTestable) {
  auto p = ParsePolicy("rules:\n  - metric: p95\n    max_increase: 20%\n    scope: soak\n", "p");
  ASSERT_TRUE(p.ok());
  SynthRun a;
  a.phases = {"ramp", "steady"};
  SynthRun b = a;
  b.seed = 12;
  const GateResult g = Gate(Put(a), Put(b), *p);
  EXPECT_EQ(g.outcome, GateOutcome::kUndecided);
  EXPECT_THAT(g.rules[0].message, HasSubstr("phase 'soak' is not in both runs"));
  auto each = ParsePolicy(
      "rules:\n  - metric: p95\n    max_increase: 20%\n    scope: "
      "each_phase\n",
      "p");
  ASSERT_TRUE(each.ok());
  const GateResult ge = Gate(Put(a), Put(b), *each);
  ASSERT_EQ(ge.rules.size(), 2u);
  EXPECT_EQ(ge.rules[0].phase, "ramp");
  EXPECT_EQ(ge.rules[1].phase, "steady");
}

TEST_F(GateTest, ConsecutiveRuleNeedsNRunsOverTheLimit) {
  auto policy = ParsePolicy(
      "rules:\n  - metric: p95\n    max_increase: 50%\nconsecutive:\n  metric: p95\n  "
      "max_increase: 30%\n  runs: 2\n",
      "creep.yaml");
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  SynthRun base;
  const std::string b0 = Put(base);
  // One run +40 %: each single gate passes (limit 50 %), the streak is 1 of 2.
  SynthRun up = base;
  up.base_us = 1400;
  up.seed = 20;
  up.tags = {{"branch", "main"}, {"commit", "c1"}};
  const std::string r1 = Put(up);
  GateResult g = Gate(b0, r1, *policy);
  EXPECT_EQ(g.outcome, GateOutcome::kPass);
  EXPECT_EQ(g.rules.back().change_text, "1/2 runs");
  // Another branch in between does not count (tags), a different commit does (ignored tag).
  SynthRun other = up;
  other.tags = {{"branch", "feature"}};
  other.base_us = 1000;
  Put(other);
  up.seed = 21;
  up.tags = {{"branch", "main"}, {"commit", "c2"}};
  const std::string r2 = Put(up);
  g = Gate(b0, r2, *policy);
  EXPECT_EQ(g.outcome, GateOutcome::kFail);
  EXPECT_EQ(g.rules.front().outcome, RuleOutcome::kPass);
  EXPECT_EQ(g.rules.back().outcome, RuleOutcome::kFail);
  EXPECT_THAT(g.rules.back().message, HasSubstr("in each of the last 2 runs"));
  EXPECT_THAT(g.rules.back().message, HasSubstr(r1));
  EXPECT_THAT(g.rules.back().message, HasSubstr(r2));
  // A run back at the baseline breaks the streak.
  SynthRun back = base;
  back.seed = 22;
  back.tags = {{"branch", "main"}, {"commit", "c3"}};
  g = Gate(b0, Put(back), *policy);
  EXPECT_EQ(g.outcome, GateOutcome::kPass);
}

TEST_F(GateTest, ConsecutiveRuleWithTooFewRunsSaysSo) {
  auto policy = ParsePolicy("consecutive:\n  runs: 5\n", "c.yaml");
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  SynthRun s;
  const std::string a = Put(s);
  s.seed = 30;
  const GateResult g = Gate(a, Put(s), *policy);
  EXPECT_EQ(g.outcome, GateOutcome::kPass);
  EXPECT_THAT(g.rules.back().message, HasSubstr("the rule needs 5"));
}

}  // namespace
}  // namespace vitals::gate
