// `vitals load --observe ...`: the system under test sampled on threads of
// its own during the run (observe/observer.h), analysed at the end
// (observe/analysis.h), printed in the summary, written into --json, and
// stored with the run (series in run_series, findings as the run's findings).
//
// Thread-safety: one owner.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/status.h"
#include "load/engine.h"
#include "load/result.h"
#include "observe/analysis.h"
#include "observe/observer.h"
#include "store/store.h"

namespace vitals::cli {

struct ObserveFlags {
  std::vector<std::string> observe;  // --observe (and the scenario's observe:)
  int every = 1;                     // --observe-every N intervals
  std::string timeout = "2s";        // --observe-timeout
  std::string rules_dir;             // --observe-rules
};

void AddObserveFlags(CLI::App& app, ObserveFlags* flags);

class LoadObservation {
 public:
  // Validates the flags (InvalidArgument: what, where, how to fix), makes the samplers and
  // starts observing.  Nothing connects yet: an unreachable component shows as failed samples.
  static Result<std::unique_ptr<LoadObservation>> Start(const ObserveFlags& flags,
                                                        int64_t interval_ns);
  // Stops the samplers and analyses what they saw against the run.
  ObservationReport Finish(const LoadOptions& options, const LoadResult& result);
  std::string Describe() const;

 private:
  LoadObservation() = default;
  std::unique_ptr<Observer> observer_;
  std::vector<RuleSet> rules_;
  std::vector<std::string> described_;
  int64_t start_unix_ms_ = 0;
  double period_s_ = 1;
};

// Series in the store's shape.
std::vector<StoredSeries> ToStoredSeries(const std::vector<ServerSeries>& series);

}  // namespace vitals::cli
