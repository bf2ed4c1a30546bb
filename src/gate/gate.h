// Gate evaluation: a Comparison (baseline A vs candidate B) judged by a Policy.
//
// A relative latency limit is exceeded when the whole-run value moved more than the limit, or
// the median of the per-interval samples did (MetricComparison::a_median / b_median: a few
// disturbed baseline intervals must not hide a slowdown).  A rule fails when its limit is
// exceeded and, if the rule requires it, the comparison's
// verdict for that metric and scope is kRegression (Mann-Whitney p <= alpha, B worse).  A
// rule that requires significance on a metric whose verdict is kNotTestable (runs too short,
// a JSON file without intervals) is kNotTestable: the gate cannot decide and says why; it
// never passes silently.  The consecutive rule fails when each of the last N runs with the
// candidate's tags (ignore_tags excepted, same scenario, the candidate included) has the
// metric above baseline * (1 + max_increase).
//
// The environment (gate/environment.h), when given: latency and throughput rules are not
// judged when the environment is unstable (kUnstable); a latency rule that would fail with a
// change no larger than the calibrated floor is kWithinNoise.  Error-rate rules are judged
// as always: errors are not machine noise.
//
// Outcome: kFail if any rule failed (exit 99), else kUndecided if any rule was not testable
// (exit 2: the runs cannot answer, whatever the machine), else kUnstable if any rule was
// unstable or within noise (exit 2, "UNSTABLE ENVIRONMENT"), else kPass (exit 0).
//
// Thread-safety: EvaluateGate is pure; RecentRuns borrows the Store on the calling thread.
#pragma once

#include <string>
#include <vector>

#include <optional>

#include "gate/compare.h"
#include "gate/environment.h"
#include "gate/policy.h"
#include "gate/run_data.h"
#include "store/store.h"

namespace vitals::gate {

enum class RuleOutcome { kPass, kFail, kNotTestable, kUnstable, kWithinNoise };
// "pass" "FAIL" "not testable" "unstable" "within noise"
const char* RuleOutcomeName(RuleOutcome o);

struct RuleResult {
  std::string rule;   // PolicyRule::Describe() / ConsecutiveRule::Describe()
  std::string phase;  // "" = overall
  Metric metric = Metric::kP95;
  double baseline = 0, candidate = 0;
  std::string change_text;        // "+29.1%", "+1.50 pt", "-12.0%"
  std::string limit_text;         // "+20%", "+1 pt", "-10%"
  std::string significance_text;  // "yes (p=0.0001)", "no (p=0.42)", "-" (not required)
  RuleOutcome outcome = RuleOutcome::kPass;
  std::string message;  // one sentence: what was measured and why it passed / failed
  int policy_line = 0;  // where the rule is in the policy file (0: built in)
};

// One run of the consecutive rule's window.
struct RecentRun {
  std::string id;
  double value = 0;  // the consecutive rule's metric, overall
};

enum class GateOutcome { kPass, kFail, kUndecided, kUnstable };

struct GateResult {
  GateOutcome outcome = GateOutcome::kPass;
  std::vector<RuleResult> rules;
  int failed = 0, not_testable = 0, unstable = 0;  // unstable counts within-noise rules too
  std::optional<EnvironmentCheck> environment;     // as given to EvaluateGate
};

// `recent`: newest first, the candidate first; used only when policy.consecutive.enabled.
// `baseline` is the run A of `cmp` (for the consecutive rule's reference value).
GateResult EvaluateGate(const Comparison& cmp, const Policy& policy, const RunData& baseline,
                        const std::vector<RecentRun>& recent,
                        const EnvironmentCheck* environment = nullptr);

// The consecutive rule's window: up to rule.runs completed runs, newest first, starting at
// the candidate (a JSON-file candidate is taken as is, then the stored runs started before
// it), that carry the candidate's tags (keys in rule.ignore_tags excepted) and ran the same
// scenario.  Errors: store errors only.
Result<std::vector<RecentRun>> RecentRuns(Store& store, const RunData& candidate,
                                          const ConsecutiveRule& rule);

}  // namespace vitals::gate
