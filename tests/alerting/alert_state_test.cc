#include "alerting/alert_state.h"

#include <gtest/gtest.h>

#include "alerting/rule_file.h"

namespace vitals::alerting {
namespace {

constexpr int64_t kMin = 60'000;

Rule AlertRule(const std::string& yaml_rule) {
  auto f = ParseRuleFile("groups:\n- name: g\n  rules:\n" + yaml_rule, "t.yaml");
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? f->groups[0].rules[0] : Rule();
}

promql::Vector Result1(const std::string& instance, double v) {
  return {promql::Sample{
      promql::Labels(std::vector<promql::Label>{{"__name__", "x"}, {"instance", instance}}),
      {0, v}}};
}

struct Harness {
  explicit Harness(const std::string& yaml, int limit = 0)
      : rule(AlertRule(yaml), {}), limit(limit) {}
  // Evaluates and returns the transitions as "from->to" strings.
  std::vector<std::string> Eval(const promql::Vector& v, int64_t t) {
    std::vector<AlertTransition> tr;
    auto r = rule.Eval(v, t, limit, {}, &tr);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (r.ok()) last_series = *r;
    std::vector<std::string> out;
    for (const auto& x : tr) {
      out.push_back(std::string(AlertStateName(x.from)) + "->" + std::string(AlertStateName(x.to)));
    }
    return out;
  }
  AlertingRule rule;
  int limit;
  promql::Vector last_series;
};

using V = std::vector<std::string>;

TEST(AlertState, PendingThenFiringAfterForThenResolved) {
  Harness h("  - alert: A\n    expr: x > 1\n    for: 2m\n    labels: {severity: page}\n");
  EXPECT_EQ(h.Eval(Result1("a", 5), 0), V{"inactive->pending"});
  EXPECT_EQ(h.Eval(Result1("a", 5), 1 * kMin), V{});
  EXPECT_EQ(h.Eval(Result1("a", 6), 2 * kMin), V{"pending->firing"});
  auto active = h.rule.ActiveAlerts();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].labels.ToString(), "{alertname=\"A\", instance=\"a\", severity=\"page\"}");
  EXPECT_EQ(active[0].value, 6);
  EXPECT_EQ(active[0].active_at_ms, 0);
  EXPECT_EQ(h.Eval({}, 3 * kMin), V{"firing->inactive"});
  EXPECT_TRUE(h.rule.ActiveAlerts().empty());
  ASSERT_EQ(h.rule.AllAlerts().size(), 1u);  // kept for Alertmanager to hear the resolution
  EXPECT_EQ(h.rule.AllAlerts()[0].resolved_at_ms, 3 * kMin);
}

TEST(AlertState, ForZeroFiresAtOnce) {
  Harness h("  - alert: A\n    expr: x > 1\n");
  EXPECT_EQ(h.Eval(Result1("a", 5), 0), V{"inactive->firing"});
}

TEST(AlertState, PendingIsDroppedWhenTheConditionGoes) {
  Harness h("  - alert: A\n    expr: x > 1\n    for: 5m\n");
  EXPECT_EQ(h.Eval(Result1("a", 5), 0), V{"inactive->pending"});
  EXPECT_EQ(h.Eval({}, kMin), V{"pending->inactive"});
  EXPECT_TRUE(h.rule.AllAlerts().empty());
  // Coming back starts the `for` clock again.
  EXPECT_EQ(h.Eval(Result1("a", 5), 2 * kMin), V{"inactive->pending"});
  EXPECT_EQ(h.Eval(Result1("a", 5), 6 * kMin), V{});
  EXPECT_EQ(h.Eval(Result1("a", 5), 7 * kMin), V{"pending->firing"});
}

TEST(AlertState, KeepFiringFor) {
  Harness h("  - alert: A\n    expr: x > 1\n    keep_firing_for: 2m\n");
  EXPECT_EQ(h.Eval(Result1("a", 5), 0), V{"inactive->firing"});
  EXPECT_EQ(h.Eval({}, 1 * kMin), V{});  // keeps firing
  EXPECT_EQ(h.rule.ActiveAlerts().size(), 1u);
  EXPECT_EQ(h.Eval({}, 2 * kMin), V{});
  EXPECT_EQ(h.Eval({}, 3 * kMin), V{"firing->inactive"});  // 2m after it first went away
}

TEST(AlertState, AlertsSeries) {
  Harness h("  - alert: A\n    expr: x > 1\n    for: 1m\n");
  h.Eval(Result1("a", 5), 2 * kMin);
  ASSERT_EQ(h.last_series.size(), 2u);
  EXPECT_EQ(h.last_series[0].labels.ToString(),
            "ALERTS{alertname=\"A\", alertstate=\"pending\", instance=\"a\"}");
  EXPECT_EQ(h.last_series[0].point.v, 1);
  EXPECT_EQ(h.last_series[1].labels.ToString(),
            "ALERTS_FOR_STATE{alertname=\"A\", instance=\"a\"}");
  EXPECT_EQ(h.last_series[1].point.v, 120);  // active since t=120 s
  h.Eval(Result1("a", 5), 3 * kMin);
  EXPECT_EQ(h.last_series[0].labels.Get("alertstate"), "firing");
}

TEST(AlertState, TemplatesExpandPerSample) {
  Harness h(
      "  - alert: A\n    expr: x > 1\n    annotations:\n      summary: \"{{ $labels.instance }} at "
      "{{ $value }}\"\n      bad: \"{{ humanize $labels }}\"\n");
  h.Eval(Result1("a", 1e6), 0);
  auto a = h.rule.ActiveAlerts();
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].annotations.size(), 2u);
  EXPECT_EQ(a[0].annotations[1].name, "summary");
  EXPECT_EQ(a[0].annotations[1].value, "a at 1e+06");
  EXPECT_EQ(a[0].annotations[0].value.rfind("<error expanding template: ", 0), 0u)
      << a[0].annotations[0].value;
}

TEST(AlertState, LabelsetCollisionIsAnError) {
  Harness h("  - alert: A\n    expr: x > 1\n");
  promql::Vector v = {
      promql::Sample{
          promql::Labels(std::vector<promql::Label>{{"__name__", "x"}, {"instance", "a"}}), {0, 2}},
      promql::Sample{
          promql::Labels(std::vector<promql::Label>{{"__name__", "y"}, {"instance", "a"}}),
          {0, 3}}};
  std::vector<AlertTransition> tr;
  auto r = h.rule.Eval(v, 0, 0, {}, &tr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "vector contains metrics with the same labelset after applying alert labels");
  EXPECT_TRUE(tr.empty());
}

TEST(AlertState, LimitClearsAlerts) {
  Harness h("  - alert: A\n    expr: x > 1\n", 1);
  promql::Vector v = {
      promql::Sample{promql::Labels(std::vector<promql::Label>{{"instance", "a"}}), {0, 2}},
      promql::Sample{promql::Labels(std::vector<promql::Label>{{"instance", "b"}}), {0, 3}}};
  std::vector<AlertTransition> tr;
  auto r = h.rule.Eval(v, 0, 1, {}, &tr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(h.rule.AllAlerts().empty());
}

}  // namespace
}  // namespace vitals::alerting
