// Putting an observed run together: the series, the rule findings over time,
// the trends, the correlation with the client's latency and errors, and the
// ranking of cause candidates; with its text and JSON forms.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "observe/correlate.h"
#include "observe/observer.h"
#include "observe/series.h"
#include "observe/timeline.h"
#include "rules/rule.h"

namespace vitals {

struct ObservationInput {
  std::vector<ObservedComponent> components;
  std::vector<RunPhase> phases;
  double interval_s = 1;             // the run's reporting interval
  std::vector<double> client_p95_s;  // per interval (NaN: no answers in it)
  std::vector<double> client_error_ratio;
  double duration_s = 0;
  double period_s = 1;  // observation period
};

struct ObservedComponentSummary {
  std::string component, description;
  int ok = 0, failed = 0, samples = 0;
  double max_sample_s = 0, cpu_s = 0;
  std::vector<std::string> errors;
};

struct ObservationReport {
  double period_s = 1;
  std::vector<ObservedComponentSummary> components;
  std::vector<ServerSeries> series;
  // Rule and trend findings, cause candidates (onset at or before the latency rise) first.
  std::vector<ObservedFinding> findings;
  size_t causes = 0;  // how many of `findings` are cause candidates
  std::optional<double> latency_rise_s;
  std::vector<Correlation> correlations;  // p95 latency and error ratio
};

ObservationReport Analyze(const std::vector<RuleSet>& rules, ObservationInput input);

// The "System under test" block of the end-of-run summary.
std::string FormatObservationText(const ObservationReport& report);

// {"period_s", "components": [...], "findings": [...], "latency_rise_s", "correlations": [...],
//  "series": [{"name", "subject", "component", "unit", "min", "max", "mean", "last"}]}
// (docs/observe.md).  Findings have the keys of `vitals check --format json` plus onset_s,
// end_s, active_at_end, phase, kind ("rule" | "trend"), cause_candidate.
nlohmann::json ObservationJson(const ObservationReport& report);

}  // namespace vitals
