// Text and JSON forms of a Comparison (`vitals compare`) and a GateResult (`vitals gate`).
// Text is for people (fixed-width tables, reasons spelled out under them); JSON is for
// scripts and keeps every number unrounded.  Thread-safety: pure functions.
#pragma once

#include <string>

#include "gate/compare.h"
#include "gate/gate.h"
#include "gate/policy.h"

namespace vitals::gate {

// Header (who is A and B, the test used), then one table per scope (overall, then each
// phase): METRIC A B DELTA DELTA% P EFFECT CI VERDICT; then the reasons for "not testable"
// verdicts and the notes.
std::string FormatComparisonText(const Comparison& c);
std::string ComparisonJson(const Comparison& c);

struct GateHeader {
  std::string baseline_name, baseline_id;
  std::string candidate_name, candidate_id;
  std::string policy_source;
  double alpha = 0.01;
};

// "vitals gate: PASS|FAIL|CANNOT DECIDE ...", the rule table (RULE SCOPE BASELINE CANDIDATE
// CHANGE LIMIT SIGNIFICANT RESULT) and one line per failed or untestable rule saying why.
std::string FormatGateText(const GateResult& g, const GateHeader& h);
// {"outcome", "baseline", "candidate", "policy", "rules": [...], "comparison": {...}}.
std::string GateJson(const GateResult& g, const GateHeader& h, const Comparison& c);

// "pass" | "fail" | "undecided".
const char* GateOutcomeName(GateOutcome o);

}  // namespace vitals::gate
