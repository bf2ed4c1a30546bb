// Evaluating rule groups: every rule of a group in file order at one
// timestamp, recording rules' output visible to the rules after them (when
// the caller appends it to the store the queries read), alerting rules
// through their state machine (alert_state.h).
//
// Where the samples come from is the caller's: `RuleQuery` evaluates a
// rule's expression at a time (vitals' engine over a SampleStore, or a
// Prometheus server), `RuleAppend` receives what the group writes back
// (recorded series, ALERTS, ALERTS_FOR_STATE, and staleness markers for
// series a rule stopped producing, as Prometheus writes them).
//
// Thread-safety: one thread per GroupEvaluator.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alerting/alert_state.h"
#include "alerting/rule_file.h"
#include "promql/value.h"

namespace vitals::alerting {

using RuleQuery = std::function<Result<promql::Value>(const Rule& rule, int64_t t_ms)>;
using RuleAppend = std::function<void(const promql::Vector& samples)>;
using TemplateQueryAt =
    std::function<Result<std::vector<TemplateSample>>(const std::string& expr, int64_t t_ms)>;

struct EvalHooks {
  RuleQuery query;
  RuleAppend append;               // may be empty
  TemplateQueryAt template_query;  // may be empty
  promql::Labels external_labels;
  std::string external_url;
};

// The outcome of one rule in one evaluation.
struct RuleOutcome {
  const Rule* rule = nullptr;
  Status status;       // the rule's error, e.g. the labelset collision
  size_t samples = 0;  // series recorded, or alerts pending + firing
  int64_t duration_ns = 0;
};

// A rule's expression result as a vector: a scalar becomes one sample
// without labels (as Prometheus does).  Errors for strings and matrices.
Result<promql::Vector> RuleResultVector(const promql::Value& v);

class GroupEvaluator {
 public:
  // Borrows `group`: it must outlive the evaluator.
  explicit GroupEvaluator(const RuleGroup& group);

  // Evaluates every rule at `t_ms`; appends the alert state changes to
  // *transitions and one outcome per rule to *outcomes (may be null).
  void Eval(int64_t t_ms, const EvalHooks& hooks, std::vector<AlertTransition>* transitions,
            std::vector<RuleOutcome>* outcomes);

  const RuleGroup& group() const { return group_; }
  // The alerting rules, in file order (null for recording rules).
  const std::vector<std::unique_ptr<AlertingRule>>& alerting() const { return alerting_; }

 private:
  const RuleGroup& group_;
  std::vector<std::unique_ptr<AlertingRule>> alerting_;          // parallel to group_.rules
  std::vector<std::map<std::string, promql::Labels>> previous_;  // series written last time
};

}  // namespace vitals::alerting
