// What `vitals load` (and `vitals demo`) write while and after a run: the store record, the
// --csv time series and the --hlog HdrHistogram log.  Each interval reaches every output as
// soon as the engine emits it, so a run killed halfway leaves its intervals behind (the store
// lists it as incomplete).
//
// Thread-safety: one owner; OnInterval is called on the engine's thread.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/hdr_log.h"
#include "core/status.h"
#include "load/engine.h"
#include "load/thresholds.h"
#include "store/store.h"

namespace vitals::cli {

struct RunOutputsOptions {
  std::string store_path;             // "" = no store (--no-store)
  std::string csv_path;               // "" = none
  std::string hlog_path;              // "" = none
  std::string scenario_name = "url";  // "url" for a plain URL run, the scenario's name, "demo"
};

// The run's configuration as stored (config_json): scenario name and fingerprint, requests,
// phases, model, timeouts.  The fingerprint (16 hex digits) hashes what makes two runs
// comparable - the requests (method, path, weight, body) and the phases (name, model,
// duration, levels) - and not the host:port or tags, so runs of one scenario against a
// target that moved port still compare.  `vitals compare` / `gate` refuse two runs whose
// fingerprints differ.
std::string RunConfigJson(const LoadOptions& o, const std::string& scenario_name);

class RunOutputs {
 public:
  // Opens the store and files, records the run as started (status "running", with
  // RunConfigJson as its config) and sets load->run_id and load->on_interval (OnInterval).
  // Errors name the path and how to fix it; nothing has been sent yet when this fails.
  static Result<std::unique_ptr<RunOutputs>> Open(const RunOutputsOptions& options,
                                                  LoadOptions* load);
  ~RunOutputs();

  // The engine's interval sink.
  Status OnInterval(const std::vector<IntervalSample>& samples);
  // Evaluates the thresholds of `load` on the result, fills the result's verdict, thresholds
  // JSON and scenario (name, fingerprint), completes the stored run (one transaction) and
  // closes the files.  `verdicts` receives the threshold verdicts even when storing fails.
  Status Finish(const LoadOptions& load, LoadResult* result,
                std::vector<ThresholdVerdict>* verdicts);
  // Appends alert state changes (vitals load --watch-rules) to the stored run; a no-op
  // without a store.
  Status AddAlerts(const std::vector<StoredAlert>& alerts);
  // Attaches what `--observe` saw: the server-side series and the findings document (the
  // `vitals check --format json` shape with onsets); no-ops without a store.
  Status AddObservation(const std::vector<StoredSeries>& series, const std::string& findings_json);
  // The run could not finish: marks it failed in the store.
  void Fail(const std::string& reason);

  const std::string& run_id() const { return run_id_; }
  bool stored() const { return store_.has_value(); }
  const std::string& store_path() const { return options_.store_path; }

 private:
  explicit RunOutputs(RunOutputsOptions options) : options_(std::move(options)) {}
  Status WriteCsv(const std::vector<IntervalSample>& samples);

  RunOutputsOptions options_;
  std::string fingerprint_;  // the scenario fingerprint of RunConfigJson
  std::optional<Store> store_;
  std::string run_id_;
  std::FILE* csv_ = nullptr;
  std::FILE* hlog_ = nullptr;
  std::unique_ptr<HdrLogWriter> hlog_writer_;
};

}  // namespace vitals::cli
