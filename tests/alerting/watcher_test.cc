#include "alerting/watcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "alerting/alertmanager.h"

namespace vitals::alerting {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kStart = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

RuleFile Rules() {
  auto f = ParseRuleFile(R"(groups:
- name: latency
  interval: 10s
  rules:
  - alert: Slow
    expr: p95 > 2
    for: 20s
    labels: {severity: page}
    annotations: {summary: "p95 is {{ $value }}s"}
)",
                         "w.yaml");
  EXPECT_TRUE(f.ok()) << f.status().message();
  return *f;
}

struct Fixture {
  Fixture() : watcher(std::vector<RuleFile>{Rules()}, Options()) {
    hooks.query = [this](const Rule&, int64_t t) -> Result<promql::Value> {
      promql::Vector v;
      if (high) v.push_back({promql::Labels(std::vector<promql::Label>{{"job", "api"}}), {t, 3}});
      return promql::Value(v);
    };
    watcher.Start(kStart);
  }
  static WatchOptions Options() {
    WatchOptions o;
    o.external_labels = promql::Labels(std::vector<promql::Label>{{"cluster", "eu-1"}});
    return o;
  }
  std::vector<std::string> Run(int64_t at) {
    std::vector<std::string> out;
    for (const auto& t : watcher.RunDue(at, hooks, nullptr)) {
      out.push_back(std::string(AlertStateName(t.from)) + "->" + std::string(AlertStateName(t.to)));
    }
    return out;
  }
  RuleWatcher watcher;
  EvalHooks hooks;
  bool high = true;
};

using V = std::vector<std::string>;

TEST(RuleWatcher, EvaluatesEachGroupOnItsInterval) {
  Fixture f;
  EXPECT_EQ(f.watcher.NextDueMs(), kStart);
  EXPECT_EQ(f.Run(kStart), V{"inactive->pending"});
  EXPECT_EQ(f.watcher.NextDueMs(), kStart + 10'000);
  EXPECT_EQ(f.Run(kStart + 5'000), V{});  // not due yet
  EXPECT_EQ(f.Run(kStart + 10'000), V{});
  EXPECT_EQ(f.Run(kStart + 20'000), V{"pending->firing"});
  // Late by two intervals: evaluated once, at the latest due time, two missed.
  f.high = false;
  EXPECT_EQ(f.Run(kStart + 51'000), V{"firing->inactive"});
  EXPECT_EQ(f.watcher.NextDueMs(), kStart + 60'000);
  const GroupStats& s = f.watcher.stats()[0];
  EXPECT_EQ(s.iterations, 4u);
  EXPECT_EQ(s.missed, 2u);
  EXPECT_EQ(s.rule_evaluations, 4u);
  EXPECT_EQ(s.interval_ms, 10'000);
}

TEST(RuleWatcher, AlertmanagerHearsFiringResendsAndResolution) {
  Fixture f;
  f.Run(kStart);
  EXPECT_TRUE(f.watcher.TakeAlertsToSend(kStart, 60'000).empty());  // pending is never sent
  f.Run(kStart + 20'000);
  auto sent = f.watcher.TakeAlertsToSend(kStart + 20'000, 60'000);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].labels.Get("cluster"), "eu-1");  // external labels added
  EXPECT_EQ(sent[0].valid_until_ms, kStart + 20'000 + 4 * 60'000);
  EXPECT_TRUE(f.watcher.TakeAlertsToSend(kStart + 30'000, 60'000).empty());  // resend delay
  EXPECT_EQ(f.watcher.TakeAlertsToSend(kStart + 81'000, 60'000).size(), 1u);
  f.high = false;
  f.Run(kStart + 90'000);
  auto resolved = f.watcher.TakeAlertsToSend(kStart + 90'000, 60'000);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].resolved_at_ms, kStart + 90'000);

  auto doc = nlohmann::json::parse(AlertmanagerPayload(resolved, "http://prom.example"));
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc[0]["labels"]["alertname"], "Slow");
  EXPECT_EQ(doc[0]["labels"]["severity"], "page");
  EXPECT_EQ(doc[0]["annotations"]["summary"], "p95 is 3s");
  EXPECT_EQ(doc[0]["startsAt"], "2023-11-14T22:13:40.000Z");
  EXPECT_EQ(doc[0]["endsAt"], "2023-11-14T22:14:50.000Z");
  EXPECT_EQ(doc[0]["generatorURL"], "http://prom.example");
  EXPECT_FALSE(
      nlohmann::json::parse(AlertmanagerPayload(resolved, ""))[0].contains("generatorURL"));
}

TEST(RuleWatcher, MetricsUsePrometheusNames) {
  Fixture f;
  f.Run(kStart);
  std::string m = f.watcher.MetricsText();
  EXPECT_THAT(
      m,
      HasSubstr(
          "ALERTS{alertname=\"Slow\",job=\"api\",severity=\"page\",alertstate=\"pending\"} 1\n"));
  EXPECT_THAT(
      m,
      HasSubstr("ALERTS_FOR_STATE{alertname=\"Slow\",job=\"api\",severity=\"page\"} 1700000000\n"));
  EXPECT_THAT(m, HasSubstr("prometheus_rule_evaluations_total{rule_group=\"w.yaml;latency\"} 1\n"));
  EXPECT_THAT(
      m, HasSubstr("prometheus_rule_evaluation_failures_total{rule_group=\"w.yaml;latency\"} 0\n"));
  EXPECT_THAT(
      m, HasSubstr("prometheus_rule_group_interval_seconds{rule_group=\"w.yaml;latency\"} 10\n"));
  EXPECT_THAT(m, HasSubstr("# TYPE prometheus_rule_group_last_duration_seconds gauge\n"));
}

TEST(RuleWatcher, RuleErrorsAreCountedAndReported) {
  Fixture f;
  f.hooks.query = [](const Rule&, int64_t) -> Result<promql::Value> {
    return Status::Unavailable("GET http://127.0.0.1:1/api/v1/query: connection refused");
  };
  std::vector<std::string> errors;
  f.watcher.RunDue(kStart, f.hooks, &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(
      errors[0],
      "group \"latency\", rule \"Slow\": GET http://127.0.0.1:1/api/v1/query: connection refused");
  EXPECT_EQ(f.watcher.stats()[0].rule_failures, 1u);
}

}  // namespace
}  // namespace vitals::alerting
