#include "gate/policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vitals::gate {
namespace {

using ::testing::HasSubstr;

TEST(Policy, DefaultPolicyIsTheIssuesPolicy) {
  auto p = ParsePolicy(DefaultPolicyYaml(), "default policy");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_DOUBLE_EQ(p->alpha, 0.01);
  ASSERT_EQ(p->rules.size(), 4u);
  EXPECT_EQ(p->rules[0].metric, Metric::kP95);
  EXPECT_EQ(p->rules[0].kind, LimitKind::kMaxIncrease);
  EXPECT_DOUBLE_EQ(p->rules[0].limit, 0.2);
  EXPECT_TRUE(p->rules[0].significant);
  EXPECT_EQ(p->rules[1].metric, Metric::kP99);
  EXPECT_TRUE(p->rules[1].significant);
  EXPECT_EQ(p->rules[2].metric, Metric::kErrorRate);
  EXPECT_EQ(p->rules[2].kind, LimitKind::kMaxIncreasePoints);
  EXPECT_DOUBLE_EQ(p->rules[2].limit, 0.01);
  EXPECT_FALSE(p->rules[2].significant);
  EXPECT_EQ(p->rules[3].metric, Metric::kRate);
  EXPECT_EQ(p->rules[3].kind, LimitKind::kMaxDecrease);
  EXPECT_DOUBLE_EQ(p->rules[3].limit, 0.1);
  EXPECT_FALSE(p->consecutive.enabled);
  EXPECT_EQ(DefaultPolicy().rules.size(), 4u);
  EXPECT_EQ(p->rules[0].Describe(), "p95 up > 20% and significant");
  EXPECT_EQ(p->rules[2].Describe(), "error_rate up > 1 pt");
  EXPECT_EQ(p->rules[3].Describe(), "rate down > 10%");
}

TEST(Policy, FullFileWithConsecutiveRuleAndScopes) {
  auto p = ParsePolicy(R"(alpha: 0.05
rules:
  - metric: p99
    max_increase: 150%
    significant: false
    scope: each_phase
  - metric: mean
    max_increase: 0.1
    scope: steady
consecutive:
  metric: p95
  max_increase: 30%
  runs: 3
  ignore_tags: [commit, build]
)",
                       "gate.yaml");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_DOUBLE_EQ(p->alpha, 0.05);
  EXPECT_DOUBLE_EQ(p->rules[0].limit, 1.5);
  EXPECT_FALSE(p->rules[0].significant);
  EXPECT_EQ(p->rules[0].scope, "each_phase");
  EXPECT_EQ(p->rules[0].line, 3);
  EXPECT_DOUBLE_EQ(p->rules[1].limit, 0.1);
  EXPECT_TRUE(p->rules[1].significant);  // latency metrics default to significant
  EXPECT_EQ(p->rules[1].scope, "steady");
  EXPECT_TRUE(p->consecutive.enabled);
  EXPECT_EQ(p->consecutive.runs, 3);
  EXPECT_DOUBLE_EQ(p->consecutive.max_increase, 0.3);
  EXPECT_EQ(p->consecutive.ignore_tags, (std::vector<std::string>{"commit", "build"}));
  EXPECT_EQ(p->consecutive.Describe(), "p95 up > 30% in 3 consecutive runs");
}

struct BadCase {
  const char* yaml;
  const char* message;
};

class PolicyErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(PolicyErrors, SayWhereAndWhat) {
  auto p = ParsePolicy(GetParam().yaml, "gate.yaml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    All, PolicyErrors,
    ::testing::Values(
        BadCase{"rules:\n  - metric: p96\n    max_increase: 20%\n",
                "gate.yaml:2:13: rules[0].metric: unknown metric 'p96' (expected one of p50 p95 "
                "p99 mean error_rate rate)"},
        BadCase{"rules:\n  - metric: p95\n    max_increse: 20%\n",
                "gate.yaml:3:5: rules[0]: unknown key 'max_increse'; did you mean "
                "'max_increase'?"},
        BadCase{"rules:\n  - metric: p95\n    max_increase: lots\n",
                "gate.yaml:3:19: rules[0].max_increase: expected a percentage > 0 like 20%"},
        BadCase{"rules:\n  - metric: p95\n", "gate.yaml:2:5: rules[0]: give exactly one of"},
        BadCase{"rules:\n  - metric: rate\n    max_increase: 10%\n",
                "gate.yaml:2:5: rules[0]: metric rate: throughput going up is no regression; use "
                "max_decrease"},
        BadCase{"rules:\n  - metric: error_rate\n    max_increase: 10%\n",
                "gate.yaml:2:5: rules[0]: metric error_rate: use max_increase_points"},
        BadCase{"alpha: 2\nrules: []\n", "gate.yaml:1:8: alpha: expected a significance level"},
        BadCase{"rules: []\n", "gate.yaml: the policy has no rules"},
        BadCase{"rules:\n  - metric: p95\n    max_increase: 20%\n  bad: [\n", "gate.yaml:4:"},
        BadCase{"consecutive:\n  runs: 1\n",
                "gate.yaml:2:9: consecutive.runs: expected a whole number of runs from 2"},
        BadCase{"", "gate.yaml: empty policy file"}));

TEST(Policy, MissingFileSaysHowToStart) {
  auto p = LoadPolicyFile("/nonexistent/gate.yaml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(p.status().message(), HasSubstr("vitals gate --show-policy"));
}

}  // namespace
}  // namespace vitals::gate
