#include "observe/analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/redact.h"
#include "observe/trend.h"
#include "rules/format.h"

namespace vitals {

ObservationReport Analyze(const std::vector<RuleSet>& rules, ObservationInput in) {
  ObservationReport r;
  r.period_s = in.period_s;
  for (const ObservedComponent& c : in.components) {
    r.components.push_back({c.component, c.description, c.ok, c.failed, int(c.samples.size()),
                            c.max_sample_s, c.cpu_s, c.errors});
  }
  r.series = ExtractSeries(in.components);
  std::vector<ObservedFinding> found =
      EvaluateOverTime(rules, in.components, in.phases, 3 * in.period_s, 1.5 * in.period_s);
  for (ObservedFinding& t : TrendFindings(r.series, in.phases, in.duration_s)) {
    found.push_back(std::move(t));
  }
  r.latency_rise_s = RiseTime(in.client_p95_s, in.interval_s, 0.005);
  for (const std::vector<double>* client : {&in.client_p95_s, &in.client_error_ratio}) {
    const std::string against = client == &in.client_p95_s ? "p95 latency" : "error ratio";
    for (Correlation& c : Correlate(*client, in.interval_s, r.series, against)) {
      r.correlations.push_back(std::move(c));
    }
  }
  std::stable_sort(
      r.correlations.begin(), r.correlations.end(),
      [](const Correlation& a, const Correlation& b) { return std::fabs(a.r) > std::fabs(b.r); });
  for (size_t i : RankCauses(found, r.latency_rise_s, in.interval_s, &r.causes)) {
    r.findings.push_back(found[i]);
  }
  return r;
}

namespace {

std::string LagText(const Correlation& c) {
  if (c.lag_intervals == 0) return "at the same time";
  return c.lag_intervals > 0 ? fmt::format("{:g}s before it", c.lag_s)
                             : fmt::format("{:g}s after it", -c.lag_s);
}

}  // namespace

std::string FormatObservationText(const ObservationReport& r) {
  std::string out =
      "\nSystem under test (observed every " + fmt::format("{:g}s", r.period_s) + "):\n";
  for (const auto& c : r.components) {
    out += fmt::format("  {:<10} {}: {} samples, {} failed, slowest {:.0f} ms, {:.2f} s CPU\n",
                       c.component, RedactSecrets(c.description), c.ok, c.failed,
                       c.max_sample_s * 1e3, c.cpu_s);
    for (const auto& e : c.errors) out += "             ! " + RedactSecrets(e) + "\n";
  }
  if (r.findings.empty()) {
    out += "  findings: none\n";
  } else {
    out += fmt::format("  findings ({}):\n", r.findings.size());
    for (size_t i = 0; i < r.findings.size(); ++i) {
      const ObservedFinding& f = r.findings[i];
      out += fmt::format("  {} {:<8} {}{}\n", PriorityName(f.finding.priority),
                         LevelName(f.finding.level), f.finding.title,
                         i < r.causes ? " [cause candidate: began before the latency rose]" : "");
      out += "           " + DescribeOnset(f) + "\n";
      if (!f.finding.action.empty()) out += "           action: " + f.finding.action + "\n";
    }
  }
  if (r.latency_rise_s) {
    out += fmt::format("  p95 latency rose at {:.0f}s (2x the first fifth of the run)\n",
                       *r.latency_rise_s);
  }
  if (!r.correlations.empty()) {
    out += "  moved with the client's numbers (Pearson r, best lag within 10 intervals):\n";
    for (size_t i = 0; i < r.correlations.size() && i < 6; ++i) {
      const Correlation& c = r.correlations[i];
      out += fmt::format("    {} ~ {}: r = {:+.2f}, {}\n", c.series, c.against, c.r, LagText(c));
    }
  }
  return out;
}

nlohmann::json ObservationJson(const ObservationReport& r) {
  using json = nlohmann::json;
  json comps = json::array();
  for (const auto& c : r.components) {
    json errors = json::array();
    for (const auto& e : c.errors) errors.push_back(RedactSecrets(e));
    comps.push_back({{"component", c.component},
                     {"target", RedactSecrets(c.description)},
                     {"samples_ok", c.ok},
                     {"samples_failed", c.failed},
                     {"max_sample_s", c.max_sample_s},
                     {"cpu_s", c.cpu_s},
                     {"errors", errors}});
  }
  json findings = json::array();
  for (size_t i = 0; i < r.findings.size(); ++i) {
    const ObservedFinding& o = r.findings[i];
    const Finding& f = o.finding;
    findings.push_back({{"id", f.id},
                        {"component", f.component},
                        {"level", LevelName(f.level)},
                        {"priority", PriorityName(f.priority)},
                        {"title", f.title},
                        {"subject", f.subject},
                        {"value", f.value ? json(*f.value) : json(nullptr)},
                        {"evidence", f.evidence},
                        {"action", f.action},
                        {"runbook", f.runbook},
                        {"source", f.source},
                        {"kind", o.kind},
                        {"onset_s", o.onset_s},
                        {"end_s", o.end_s},
                        {"active_at_end", o.active_at_end},
                        {"phase", o.phase},
                        {"samples", o.samples},
                        {"cause_candidate", i < r.causes}});
  }
  json corr = json::array();
  for (const Correlation& c : r.correlations) {
    corr.push_back({{"series", c.series},
                    {"against", c.against},
                    {"r", c.r},
                    {"lag_intervals", c.lag_intervals},
                    {"lag_s", c.lag_s}});
  }
  json series = json::array();
  for (const ServerSeries& s : r.series) {
    if (s.points.empty()) continue;
    double mn = s.points[0].value, mx = mn, sum = 0;
    for (const auto& p : s.points) {
      mn = std::min(mn, p.value);
      mx = std::max(mx, p.value);
      sum += p.value;
    }
    series.push_back({{"name", s.name},
                      {"subject", RedactSecrets(s.subject)},
                      {"component", s.component},
                      {"unit", s.unit},
                      {"points", s.points.size()},
                      {"min", mn},
                      {"max", mx},
                      {"mean", sum / double(s.points.size())},
                      {"last", s.points.back().value}});
  }
  return {{"period_s", r.period_s},
          {"components", comps},
          {"findings", findings},
          {"latency_rise_s", r.latency_rise_s ? json(*r.latency_rise_s) : json(nullptr)},
          {"correlations", corr},
          {"series", series}};
}

}  // namespace vitals
