// Traps in alert rules that load fine but do not do what their author
// meant, found by `vitals watch --check` beside promtool's own checks:
//
//   self-ratio        a / b where both sides select the same metric and
//                     match on all labels: rate(x{status=~"5.."}[5m]) /
//                     rate(x[5m]) divides every 5xx series by itself (1).
//   value-in-label    $value (or .Value) in a label: the labels identify the
//                     alert, so every new value is a new alert.
//   short-rate-window rate/irate/increase/delta/deriv over a range shorter
//                     than two scrape intervals: often no result at all.
//   no-comparison     an alert expression without a comparison (or absent):
//                     every series it returns fires.
//   duplicate-rule    two rules of a group with the same name and labels
//                     (promtool's "duplicate rule" warning).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alerting/rule_file.h"

namespace vitals::alerting {

struct LintFinding {
  std::string check;  // "self-ratio", ...
  SourcePos pos;
  std::string message;  // group "g", rule 2, "X": <what and how to fix>
};

struct LintOptions {
  int64_t scrape_interval_ms = 60'000;  // Prometheus' default scrape_interval
};

std::vector<LintFinding> LintRules(const RuleFile& file, const LintOptions& opts = {});

}  // namespace vitals::alerting
