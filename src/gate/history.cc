#include "gate/history.h"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/units.h"
#include "gate/run_data.h"

namespace vitals::gate {
History AnalyzeHistory(Metric metric, std::vector<HistoryPoint> points,
                       const stats::ChangePointOptions& options) {
  History h;
  h.metric = metric;
  h.options = options;
  h.points = std::move(points);
  std::vector<double> series;
  series.reserve(h.points.size());
  for (const HistoryPoint& p : h.points) series.push_back(p.value);
  h.change_points = stats::FindChangePoints(series, options);
  return h;
}

Result<History> LoadHistory(Store& store, Metric metric, const HistoryOptions& options) {
  RunFilter filter;
  filter.tags = options.tags;
  auto listed = store.ListRuns(filter);
  if (!listed.ok()) return listed.status();
  std::vector<HistoryPoint> points;  // newest first while collecting
  std::string fingerprint, scenario;
  bool first = true;
  int other = 0, empty = 0, taken = 0;
  for (const RunInfo& info : *listed) {
    if (info.status != RunStatus::kCompleted) continue;
    if (options.limit > 0 && taken >= options.limit) break;
    ++taken;
    auto run = store.GetRun(info.id);
    if (!run.ok()) return run.status();
    const RunData d = FromStoredRun(*run, info.id);
    if (first) {
      fingerprint = d.scenario_fingerprint;
      scenario = DescribeScenario(d);
      first = false;
    } else if (d.scenario_fingerprint != fingerprint) {
      ++other;
      continue;
    }
    if (d.overall.requests == 0) {
      ++empty;
      continue;
    }
    points.push_back({d.id, d.started_unix_ms, ScopeValue(d.overall, metric)});
  }
  std::reverse(points.begin(), points.end());
  History h = AnalyzeHistory(metric, std::move(points), options.change_points);
  h.scenario = scenario;
  h.skipped_other_scenario = other;
  h.skipped_no_requests = empty;
  return h;
}

std::string FormatHistoryText(const History& h) {
  const Metric m = h.metric;
  std::string out = fmt::format("{} over {} runs of {}, oldest first\n", MetricName(m),
                                h.points.size(), h.scenario.empty() ? "the store" : h.scenario);
  if (h.skipped_other_scenario > 0) {
    out += fmt::format("({} runs of other scenarios left out: select with --tag)\n",
                       h.skipped_other_scenario);
  }
  out += fmt::format("\n{:<24} {:<19} {:>12}\n", "RUN", "STARTED", MetricName(m));
  size_t next = 0;
  for (size_t i = 0; i < h.points.size(); ++i) {
    if (next < h.change_points.size() && h.change_points[next].index == i) {
      const stats::ChangePoint& c = h.change_points[next++];
      out += fmt::format("---- change point: mean {} -> {} ({:+.1f}%), p={:.2g} ----\n",
                         FormatValue(m, c.mean_before), FormatValue(m, c.mean_after),
                         c.relative_change * 100, c.p_value);
    }
    const HistoryPoint& p = h.points[i];
    out += fmt::format("{:<24} {:<19} {:>12}\n", p.id, FormatLocalTimeMs(p.started_unix_ms),
                       FormatValue(m, p.value));
  }
  out += "\n";
  const size_t needed = 2 * h.options.min_segment;
  if (h.points.size() < needed) {
    out += fmt::format(
        "too few runs to look for change points: {} runs, need at least {} ({} "
        "on each side of a change)\n",
        h.points.size(), needed, h.options.min_segment);
    return out;
  }
  if (h.change_points.empty()) {
    out += fmt::format("no change points (e-divisive means, t-test p <= {:g}, change >= {:g}%)\n",
                       h.options.max_p_value, h.options.min_relative_change * 100);
    return out;
  }
  out += fmt::format("{} change point(s) (e-divisive means, t-test p <= {:g}, change >= {:g}%):\n",
                     h.change_points.size(), h.options.max_p_value,
                     h.options.min_relative_change * 100);
  for (const stats::ChangePoint& c : h.change_points) {
    const HistoryPoint& p = h.points[c.index];
    out +=
        fmt::format("  at run {} ({}, #{} of {}): mean {} before, {} after ({:+.1f}%), p={:.2g}\n",
                    p.id, FormatLocalTimeMs(p.started_unix_ms), c.index + 1, h.points.size(),
                    FormatValue(m, c.mean_before), FormatValue(m, c.mean_after),
                    c.relative_change * 100, c.p_value);
  }
  return out;
}

std::string HistoryJson(const History& h) {
  nlohmann::json j;
  j["metric"] = MetricName(h.metric);
  j["scenario"] = h.scenario;
  j["skipped_other_scenario"] = h.skipped_other_scenario;
  j["options"] = {{"max_p_value", h.options.max_p_value},
                  {"min_relative_change", h.options.min_relative_change},
                  {"min_segment", h.options.min_segment}};
  j["points"] = nlohmann::json::array();
  for (const HistoryPoint& p : h.points) {
    j["points"].push_back(
        {{"run_id", p.id}, {"started_unix_ms", p.started_unix_ms}, {"value", p.value}});
  }
  j["change_points"] = nlohmann::json::array();
  for (const stats::ChangePoint& c : h.change_points) {
    j["change_points"].push_back({{"index", c.index},
                                  {"run_id", h.points[c.index].id},
                                  {"mean_before", c.mean_before},
                                  {"mean_after", c.mean_after},
                                  {"relative_change", c.relative_change},
                                  {"p_value", c.p_value}});
  }
  return j.dump(2) + "\n";
}

}  // namespace vitals::gate
