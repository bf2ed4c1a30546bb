// Rules and findings: the data model of `vitals check` (see docs/rules.md).
//
// A Rule is one runbook check loaded from YAML (src/rules/loader.h): which
// facts it reads, the conditions for each level, and the words shown to the
// user.  Evaluating rules over collected facts (src/rules/evaluate.h) yields
// Findings, one per rule and matching fact that reached a level.
//
// Thread-safety: plain values; a loaded rule is immutable and can be
// evaluated from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/expr.h"
#include "rules/template.h"

namespace vitals {

enum class Level { kWarning, kCritical };

// "warning" / "critical".
const char* LevelName(Level level);

// The components a rule can name; facts carry the same strings.
inline constexpr const char* kRuleComponents[] = {"host",      "prometheus", "postgres",
                                                  "pgbouncer", "redis",      "http"};

struct Rule {
  std::string id;         // unique, component-prefixed: "host.cpu.busy"
  std::string component;  // one of kRuleComponents
  std::string fact;       // Fact::kind the rule evaluates, one finding per matching fact
  RuleTemplate title;
  std::optional<RuleExpr> when;     // gate; absent = always
  std::optional<RuleExpr> value;    // measured value shown with the finding
  std::optional<RuleExpr> warning;  // at least one of warning / critical is set
  std::optional<RuleExpr> critical;
  int warning_priority = 3;  // P0..P3 as 0..3; P0 is the most urgent
  int critical_priority = 2;
  RuleTemplate evidence;
  RuleTemplate action;
  std::string runbook;  // "docs/runbooks/host.md#cpu-busy"
  std::string source;   // where the threshold comes from
  // `for: 30s`: under observation (vitals load --observe) the condition must hold on every
  // sample for this long before the finding counts, like an alert's `for`.  A one-time check
  // has a single sample and ignores it.
  int64_t for_ns = 0;

  // Where the rule was defined, for messages.
  std::string file;
  int line = 0;  // 1-based
};

// The rules of one file.
struct RuleSet {
  std::string file;  // "host.yaml" (shipped) or the path given with --rules
  std::vector<Rule> rules;
};

struct Finding {
  std::string id;
  std::string component;
  Level level = Level::kWarning;
  int priority = 3;  // 0..3
  std::string title;
  std::string subject;
  std::optional<double> value;
  std::string evidence;
  std::string action;
  std::string runbook;
  std::string source;
};

}  // namespace vitals
