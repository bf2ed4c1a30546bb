#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gate/format.h"

namespace vitals::gate {
namespace {

std::string Scope(const RuleResult& r) { return r.phase.empty() ? "overall" : r.phase; }

std::string Named(const std::string& name, const std::string& id) {
  return name == id || id.empty() ? name : fmt::format("{} (run {})", name, id);
}

}  // namespace

const char* GateOutcomeName(GateOutcome o) {
  switch (o) {
    case GateOutcome::kPass:
      return "pass";
    case GateOutcome::kFail:
      return "fail";
    case GateOutcome::kUndecided:
      return "undecided";
    case GateOutcome::kUnstable:
      return "unstable environment";
  }
  return "?";
}

std::string FormatGateText(const GateResult& g, const GateHeader& h) {
  std::string out;
  const size_t n = g.rules.size();
  switch (g.outcome) {
    case GateOutcome::kPass:
      out += fmt::format("vitals gate: PASS ({} of {} rules passed)\n", n, n);
      break;
    case GateOutcome::kFail:
      out += fmt::format("vitals gate: FAIL ({} of {} rules failed)\n", g.failed, n);
      break;
    case GateOutcome::kUndecided:
      out += fmt::format("vitals gate: CANNOT DECIDE ({} of {} rules not testable)\n",
                         g.not_testable, n);
      break;
    case GateOutcome::kUnstable:
      out += fmt::format(
          "vitals gate: UNSTABLE ENVIRONMENT (cannot decide: {} of {} rules not judged)\n",
          g.unstable, n);
      break;
  }
  out += fmt::format("baseline  {}\ncandidate {}\npolicy    {} (alpha {:g})\n\n",
                     Named(h.baseline_name, h.baseline_id), Named(h.candidate_name, h.candidate_id),
                     h.policy_source, h.alpha);
  if (g.environment) {
    const EnvironmentCheck& e = *g.environment;
    out += "environment " + DescribeSide("A", e.a) + "\n";
    out += "environment " + DescribeSide("B", e.b) + "\n";
    std::string floor = e.floor_us > 0 ? FormatValue(Metric::kP95, e.floor_us) : "none";
    if (!e.repeat_floor.empty()) {
      floor += fmt::format(
          ", repeat floor from {} baseline runs: p95 {:.1f}%", e.repeat_runs,
          100 * (e.repeat_floor.count(Metric::kP95) ? e.repeat_floor.at(Metric::kP95) : 0));
    }
    out += "noise floor " + floor + "\n";
    for (const std::string& p : e.problems) out += "unstable: " + p + "\n";
    if (g.outcome == GateOutcome::kUnstable) {
      out += std::string("what to do: ") + EnvironmentCheck::Advice() + "\n";
    }
    out += "\n";
  }
  out += fmt::format("{:<40} {:<10} {:>10} {:>10} {:>10} {:>8} {:<16} {}\n", "RULE", "SCOPE",
                     "BASELINE", "CANDIDATE", "CHANGE", "LIMIT", "SIGNIFICANT", "RESULT");
  for (const RuleResult& r : g.rules) {
    out +=
        fmt::format("{:<40} {:<10} {:>10} {:>10} {:>10} {:>8} {:<16} {}\n", r.rule, Scope(r),
                    FormatValue(r.metric, r.baseline), FormatValue(r.metric, r.candidate),
                    r.change_text, r.limit_text, r.significance_text, RuleOutcomeName(r.outcome));
  }
  bool header = false;
  for (const RuleResult& r : g.rules) {
    if (r.outcome == RuleOutcome::kPass) continue;
    if (!header) out += "\n";
    header = true;
    out += fmt::format(
        "{}: {}: {}{}\n", RuleOutcomeName(r.outcome), r.rule, r.message,
        r.policy_line > 0 ? fmt::format(" [{}:{}]", h.policy_source, r.policy_line) : "");
  }
  return out;
}

std::string GateJson(const GateResult& g, const GateHeader& h, const Comparison& c) {
  nlohmann::json j;
  j["outcome"] = GateOutcomeName(g.outcome);
  j["baseline"] = {{"name", h.baseline_name}, {"run_id", h.baseline_id}};
  j["candidate"] = {{"name", h.candidate_name}, {"run_id", h.candidate_id}};
  j["policy"] = {{"source", h.policy_source}, {"alpha", h.alpha}};
  j["failed"] = g.failed;
  j["not_testable"] = g.not_testable;
  j["unstable"] = g.unstable;
  if (g.environment) {
    const EnvironmentCheck& e = *g.environment;
    auto side = [](const SideEnvironment& s) {
      auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
      return nlohmann::json{{"measured", s.measured},
                            {"intervals", s.intervals},
                            {"excluded", s.excluded},
                            {"verdict", NoiseVerdict(s.summary)},
                            {"sched_delay_p99_us", num(s.summary.sched_delay_p99_us)},
                            {"psi_cpu_pct", num(s.summary.psi_cpu_pct)},
                            {"steal_pct", num(s.summary.steal_pct)},
                            {"gen_cpu_pct", num(s.summary.gen_cpu_pct)}};
    };
    nlohmann::json repeat = nlohmann::json::object();
    for (const auto& [m, f] : e.repeat_floor) repeat[MetricName(m)] = f;
    j["environment"] = {{"stable", e.stable},
                        {"problems", e.problems},
                        {"a", side(e.a)},
                        {"b", side(e.b)},
                        {"floor_us", e.floor_us},
                        {"repeat_floor", repeat},
                        {"repeat_runs", e.repeat_runs}};
  }
  j["rules"] = nlohmann::json::array();
  for (const RuleResult& r : g.rules) {
    j["rules"].push_back({{"rule", r.rule},
                          {"metric", MetricName(r.metric)},
                          {"scope", Scope(r)},
                          {"baseline", r.baseline},
                          {"candidate", r.candidate},
                          {"change", r.change_text},
                          {"limit", r.limit_text},
                          {"significant", r.significance_text},
                          {"result", RuleOutcomeName(r.outcome)},
                          {"message", r.message}});
  }
  j["comparison"] = nlohmann::json::parse(ComparisonJson(c));
  return j.dump(2) + "\n";
}

}  // namespace vitals::gate
