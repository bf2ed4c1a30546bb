// Comparing the server-side series of two observed runs (vitals load --observe): what the
// system under test did differently, beside the latency verdict ("cache_hit_ratio 0.42 ->
// 0.93").  A tune validation shows its effect on the server, not only on p95.
//
// For every series (name and subject) both runs have: the mean and the p95 of its points in
// each run and the relative change of the mean.  Series only one run has are listed as such.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gate/run_data.h"

namespace vitals::gate {

struct SeriesChange {
  std::string name, subject, unit;
  bool in_a = false, in_b = false;
  double a_mean = 0, b_mean = 0, a_p95 = 0, b_p95 = 0;
  double change = 0;  // (b_mean - a_mean) / |a_mean|; 0 when a_mean is 0
};

std::vector<SeriesChange> CompareSeries(const RunData& a, const RunData& b);

// "server-side series (mean A -> B):" lines; "" when neither run has series.
std::string FormatSeriesChanges(const std::vector<SeriesChange>& changes);

nlohmann::json SeriesChangesJson(const std::vector<SeriesChange>& changes);

}  // namespace vitals::gate
