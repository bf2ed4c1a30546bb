// The gate policy: which changes between a baseline and a candidate run fail CI.
// File format (YAML), documented with examples in docs/gating.md; DefaultPolicyYaml() is the
// policy used without --policy and what `vitals gate --show-policy` prints:
//
//   alpha: 0.01                 # significance level of the Mann-Whitney test
//   rules:                      # a rule fails when its limit is exceeded (and, when
//     - metric: p95             #   `significant` is true, the change is significant)
//       max_increase: 20%       # relative: (candidate - baseline) / baseline
//       significant: true       # default: true for latency metrics, false otherwise
//       scope: overall          # overall (default) | each_phase | <phase name>
//     - metric: error_rate
//       max_increase_points: 1% # absolute: 1% = one percentage point
//     - metric: rate
//       max_decrease: 10%
//   consecutive:                # optional: a slow creep that each single gate lets through
//     metric: p95
//     max_increase: 30%         # each of the last `runs` runs vs the baseline
//     runs: 2
//     ignore_tags: [commit]     # tags that may differ between the runs (default [commit])
//
// Errors are InvalidArgument "<file>:<line>:<col>: <field>: <what is wrong and what is
// allowed>"; unknown keys are errors (a typo must not silently drop a rule).
//
// Thread-safety: values and pure functions.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "gate/compare.h"

namespace vitals::gate {

enum class LimitKind {
  kMaxIncrease,        // relative increase (latency)
  kMaxDecrease,        // relative decrease (throughput)
  kMaxIncreasePoints,  // absolute increase of a ratio (error rate)
};

struct PolicyRule {
  Metric metric = Metric::kP95;
  LimitKind kind = LimitKind::kMaxIncrease;
  double limit = 0.2;  // fraction: 0.2 = 20 % (relative) or 20 points (points)
  bool significant = true;
  std::string scope = "overall";  // "overall" | "each_phase" | a phase name
  int line = 0;                   // 1-based line in the policy file; 0 for built-in rules

  // "p95 up > 20% and significant", "error_rate up > 1.00 pt", "rate down > 10%".
  std::string Describe() const;
};

struct ConsecutiveRule {
  bool enabled = false;
  Metric metric = Metric::kP95;
  double max_increase = 0.3;  // fraction
  int runs = 2;               // N >= 2
  std::vector<std::string> ignore_tags = {"commit"};
  std::string Describe() const;  // "p95 up > 30% in 2 consecutive runs"
};

struct Policy {
  double alpha = 0.01;
  std::vector<PolicyRule> rules;
  ConsecutiveRule consecutive;
  std::string source = "default policy";  // the file name, for messages
};

// The built-in policy as YAML text (with comments).
const char* DefaultPolicyYaml();
// DefaultPolicyYaml(), parsed.
Policy DefaultPolicy();
// Parses a policy document; `file` names it in errors.
Result<Policy> ParsePolicy(const std::string& yaml_text, const std::string& file);
// Reads and parses `path`; NotFound when it cannot be read.
Result<Policy> LoadPolicyFile(const std::string& path);

}  // namespace vitals::gate
