// Unit tests for rule files in the format of `promtool test rules`, with
// promtool's results, output and exit code:
//
//   rule_files: [alerts.yaml]          # relative to the test file; globs allowed
//   evaluation_interval: 1m            # default 1m
//   group_eval_order: [g1, g2]         # optional
//   tests:
//     - name: optional
//       interval: 1m                   # input spacing (default: evaluation_interval)
//       external_labels: {cluster: a}
//       external_url: http://am.example
//       input_series:
//         - series: 'http_requests_total{status="500"}'
//           values: '0+10x30 _ stale'  # series_notation.h
//       alert_rule_test:
//         - eval_time: 10m
//           alertname: HighErrorRate
//           exp_alerts:                # firing alerts only; [] = none
//             - exp_labels: {severity: page, status: "500"}
//               exp_annotations: {summary: "..."}
//       promql_expr_test:
//         - expr: sum(rate(http_requests_total[5m]))
//           eval_time: 5m
//           exp_samples:
//             - labels: '{}'
//               value: 10
//
// The rules are evaluated from t=0 every evaluation_interval up to the
// largest eval_time, every group at every step in file order (promtool does
// not honour a group's own interval here); an alert test is checked after
// the last evaluation at or before its eval_time; a PromQL test is evaluated
// after all of them.  Values compare exactly, as promtool compares them.
//
// One difference with Debian's promtool 2.42 (documented in
// docs/alerting.md): a test group without `interval` uses
// evaluation_interval, as current promtool does; 2.42 uses 0.
//
// Thread-safety: pure function of the files.
#pragma once

#include <string>
#include <vector>

namespace vitals::alerting {

struct RuleTestReport {
  std::string out;    // what promtool prints on stdout ("Unit Testing:  f.yaml")
  std::string err;    // what promtool prints on stderr (the failures)
  int exit_code = 0;  // 0 every test passed, 1 otherwise
};

RuleTestReport RunRuleTests(const std::vector<std::string>& files);

}  // namespace vitals::alerting
