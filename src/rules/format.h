// Rendering the result of `vitals check`: text, markdown and JSON.
//
// Text: findings grouped by priority and level (P0 first), each with title,
// evidence, action and runbook; then "limited:" lines, "could not check:"
// lines and a one-line summary.  Markdown: a table of all findings, then one
// details section each.  JSON keys are stable (documented in docs/rules.md):
//   {"findings": [...], "limited": [...], "errors": [...], "summary": {...}}
// Every error message passes through RedactSecrets before it is rendered.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "collect/fact.h"
#include "rules/rule.h"

namespace vitals {

// A note about one component: a limited check, or why it could not be checked.
struct CheckNote {
  std::string component;
  std::string message;
};

struct CheckReport {
  std::vector<std::string> components;  // components asked for, in order
  std::vector<Finding> findings;        // as returned by Evaluate (sorted)
  std::vector<CheckNote> limited;
  std::vector<CheckNote> errors;  // components that could not be checked
  double window_s = 0;
  int rules = 0;  // rules in the catalog
  int facts = 0;  // facts collected
  // The facts themselves (JSON only: "observed"), so what the rules saw can be
  // read and compared between sources.
  std::vector<Fact> observed;
};

enum class OutputFormat { kText, kMarkdown, kJson };

std::string FormatReportText(const CheckReport& report, bool color);
std::string FormatReportMarkdown(const CheckReport& report);
std::string FormatReportJson(const CheckReport& report);

// The rule catalog (`vitals check --list-rules`).
std::string FormatCatalog(const std::vector<RuleSet>& rules, OutputFormat format);

// The fact a "limited" note is about, for the summary line: the text before its first ": "
// (collectors write notes as "FACT: REASON"), else before its first "; ", shortened to 60
// characters ("...").  "pg_stat_statements: extension not installed" -> "pg_stat_statements".
std::string LimitedFact(const std::string& note);

// "P0".."P3".
std::string PriorityName(int priority);
// "3 findings: 1 critical, 2 warning (P1 1, P2 2)" or "no findings".
std::string FindingsSummary(const std::vector<Finding>& findings);

}  // namespace vitals
