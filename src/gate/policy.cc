#include "gate/policy.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/units.h"
#include "core/yaml_reader.h"

namespace vitals::gate {
namespace {

using detail::YamlReader;

constexpr const char* kDefaultPolicy =
    R"(# vitals gate default policy (`vitals gate --show-policy`; docs/gating.md)
alpha: 0.01              # a change is significant when the Mann-Whitney p-value <= alpha
rules:
  - metric: p95
    max_increase: 20%    # fail when p95 is up more than 20 % ...
    significant: true    # ... and the change is significant
  - metric: p99
    max_increase: 20%
    significant: true
  - metric: error_rate
    max_increase_points: 1%   # fail when the error rate rises by more than 1 point
  - metric: rate
    max_decrease: 10%    # fail when achieved throughput falls by more than 10 %
# Optional: fail when p95 is up more than 30 % in each of the last N runs with the
# candidate's tags (tags in ignore_tags may differ), even if no single gate failed.
# consecutive:
#   metric: p95
#   max_increase: 30%
#   runs: 2
#   ignore_tags: [commit]
)";

std::string Pct(double fraction) { return fmt::format("{:g}%", fraction * 100); }

// "20%" -> 0.2, "0.2" -> 0.2; must be > 0.  Percentages above 100 are allowed ("150%").
Result<double> Limit(const YamlReader& rd, const YAML::Node& n, const std::string& field) {
  if (!n.IsScalar()) return rd.Err(n, field, "expected a percentage like 20%");
  std::string text = n.Scalar();
  bool pct = !text.empty() && text.back() == '%';
  if (pct) text.pop_back();
  auto v = ParseDouble(text);
  if (!v.ok() || *v <= 0 || (!pct && *v > 1)) {
    return rd.Err(n, field,
                  fmt::format("expected a percentage > 0 like 20% (or a fraction like 0.2), got "
                              "'{}'",
                              n.Scalar()));
  }
  return pct ? *v / 100 : *v;
}

Result<Metric> MetricAt(const YamlReader& rd, const YAML::Node& n, const std::string& field) {
  auto s = rd.Str(n, field);
  if (!s.ok()) return s.status();
  auto m = ParseMetric(*s);
  if (!m) {
    return rd.Err(n, field,
                  fmt::format("unknown metric '{}' (expected one of {})", *s, MetricNamesList()));
  }
  return *m;
}

Result<PolicyRule> ParseRule(const YamlReader& rd, const YAML::Node& n, size_t index) {
  const std::string field = fmt::format("rules[{}]", index);
  VITALS_RETURN_IF_ERROR(rd.Keys(
      n, field,
      {"metric", "max_increase", "max_decrease", "max_increase_points", "significant", "scope"}));
  PolicyRule r;
  r.line = n.Mark().line + 1;
  if (!n["metric"]) return rd.Err(n, field, "missing 'metric' (one of p50 p95 p99 ...)");
  auto m = MetricAt(rd, n["metric"], field + ".metric");
  if (!m.ok()) return m.status();
  r.metric = *m;
  int limits = 0;
  for (auto [key, kind] : {std::pair{"max_increase", LimitKind::kMaxIncrease},
                           std::pair{"max_decrease", LimitKind::kMaxDecrease},
                           std::pair{"max_increase_points", LimitKind::kMaxIncreasePoints}}) {
    if (!n[key]) continue;
    ++limits;
    auto v = Limit(rd, n[key], field + "." + key);
    if (!v.ok()) return v.status();
    r.kind = kind;
    r.limit = *v;
  }
  if (limits != 1) {
    return rd.Err(n, field,
                  "give exactly one of max_increase (latency), max_decrease (rate) or "
                  "max_increase_points (error_rate)");
  }
  const std::string metric = MetricName(r.metric);
  if (r.metric == Metric::kRate && r.kind != LimitKind::kMaxDecrease) {
    return rd.Err(n, field, "metric rate: throughput going up is no regression; use max_decrease");
  }
  if (r.metric == Metric::kErrorRate && r.kind != LimitKind::kMaxIncreasePoints) {
    return rd.Err(n, field,
                  "metric error_rate: use max_increase_points (1% = one percentage point); a "
                  "relative change of an error rate near 0 means nothing");
  }
  if (IsLatency(r.metric) && r.kind != LimitKind::kMaxIncrease) {
    return rd.Err(n, field,
                  fmt::format("metric {}: latency regresses upwards; use max_increase", metric));
  }
  r.significant = IsLatency(r.metric);
  if (n["significant"]) {
    auto b = rd.Bool(n["significant"], field + ".significant");
    if (!b.ok()) return b.status();
    r.significant = *b;
  }
  if (n["scope"]) {
    auto s = rd.Str(n["scope"], field + ".scope");
    if (!s.ok()) return s.status();
    if (s->empty()) return rd.Err(n["scope"], field + ".scope", "overall, each_phase or a phase");
    r.scope = *s;
  }
  return r;
}

Status ParseConsecutive(const YamlReader& rd, const YAML::Node& n, ConsecutiveRule* c) {
  VITALS_RETURN_IF_ERROR(
      rd.Keys(n, "consecutive", {"metric", "max_increase", "runs", "ignore_tags"}));
  c->enabled = true;
  if (n["metric"]) {
    auto m = MetricAt(rd, n["metric"], "consecutive.metric");
    if (!m.ok()) return m.status();
    if (!IsLatency(*m)) {
      return rd.Err(n["metric"], "consecutive.metric",
                    "expected a latency metric: p50 p95 p99 mean");
    }
    c->metric = *m;
  }
  if (n["max_increase"]) {
    auto v = Limit(rd, n["max_increase"], "consecutive.max_increase");
    if (!v.ok()) return v.status();
    c->max_increase = *v;
  }
  if (n["runs"]) {
    auto v = rd.Num(n["runs"], "consecutive.runs", "a whole number of runs >= 2");
    if (!v.ok()) return v.status();
    if (*v < 2 || *v > 100 || *v != std::floor(*v)) {
      return rd.Err(n["runs"], "consecutive.runs",
                    "expected a whole number of runs from 2 to 100 (1 run is what the rules "
                    "above already check)");
    }
    c->runs = int(*v);
  }
  if (n["ignore_tags"]) {
    const YAML::Node& t = n["ignore_tags"];
    if (!t.IsSequence()) {
      return rd.Err(t, "consecutive.ignore_tags", "expected a list of tag keys, e.g. [commit]");
    }
    c->ignore_tags.clear();
    for (const auto& k : t) {
      auto s = rd.Str(k, "consecutive.ignore_tags");
      if (!s.ok()) return s.status();
      c->ignore_tags.push_back(*s);
    }
  }
  return Status::Ok();
}

Result<Policy> ParseRoot(const YamlReader& rd, const YAML::Node& root, const std::string& file) {
  Policy p;
  p.source = file;
  if (!root || root.IsNull()) {
    return Status::InvalidArgument(
        fmt::format("{}: empty policy file; see `vitals gate --show-policy` for the format", file));
  }
  VITALS_RETURN_IF_ERROR(rd.Keys(root, "", {"alpha", "rules", "consecutive"}));
  if (root["alpha"]) {
    auto a = rd.Num(root["alpha"], "alpha", "a significance level between 0 and 0.5");
    if (!a.ok()) return a.status();
    if (*a <= 0 || *a > 0.5) {
      return rd.Err(root["alpha"], "alpha",
                    "expected a significance level > 0 and <= 0.5 (0.01 is the default)");
    }
    p.alpha = *a;
  }
  const YAML::Node& rules = root["rules"];
  if (rules) {
    if (!rules.IsSequence()) {
      return rd.Err(rules, "rules", "expected a list of rules (- metric: p95 ...)");
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      auto r = ParseRule(rd, rules[i], i);
      if (!r.ok()) return r.status();
      p.rules.push_back(*r);
    }
  }
  if (root["consecutive"]) {
    VITALS_RETURN_IF_ERROR(ParseConsecutive(rd, root["consecutive"], &p.consecutive));
  }
  if (p.rules.empty() && !p.consecutive.enabled) {
    return Status::InvalidArgument(fmt::format(
        "{}: the policy has no rules, so the gate could never fail; add rules (see `vitals gate "
        "--show-policy`)",
        file));
  }
  return p;
}

}  // namespace

std::string PolicyRule::Describe() const {
  const char* m = MetricName(metric);
  std::string scope_text =
      scope == "overall" ? ""
                         : (scope == "each_phase" ? " (each phase)" : " (phase " + scope + ")");
  switch (kind) {
    case LimitKind::kMaxIncrease:
      return fmt::format("{}{} up > {}{}", m, scope_text, Pct(limit),
                         significant ? " and significant" : "");
    case LimitKind::kMaxDecrease:
      return fmt::format("{}{} down > {}{}", m, scope_text, Pct(limit),
                         significant ? " and significant" : "");
    case LimitKind::kMaxIncreasePoints:
      return fmt::format("{}{} up > {:g} pt{}", m, scope_text, limit * 100,
                         significant ? " and significant" : "");
  }
  return m;
}

std::string ConsecutiveRule::Describe() const {
  return fmt::format("{} up > {} in {} consecutive runs", MetricName(metric), Pct(max_increase),
                     runs);
}

const char* DefaultPolicyYaml() { return kDefaultPolicy; }

Policy DefaultPolicy() {
  auto p = ParsePolicy(kDefaultPolicy, "default policy");
  return p.ok() ? *p : Policy{};  // the embedded text is covered by a unit test
}

Result<Policy> ParsePolicy(const std::string& yaml_text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    std::string where =
        e.mark.is_null() ? file : fmt::format("{}:{}:{}", file, e.mark.line + 1, e.mark.column + 1);
    return Status::InvalidArgument(
        fmt::format("{}: invalid YAML: {}", where, e.msg.empty() ? "syntax error" : e.msg));
  }
  try {
    return ParseRoot(YamlReader(file), root, file);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(fmt::format("{}: unexpected YAML structure: {}", file, e.msg));
  }
}

Result<Policy> LoadPolicyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound(fmt::format(
        "policy file '{}' cannot be read; `vitals gate --show-policy > {}` writes the default "
        "one to start from",
        path, path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParsePolicy(ss.str(), path);
}

}  // namespace vitals::gate
