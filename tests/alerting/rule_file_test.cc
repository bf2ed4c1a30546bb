#include "alerting/rule_file.h"

#include <gtest/gtest.h>

namespace vitals::alerting {
namespace {

std::string Errors(const std::string& yaml) {
  auto r = ParseRuleFile(yaml, "rules.yaml");
  EXPECT_FALSE(r.ok()) << yaml;
  return r.ok() ? "" : r.status().message();
}

TEST(RuleFile, ParsesGroupsAndRules) {
  auto r = ParseRuleFile(R"(groups:
  - name: api
    interval: 30s
    limit: 5
    rules:
      - record: job:http_errors:rate5m
        expr: sum by (job) (rate(http_requests_total{status=~"5.."}[5m]))
      - alert: HighErrorRate
        expr: job:http_errors:rate5m > 0.01
        for: 2m
        keep_firing_for: 1m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.job }} errors at {{ $value }}/s"
)",
                         "rules.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->groups.size(), 1u);
  const RuleGroup& g = r->groups[0];
  EXPECT_EQ(g.name, "api");
  EXPECT_EQ(g.interval_ms, 30'000);
  EXPECT_EQ(g.limit, 5);
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].record, "job:http_errors:rate5m");
  EXPECT_FALSE(g.rules[0].is_alert());
  EXPECT_EQ(g.rules[1].alert, "HighErrorRate");
  EXPECT_EQ(g.rules[1].for_ms, 120'000);
  EXPECT_EQ(g.rules[1].keep_firing_for_ms, 60'000);
  EXPECT_EQ(g.rules[1].pos.line, 8);
  EXPECT_EQ(g.rules[1].expr_pos.line, 9);
  ASSERT_EQ(g.rules[1].annotations.size(), 1u);
  EXPECT_NE(g.rules[1].annotations[0].tmpl, nullptr);
  EXPECT_EQ(r->rule_count(), 2u);
}

TEST(RuleFile, EmptyFileHasNoGroups) {
  auto r = ParseRuleFile("", "empty.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rule_count(), 0u);
}

TEST(RuleFile, BothRecordAndAlert) {
  EXPECT_EQ(
      Errors("groups:\n- name: a\n  rules:\n  - alert: X\n    record: y\n    expr: up\n"),
      "rules.yaml:5:13: group \"a\", rule 1, \"X\": only one of 'record' and 'alert' must be set");
}

TEST(RuleFile, NeitherRecordNorAlert) {
  EXPECT_EQ(Errors("groups:\n- name: a\n  rules:\n  - expr: up\n"),
            "rules.yaml:4:5: group \"a\", rule 1, \"\": one of 'record' or 'alert' must be set");
}

TEST(RuleFile, MissingExpr) {
  EXPECT_EQ(Errors("groups:\n- name: a\n  rules:\n  - alert: X\n"),
            "rules.yaml:4:5: group \"a\", rule 1, \"X\": field 'expr' must be set in rule");
}

TEST(RuleFile, ForOnRecordingRule) {
  EXPECT_EQ(Errors("groups:\n- name: a\n  rules:\n  - record: y\n    expr: up\n    for: 5m\n"),
            "rules.yaml:4:13: group \"a\", rule 1, \"y\": invalid field 'for' in recording rule");
  EXPECT_EQ(
      Errors(
          "groups:\n- name: a\n  rules:\n  - record: y\n    expr: up\n    annotations: {a: b}\n"),
      "rules.yaml:4:13: group \"a\", rule 1, \"y\": invalid field 'annotations' in recording rule");
  EXPECT_EQ(
      Errors("groups:\n- name: a\n  rules:\n  - record: \"bad name\"\n    expr: up\n"),
      "rules.yaml:4:13: group \"a\", rule 1, \"bad name\": invalid recording rule name: bad name");
}

TEST(RuleFile, BadLabelAndAnnotationNames) {
  EXPECT_EQ(Errors("groups:\n- name: a\n  rules:\n  - alert: W\n    expr: up\n    labels:\n      "
                   "bad-name: x\n"),
            "rules.yaml:7:7: group \"a\", rule 1, \"W\": invalid label name: bad-name");
  EXPECT_EQ(Errors("groups:\n- name: a\n  rules:\n  - alert: W\n    expr: up\n    labels:\n      "
                   "__name__: x\n"),
            "rules.yaml:7:7: group \"a\", rule 1, \"W\": invalid label name: __name__");
  EXPECT_EQ(Errors("groups:\n- name: a\n  rules:\n  - alert: W\n    expr: up\n    annotations:\n   "
                   "   \"a b\": x\n"),
            "rules.yaml:7:7: group \"a\", rule 1, \"W\": invalid annotation name: a b");
}

TEST(RuleFile, EmptyAndRepeatedGroupNames) {
  EXPECT_EQ(Errors("groups:\n- name: a\n  rules: []\n- name: a\n  rules: []\n"),
            "rules.yaml:4:3: groupname: \"a\" is repeated in the same file");
  EXPECT_EQ(Errors("groups:\n- name: \"\"\n  rules: []\n"),
            "rules.yaml:2:3: Groupname must not be empty");
}

TEST(RuleFile, UnknownFieldsAndRepeatedKeys) {
  EXPECT_EQ(Errors("groups:\n- name: a\n  foo: 1\n  rules: []\n"),
            "rules.yaml:3:3: field foo not found in type rulefmt.RuleGroup");
  EXPECT_EQ(Errors("groups:\n- name: a\n  rules:\n  - alert: X\n    expr: up\n    bar: 2\n"),
            "rules.yaml:6:5: field bar not found in type rulefmt.RuleNode");
  EXPECT_EQ(Errors("grups: []\n"),
            "rules.yaml:1:1: field grups not found in type rulefmt.RuleGroups");
  EXPECT_EQ(Errors("groups:\n- name: a\n  rules:\n  - alert: X\n    expr: up\n    expr: down\n"),
            "rules.yaml:6:5: mapping key \"expr\" already defined at line 5");
}

TEST(RuleFile, BadExpressionAndUnsupportedFeature) {
  EXPECT_EQ(Errors("groups:\n- name: a\n  rules:\n  - alert: V\n    expr: up +\n"),
            "rules.yaml:5:11: group \"a\", rule 1, \"V\": could not parse expression: col 5: "
            "unexpected end of input after 'up +'; expected an expression");
  std::string msg = Errors(
      "groups:\n- name: a\n  rules:\n  - alert: V\n    expr: holt_winters(x[5m], 0.5, 0.5) > 1\n");
  EXPECT_NE(
      msg.find("rules.yaml:5:11: group \"a\", rule 1, \"V\": could not parse expression: col 1: "
               "not supported by vitals: function holt_winters"),
      std::string::npos)
      << msg;
}

TEST(RuleFile, BadDurationAndTemplate) {
  EXPECT_EQ(Errors("groups:\n- name: a\n  rules:\n  - alert: X\n    expr: up\n    for: 5x\n"),
            "rules.yaml:6:10: not a valid duration string: \"5x\" (in 'for'; e.g. 30s, 5m, 1h30m)");
  EXPECT_EQ(
      Errors("groups:\n- name: a\n  rules:\n  - alert: X\n    expr: up\n    annotations:\n      "
             "s: \"{{ $value | nosuch }}\"\n"),
      "rules.yaml:7:7: group \"a\", rule 1, \"X\": annotation \"s\": template: __alert_X:1: "
      "function \"nosuch\" not defined");
}

TEST(RuleFile, EveryErrorIsReported) {
  std::string msg =
      Errors("groups:\n- name: a\n  rules:\n  - expr: up\n  - alert: Y\n- name: a\n  rules: []\n");
  EXPECT_NE(msg.find("rule 1, \"\": one of 'record' or 'alert' must be set"), std::string::npos);
  EXPECT_NE(msg.find("rule 2, \"Y\": field 'expr' must be set in rule"), std::string::npos);
  EXPECT_NE(msg.find("groupname: \"a\" is repeated"), std::string::npos);
}

TEST(RuleFile, MissingFileIsNotFound) {
  auto r = LoadRuleFile("/nonexistent/rules.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/rules.yaml"), std::string::npos);
}

}  // namespace
}  // namespace vitals::alerting
