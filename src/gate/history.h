// `vitals history`: one metric across the stored runs of a scenario, oldest first, with the
// change points e-divisive means finds in it (stats::FindChangePoints: a split is kept when
// Welch's t-test between the segments either side has p <= max_p_value and the means differ
// by at least min_relative_change).  A slow drift shows up as a change point where enough of
// it has accumulated, not only a step.
//
// Which runs: completed runs matching every --tag, newest `limit` of them, that ran the same
// scenario as the newest one (a history mixing scenarios would report the scenario switch as a
// "change"); the others are counted in skipped_other_scenario.
//
// Thread-safety: LoadHistory borrows the Store on the calling thread; the rest is pure.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gate/compare.h"
#include "stats/tests.h"
#include "store/store.h"

namespace vitals::gate {

struct HistoryPoint {
  std::string id;
  int64_t started_unix_ms = 0;
  double value = 0;
};

struct History {
  Metric metric = Metric::kP95;
  std::string scenario;                           // DescribeScenario() of the runs shown
  std::vector<HistoryPoint> points;               // oldest first
  std::vector<stats::ChangePoint> change_points;  // index into points
  stats::ChangePointOptions options;
  int skipped_other_scenario = 0;
  int skipped_no_requests = 0;
};

struct HistoryOptions {
  std::vector<std::pair<std::string, std::string>> tags;
  int limit = 500;  // newest runs considered; 0 = all
  stats::ChangePointOptions change_points;
};

// Runs FindChangePoints over `points` (oldest first).
History AnalyzeHistory(Metric metric, std::vector<HistoryPoint> points,
                       const stats::ChangePointOptions& options);

// Reads the runs and analyses them.  Errors: the store's.
Result<History> LoadHistory(Store& store, Metric metric, const HistoryOptions& options);

// The series as a table with each change point marked where it starts, then a summary of the
// change points (means before and after, relative change, p-value), or "no change points".
std::string FormatHistoryText(const History& h);
std::string HistoryJson(const History& h);

}  // namespace vitals::gate
