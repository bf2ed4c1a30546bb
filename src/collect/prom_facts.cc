// PromQuerier and the collection of all Prometheus facts.
#include "collect/prom_facts.h"

#include <fmt/format.h>

#include <set>

namespace vitals::detail {

std::string PromQuerier::Sel(const std::string& name, const std::string& extra) const {
  std::string m = selector_;
  if (!extra.empty()) m += (m.empty() ? "" : ",") + extra;
  return m.empty() ? name : name + "{" + m + "}";
}

std::string PromQuerier::Range() const { return "[" + PromDuration(w_.range_ms) + "]"; }

std::string PromQuerier::Offset() const { return " offset " + PromDuration(w_.window_ms); }

promql::Vector PromQuerier::Vec(const std::string& what, const std::string& expr) {
  if (!fatal_.ok()) return {};
  auto v = source_.Query(expr, w_.t_ms);
  if (!v.ok()) {
    if (v.status().code() == Status::Code::kUnavailable) {
      fatal_ = v.status();
    } else {
      out_->limited.push_back(
          fmt::format("{}: query {} failed: {}", what, expr, v.status().message()));
    }
    return {};
  }
  if (auto* vec = std::get_if<promql::Vector>(&*v)) return std::move(*vec);
  if (auto* s = std::get_if<promql::Scalar>(&*v)) return {promql::Sample{{}, s->point}};
  out_->limited.push_back(fmt::format("{}: query {} did not give an instant vector", what, expr));
  return {};
}

std::vector<std::string> PromQuerier::Names(const std::string& regex) {
  std::set<std::string> names;
  std::string m = "__name__=~\"" + regex + "\"";
  for (const auto& s :
       Vec("metric names",
           "count by (__name__) ({" + (selector_.empty() ? m : selector_ + "," + m) + "})")) {
    std::string n(s.labels.Get(promql::kMetricName));
    if (!n.empty()) names.insert(n);
  }
  return {names.begin(), names.end()};
}

Result<Collection> PromFacts(PromSource& source, const PromFactsWindow& window,
                             const PrometheusOptions& options) {
  Collection out;
  out.component = "prometheus";
  PromQuerier q(source, window, options.selector, &out);
  VITALS_RETURN_IF_ERROR(AddHttpFacts(q, options, &out));
  VITALS_RETURN_IF_ERROR(AddRuntimeFacts(q, &out));
  VITALS_RETURN_IF_ERROR(AddCacheFacts(q, &out));
  if (!q.fatal().ok()) return q.fatal();
  for (Fact& f : out.facts) f.text["source"] = source.Describe();
  return out;
}

}  // namespace vitals::detail
