#include "alerting/rule_test.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vitals::alerting {
namespace {

const std::string kSrc = VITALS_SOURCE_DIR;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(RuleTests, ShippedExamplesPass) {
  for (const char* f : {"http_test.yaml", "resources_test.yaml", "database_test.yaml"}) {
    std::string path = kSrc + "/examples/alerts/" + f;
    RuleTestReport r = RunRuleTests({path});
    EXPECT_EQ(r.exit_code, 0) << f << "\n" << r.out << r.err;
    EXPECT_EQ(r.out, "Unit Testing:  " + path + "\n  SUCCESS\n\n");
    EXPECT_EQ(r.err, "");
  }
}

// The expected text is what Debian's promtool 2.42 printed for the same file.
TEST(RuleTests, FailuresPrintPromtoolsDiff) {
  std::string path = kSrc + "/tests/alerting/testdata/failing_test.yaml";
  RuleTestReport r = RunRuleTests({path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, Slurp(kSrc + "/tests/alerting/testdata/failing_test.promtool-stderr.txt"));
  EXPECT_EQ(r.out, "Unit Testing:  " + path + "\n\n\n\n\n\n");
}

TEST(RuleTests, PendingAlertsAreNotFiring) {
  std::string rules = WriteTemp("rt_rules.yaml", R"(groups:
- name: g
  rules:
  - alert: Down
    expr: up == 0
    for: 3m
    annotations: {summary: "{{ $labels.job }} down"}
)");
  std::string test = WriteTemp("rt_test.yaml", "rule_files: [" + rules + R"(]
tests:
- interval: 1m
  input_series:
  - series: 'up{job="api"}'
    values: '0x10'
  alert_rule_test:
  - eval_time: 2m
    alertname: Down
    exp_alerts: []
  - eval_time: 3m
    alertname: Down
    exp_alerts:
    - exp_labels: {job: api}
      exp_annotations: {summary: "api down"}
  promql_expr_test:
  - expr: ALERTS
    eval_time: 2m
    exp_samples:
    - labels: 'ALERTS{alertname="Down", alertstate="pending", job="api"}'
      value: 1
)");
  RuleTestReport r = RunRuleTests({test});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(RuleTests, BrokenRuleFileFails) {
  std::string rules =
      WriteTemp("rt_bad_rules.yaml", "groups:\n- name: g\n  rules:\n  - alert: X\n");
  std::string test = WriteTemp("rt_bad_test.yaml", "rule_files: [" + rules + "]\ntests: []\n");
  RuleTestReport r = RunRuleTests({test});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "  FAILED:\n" + rules +
                       ":4:5: group \"g\", rule 1, \"X\": field 'expr' must be set in rule\n");
}

TEST(RuleTests, BadSeriesValuesFail) {
  std::string rules =
      WriteTemp("rt_ok_rules.yaml", "groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n");
  std::string test = WriteTemp("rt_series_test.yaml", "rule_files: [" + rules + R"(]
tests:
- interval: 1m
  input_series:
  - series: 'up'
    values: '1 2 x'
)");
  RuleTestReport r = RunRuleTests({test});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("series 'up': bad series value item \"x\""), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vitals::alerting
