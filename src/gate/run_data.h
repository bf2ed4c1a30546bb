// What compare / gate / history read from one run (or a pooled group of runs): headline
// numbers overall and per phase, the merged corrected latency histograms, and the
// all-requests per-interval samples that the Mann-Whitney test runs on.
//
// A run comes from the store (any run name Store::GetRun accepts: id, prefix, latest,
// latest~N, baseline:NAME) or from a result JSON file (`vitals load --json FILE`,
// docs/result-json.md).  A JSON file carries no histograms, so the bootstrap interval is not
// available for it; without an "intervals" array it has no per-interval samples either, and
// every Mann-Whitney verdict says so.
//
// Thread-safety: values and free functions; a Store is borrowed and used on the calling
// thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/histogram.h"
#include "core/status.h"
#include "load/noise.h"
#include "store/store.h"

namespace vitals::gate {

// One all-requests reporting interval (request "" in the store).
struct IntervalPoint {
  std::string phase;
  double length_s = 1;
  uint64_t requests = 0, errors = 0;
  double p50_us = 0, p95_us = 0, p99_us = 0, mean_us = 0;  // corrected; 0 without requests
  double start_s = 0;                                      // from the run start
  // The generator's noise in this interval (load/noise.h; NaN when not measured) and whether
  // the environment check (gate/environment.h) left the interval out as disturbed.
  double sched_delay_p99_us = NoiseInterval::kAbsent;
  double psi_cpu_pct = NoiseInterval::kAbsent;
  bool excluded = false;
};

// Headline numbers of the whole run (phase == "") or of one phase.
struct ScopeData {
  std::string phase;
  uint64_t requests = 0, errors = 0;
  double duration_s = 0;
  double p50_us = 0, p95_us = 0, p99_us = 0, mean_us = 0;
  double error_rate = 0;  // 0..1
  double rate_per_s = 0;  // achieved throughput
  // Merged corrected latency (microseconds); absent for a result JSON file.
  std::optional<Histogram> latency;
};

struct RunData {
  std::string id;     // run id (store) or the run_id inside the JSON file
  std::string label;  // how the user named it: "baseline:main", "latest", "a.json", "flag=on"
  bool from_json_file = false;
  // The scenario as `vitals load` records it in the run's config ({"scenario": {"name",
  // "fingerprint"}}); both "" when the run does not say (older runs, hand-written JSON).
  std::string scenario_name, scenario_fingerprint;
  std::vector<std::pair<std::string, std::string>> tags;
  int64_t started_unix_ms = 0;
  ScopeData overall;
  std::vector<ScopeData> phases;  // in run order
  // All-requests intervals in time order; has_intervals is false when the source had none
  // at all (a JSON file without "intervals"), as opposed to a run that is merely short.
  std::vector<IntervalPoint> intervals;
  bool has_intervals = true;
  int runs = 1;  // > 1 for a pooled group (compare --ab)
  // Server-side series observed during the run (vitals load --observe); empty otherwise.
  std::vector<StoredSeries> server_series;
  // The generator's noise per interval (every run of a pool, concatenated); empty for runs
  // made before vitals measured it.
  std::vector<NoiseInterval> noise;

  // The phase named `name`, or nullptr.
  const ScopeData* Phase(const std::string& name) const;
};

// The headline numbers of a histogram-backed scope: percentiles and mean from `latency`.
void FillLatencyFromHistogram(ScopeData* scope);

// Builds RunData from a stored run.  `label` is how the user named it.
RunData FromStoredRun(const StoredRun& run, const std::string& label);

// Parses a result JSON document.  `file` names it in errors ("<file>: ..."): InvalidArgument
// when it is not JSON or lacks the keys compare needs (latency_us, requests, error_rate,
// rate.achieved).
Result<RunData> FromResultJson(const std::string& json_text, const std::string& file);

// Loads a run named `name`: an existing file path ending in ".json" (or any existing regular
// file path containing '/') is read as result JSON, anything else goes to store->GetRun.
// `store` may be null when only files are used; then a store name fails with InvalidArgument.
// NotFound messages list every way to name a run, including a JSON file.
Result<RunData> LoadRun(Store* store, const std::string& name);

// Pools runs into one group named `label`: histograms added, counts summed, intervals
// concatenated, phases merged by name.  InvalidArgument when `runs` is empty.
Result<RunData> PoolRuns(const std::vector<RunData>& runs, const std::string& label);

// Ok when A and B ran the same scenario (same fingerprint), or when either does not record
// one.  InvalidArgument naming both scenarios otherwise, with the --force hint.
Status CheckSameScenario(const RunData& a, const RunData& b);

// "scenario 'url' (fingerprint 1a2b...)" or "an unrecorded scenario".
std::string DescribeScenario(const RunData& r);

}  // namespace vitals::gate
