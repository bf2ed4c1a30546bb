#include "alerting/lint.h"

#include <gtest/gtest.h>

namespace vitals::alerting {
namespace {

std::vector<LintFinding> Lint(const std::string& rules, int64_t scrape_ms = 60'000) {
  auto f = ParseRuleFile("groups:\n- name: g\n  rules:\n" + rules, "r.yaml");
  EXPECT_TRUE(f.ok()) << f.status().message();
  if (!f.ok()) return {};
  return LintRules(*f, LintOptions{scrape_ms});
}

std::vector<std::string> Checks(const std::vector<LintFinding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.check);
  return out;
}

using V = std::vector<std::string>;

TEST(Lint, SelfRatioOfTheRunbook) {
  auto fs = Lint(
      "  - alert: HighErrorRate\n    expr: rate(http_requests_total{status=~\"5..\"}[5m]) / "
      "rate(http_requests_total[5m]) > 0.05\n");
  ASSERT_EQ(Checks(fs), V{"self-ratio"});
  EXPECT_EQ(fs[0].pos.ToString(), "r.yaml:5:11");
  EXPECT_NE(fs[0].message.find("divides each series by itself"), std::string::npos)
      << fs[0].message;
  EXPECT_NE(fs[0].message.find("group \"g\", rule 1, \"HighErrorRate\""), std::string::npos);
}

TEST(Lint, AggregatedRatioIsFine) {
  EXPECT_EQ(Checks(Lint("  - alert: HighErrorRate\n    expr: "
                        "sum(rate(http_requests_total{status=~\"5..\"}[5m])) / "
                        "sum(rate(http_requests_total[5m])) > 0.05\n")),
            V{});
  EXPECT_EQ(Checks(Lint("  - alert: E\n    expr: sum by (job) (rate(x{s=\"5\"}[5m])) / ignoring(s) "
                        "sum by (job) (rate(x[5m])) > 0.05\n")),
            V{});
  // Grouping by the filtered label is the same trap.
  EXPECT_EQ(Checks(Lint("  - alert: E\n    expr: sum by (status) (rate(x{status=~\"5..\"}[5m])) / "
                        "sum by (status) (rate(x[5m])) > 0.05\n")),
            V{"self-ratio"});
}

TEST(Lint, ValueInLabel) {
  auto fs = Lint("  - alert: A\n    expr: x > 1\n    labels:\n      current: \"{{ $value }}\"\n");
  ASSERT_EQ(Checks(fs), V{"value-in-label"});
  EXPECT_NE(fs[0].message.find("label \"current\" uses $value"), std::string::npos);
}

TEST(Lint, ShortRateWindow) {
  EXPECT_EQ(Checks(Lint("  - alert: A\n    expr: rate(x[1m]) > 1\n")), V{"short-rate-window"});
  EXPECT_EQ(Checks(Lint("  - alert: A\n    expr: rate(x[1m]) > 1\n", 15'000)), V{});
  auto fs = Lint("  - record: r\n    expr: irate(x[30s])\n", 30'000);
  ASSERT_EQ(Checks(fs), V{"short-rate-window"});
  EXPECT_NE(
      fs[0].message.find("irate() over [30s] is shorter than two scrape intervals (30s each)"),
      std::string::npos)
      << fs[0].message;
}

TEST(Lint, AlertWithoutComparison) {
  EXPECT_EQ(Checks(Lint("  - alert: A\n    expr: rate(errors_total[5m])\n")), V{"no-comparison"});
  EXPECT_EQ(Checks(Lint("  - alert: A\n    expr: rate(errors_total[5m]) > bool 1\n")),
            V{"no-comparison"});
  EXPECT_EQ(Checks(Lint("  - alert: A\n    expr: absent(up{job=\"api\"})\n")), V{});
  EXPECT_EQ(Checks(Lint("  - alert: A\n    expr: up == 0 or absent(up)\n")), V{});
  EXPECT_EQ(Checks(Lint("  - alert: A\n    expr: x and y > 1\n")), V{});
  EXPECT_EQ(Checks(Lint("  - alert: A\n    expr: (x > 1) * 100\n")), V{});
  // A recording rule needs no comparison.
  EXPECT_EQ(Checks(Lint("  - record: r\n    expr: sum(x)\n")), V{});
}

TEST(Lint, DuplicateRule) {
  EXPECT_EQ(Checks(Lint("  - alert: A\n    expr: x > 1\n  - alert: A\n    expr: x > 2\n")),
            V{"duplicate-rule"});
  EXPECT_EQ(Checks(Lint(
                "  - alert: A\n    expr: x > 1\n    labels: {s: a}\n  - alert: A\n    expr: x > 2\n"
                "    labels: {s: b}\n")),
            V{});
}

}  // namespace
}  // namespace vitals::alerting
