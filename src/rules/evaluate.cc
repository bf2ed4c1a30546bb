#include "rules/evaluate.h"

#include <algorithm>
#include <tuple>

namespace vitals {

const char* LevelName(Level level) { return level == Level::kCritical ? "critical" : "warning"; }

std::optional<Finding> EvaluateRule(const Rule& rule, const Fact& fact) {
  if (fact.kind != rule.fact || fact.component != rule.component) return std::nullopt;
  if (rule.when && !rule.when->Test(fact)) return std::nullopt;
  Finding f;
  if (rule.critical && rule.critical->Test(fact)) {
    f.level = Level::kCritical;
    f.priority = rule.critical_priority;
  } else if (rule.warning && rule.warning->Test(fact)) {
    f.level = Level::kWarning;
    f.priority = rule.warning_priority;
  } else {
    return std::nullopt;
  }
  f.id = rule.id;
  f.component = rule.component;
  f.subject = fact.subject;
  if (rule.value) f.value = rule.value->Number(fact);
  f.title = rule.title.Render(fact, f.value);
  f.evidence = rule.evidence.Render(fact, f.value);
  f.action = rule.action.Render(fact, f.value);
  f.runbook = rule.runbook;
  f.source = rule.source;
  return f;
}

std::vector<Finding> Evaluate(const std::vector<RuleSet>& rules,
                              const std::vector<Collection>& collections) {
  std::vector<Finding> out;
  for (const auto& set : rules) {
    for (const auto& rule : set.rules) {
      for (const auto& c : collections) {
        for (const auto& fact : c.facts) {
          if (auto f = EvaluateRule(rule, fact)) out.push_back(std::move(*f));
        }
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    // Critical sorts before warning at equal priority.
    return std::tuple(a.priority, a.level != Level::kCritical, a.component, a.id, a.subject) <
           std::tuple(b.priority, b.level != Level::kCritical, b.component, b.id, b.subject);
  });
  return out;
}

}  // namespace vitals
