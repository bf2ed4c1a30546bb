#include "alerting/group_eval.h"

#include <fmt/format.h>

#include <chrono>

namespace vitals::alerting {

Result<promql::Vector> RuleResultVector(const promql::Value& v) {
  if (auto* vec = std::get_if<promql::Vector>(&v)) return *vec;
  if (auto* s = std::get_if<promql::Scalar>(&v)) {
    return promql::Vector{promql::Sample{promql::Labels(), s->point}};
  }
  return Status::InvalidArgument("rule result is not a vector or scalar");
}

GroupEvaluator::GroupEvaluator(const RuleGroup& group) : group_(group) {
  for (const Rule& r : group_.rules) {
    alerting_.push_back(r.is_alert() ? std::make_unique<AlertingRule>(r, group_.labels) : nullptr);
  }
  previous_.resize(group_.rules.size());
}

void GroupEvaluator::Eval(int64_t t_ms, const EvalHooks& hooks,
                          std::vector<AlertTransition>* transitions,
                          std::vector<RuleOutcome>* outcomes) {
  ExpandContext ctx;
  ctx.external_labels = hooks.external_labels;
  ctx.external_url = hooks.external_url;
  if (hooks.template_query) {
    ctx.query = [&hooks, t_ms](const std::string& expr) {
      return hooks.template_query(expr, t_ms);
    };
  }
  for (size_t i = 0; i < group_.rules.size(); ++i) {
    const Rule& rule = group_.rules[i];
    auto start = std::chrono::steady_clock::now();
    RuleOutcome outcome;
    outcome.rule = &rule;
    promql::Vector written;
    auto value = hooks.query(rule, t_ms);
    Result<promql::Vector> vec =
        value.ok() ? RuleResultVector(*value) : Result<promql::Vector>(value.status());
    if (!vec.ok()) {
      outcome.status = vec.status();
    } else if (alerting_[i]) {
      auto series = alerting_[i]->Eval(*vec, t_ms, group_.limit, ctx, transitions);
      if (!series.ok()) {
        outcome.status = series.status();
      } else {
        written = std::move(*series);
        outcome.samples = written.size() / 2;
      }
    } else {
      for (promql::Sample& s : *vec) {
        s.labels.Set(promql::kMetricName, rule.record);
        for (const auto& l : group_.labels) {
          bool own = false;
          for (const auto& rl : rule.labels) own = own || rl.name == l.name;
          if (!own) s.labels.Set(l.name, l.value);
        }
        for (const auto& l : rule.labels) s.labels.Set(l.name, l.text);
        s.point.t_ms = t_ms;
      }
      std::map<std::string, int> seen;
      bool dup = false;
      for (const auto& s : *vec) dup = dup || !seen.emplace(s.labels.Key(), 0).second;
      if (dup) {
        outcome.status = Status::InvalidArgument(
            "vector contains metrics with the same labelset after applying rule labels");
      } else if (group_.limit > 0 && vec->size() > size_t(group_.limit)) {
        outcome.status = Status::InvalidArgument(
            fmt::format("exceeded limit of {} with {} series", group_.limit, vec->size()));
      } else {
        written = std::move(*vec);
        outcome.samples = written.size();
      }
    }
    // Staleness: what this rule wrote last time and not now ends now.
    std::map<std::string, promql::Labels> now;
    for (const auto& s : written) now.emplace(s.labels.Key(), s.labels);
    for (const auto& [key, labels] : previous_[i]) {
      if (now.count(key) == 0) written.push_back({labels, {t_ms, promql::StaleNaN()}});
    }
    previous_[i] = std::move(now);
    if (hooks.append && !written.empty()) hooks.append(written);
    outcome.duration_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
    if (outcomes != nullptr) outcomes->push_back(std::move(outcome));
  }
}

}  // namespace vitals::alerting
