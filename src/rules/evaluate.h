// Evaluating rules over collected facts.
//
// For every rule and every fact of the rule's component whose kind equals the
// rule's `fact`: skip it unless `when` holds; the level is critical when
// `critical` holds, else warning when `warning` holds, else no finding.
// Title, evidence and action are rendered from the fact's fields.
//
// Thread-safety: pure function.
#pragma once

#include <vector>

#include "collect/fact.h"
#include "rules/rule.h"

namespace vitals {

// Findings sorted by priority (P0 first), then level (critical first), then
// component, id and subject.  Never fails: a rule whose fields are missing
// simply does not fire.
std::vector<Finding> Evaluate(const std::vector<RuleSet>& rules,
                              const std::vector<Collection>& collections);

// Findings of one rule for one fact, if any (exposed for tests and tools).
std::optional<Finding> EvaluateRule(const Rule& rule, const Fact& fact);

}  // namespace vitals
