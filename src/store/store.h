// The run store: every `vitals load` run, its configuration, environment, result, merged
// histograms, phases and per-interval samples, in one embedded SQLite file
// (default ./.vitals/vitals.db).  `vitals runs`, `compare`, `gate` and `report` read it.
// Schema: docs/store-schema.md (versioned by PRAGMA user_version; see store/migrations.h).
//
// Writing a run (the load engine):
//   auto id = store.BeginRun(start);            // status "running"
//   store.AppendIntervals(*id, samples);        // as intervals close, any number of times
//   store.CompleteRun(*id, result, thresholds_json, verdict);  // ONE transaction
// or store.MarkFailed(*id, reason) when the run could not finish.  A process that dies
// between BeginRun and CompleteRun leaves the run "running": it is listed as incomplete, is
// never `latest`, and its stored intervals stay readable.  Nothing half-written is ever read
// as completed, because the completion (result, phases, histograms, status) commits at once.
//
// Naming runs (GetRun, DeleteRun): a full id, a unique id prefix, `latest` (newest completed
// run), `latest~N` (the N-th completed run before it), `baseline:NAME` (see SetBaseline).
// Failed, interrupted and incomplete runs are never `latest`: name them by id.
//
// Concurrency: several processes may write one store at the same time (WAL mode, every write
// is a BEGIN IMMEDIATE transaction, busy timeout kBusyTimeoutMs), e.g. `vitals load` segments
// or parallel CI jobs.  A Store object is NOT thread-safe: use one per thread, and never use
// one across fork() (open a new Store in the child).
//
// Secrets: the target, config, tags and result JSON pass through RedactSecrets (core/redact.h)
// before they are written, so a URL password or DSN password= never reaches the file.
//
// Errors: every call returns a Status naming the store path and saying how to fix it:
// not a SQLite file, corrupt file, unwritable directory, a schema newer than this binary,
// a lock held longer than the busy timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/histogram.h"
#include "core/status.h"
#include "load/result.h"

struct sqlite3;

namespace vitals {

// Default store path, relative to the working directory.
inline constexpr const char* kDefaultStorePath = "./.vitals/vitals.db";
// Environment variable that overrides the default.
inline constexpr const char* kStoreEnvVar = "VITALS_STORE";
// How long a write waits for another process's write transaction before failing.
inline constexpr int kBusyTimeoutMs = 10'000;

// Store path: `flag` (from --store) when non-empty, else $VITALS_STORE when set and
// non-empty, else kDefaultStorePath.
std::string ResolveStorePath(const std::string& flag);

// Where a run was produced.  BeginRun fills host/cores/kernel from the running machine when
// host is empty (CurrentEnvironment).
struct RunEnvironment {
  std::string host;            // gethostname()
  int cores = 0;               // online CPUs
  std::string kernel;          // uname: "Linux 6.1.0-18-amd64"
  std::string vitals_version;  // the caller's VITALS_VERSION; "unknown" when empty
};

// This machine's host, cores and kernel; vitals_version as given.
RunEnvironment CurrentEnvironment(std::string vitals_version = {});

struct RunStart {
  // Optional.  Empty: a new id in the LoadResult format "YYYYMMDDTHHMMSS-xxxx" (UTC start time,
  // 16 random bits).  Given: stored as is; InvalidArgument if a run with that id exists or it
  // is not 1..64 characters of [A-Za-z0-9._:-].
  std::string run_id;
  std::string target;  // URL (redacted again before storing)
  std::string method;  // "GET", ...
  std::string model;   // "open" | "closed"
  // The run's configuration as JSON text (flags or scenario); "" means {}.
  // InvalidArgument when it is not valid JSON.
  std::string config_json;
  std::vector<std::pair<std::string, std::string>> tags;  // k=v; keys unique, non-empty
  int64_t started_unix_ms = 0;                            // 0: now
  RunEnvironment env;
};

// kInterrupted: stopped by Ctrl-C / SIGTERM (its result is whole, its plan was not); never
// `latest`, nor picked by default for a baseline, a comparison or a gate.  kFailed: the run
// could not finish, or nothing succeeded (LoadResult::failure); it may have a result.
enum class RunStatus { kRunning, kCompleted, kFailed, kInterrupted };
// "running" | "completed" | "failed" | "interrupted" (as stored).
const char* RunStatusName(RunStatus s);

// One run's metadata and headline numbers: what ListRuns returns.
struct RunInfo {
  std::string id;
  RunStatus status = RunStatus::kRunning;
  int64_t started_unix_ms = 0;
  int64_t finished_unix_ms = 0;  // 0 while running
  std::string target, method, model;
  std::vector<std::pair<std::string, std::string>> tags;  // sorted by key
  RunEnvironment env;
  // Headline numbers.  For a completed run: from its result.  For a run that never
  // completed: requests/errors summed over its stored all-requests intervals, the latency
  // columns unset (0) and has_latency false.
  double duration_s = 0;
  uint64_t requests = 0, errors = 0;
  double error_rate = 0;
  double rate_asked = 0, rate_achieved = 0;
  bool has_latency = false;
  double p50_us = 0, p95_us = 0, p99_us = 0;
  std::string verdict;         // "pass" | "fail" | "" (no thresholds)
  std::string failure_reason;  // MarkFailed's reason, or LoadResult::failure
  // CompleteRun stored a result (completed, interrupted, or failed by the early stop).
  bool has_result = false;
  // A run that never completed nor failed: its process is still going or died.
  bool incomplete() const { return status == RunStatus::kRunning; }
  // "completed", "failed", "interrupted" or "incomplete": what `vitals runs` shows.
  const char* DisplayStatus() const;
};

// Latency digest of one stored interval (all-requests or one request name); kept as
// columns so that compare/gate can read thousands of intervals without decoding histograms.
struct IntervalSummary {
  int64_t seq = 0;  // 0-based position in the run
  double start_s = 0, length_s = 0;
  std::string phase, request;
  uint64_t requests = 0, errors = 0;
  double p50_us = 0, p90_us = 0, p95_us = 0, p99_us = 0, max_us = 0, mean_us = 0;  // corrected
};

// One alert state change seen during a run (`vitals load --watch-rules`; alerting/alert_state.h).
struct StoredAlert {
  int64_t t_unix_ms = 0;                                    // the rule evaluation time
  std::string alert;                                        // the alerting rule's name
  std::string from, to;                                     // "inactive" | "pending" | "firing"
  std::string labels_json = "{}", annotations_json = "{}";  // JSON objects of strings
  double value = 0;  // the expression's value (NaN stored as NULL)
};

// One server-side series observed during a run (`vitals load --observe`; docs/observe.md).
struct StoredSeries {
  std::string name, subject, component, unit;
  std::vector<std::pair<double, double>> points;  // (t_s since the run's start, value)
};

struct StoredRun {
  RunInfo info;
  std::string config_json;      // "{}" when none was given
  std::string result_json;      // ToJson of the result (+ thresholds, verdict); "" until completed
  std::string thresholds_json;  // "[]" when none
  // Merged histograms (microseconds).  Completed run: as stored by CompleteRun.  Incomplete or
  // failed run: latency_* are the sum of its stored all-requests ("" request) intervals and the
  // others are empty; `partial` is true.
  Histogram latency_corrected, latency_uncorrected, connect_time, ttfb, send_lag;
  Histogram tls_handshake;  // https runs only (schema version 4); empty otherwise
  bool partial = false;
  std::vector<PhaseResult> phases;                  // in run order; empty until completed
  std::vector<IntervalSummary> interval_summaries;  // always read, in seq order
  std::vector<IntervalSample> intervals;            // decoded when ReadOptions::intervals
  std::vector<NoiseInterval> noise;                 // always read, in time order
  // The findings document attached with SetFindings (redacted JSON text); "" when none.
  std::string findings_json;
  // Alert state changes attached with AddAlerts, in time order.
  std::vector<StoredAlert> alerts;
  // Server-side series attached with AddSeries (schema version 9), by name and subject.
  std::vector<StoredSeries> series;
  // The execution segments of a merged or coordinated run (AddSegments, schema version 10),
  // by index; empty for a single-process run.
  std::vector<SegmentProvenance> segments;
};

struct ReadOptions {
  // Decode every interval's histograms into StoredRun::intervals.  A decoded histogram takes
  // ~184 KiB, so a 1 h run at 1 s intervals needs ~1.3 GiB: read summaries unless you need
  // the full distributions.
  bool intervals = false;
  // When set, called with each decoded interval in seq order while the run is read, so a
  // report can digest long runs one interval at a time (memory stays bounded).  The sample
  // is not kept unless `intervals` is also true.  Called on the GetRun caller's thread.
  std::function<void(const IntervalSample&)> visit_interval;
};

struct RunFilter {
  std::vector<std::pair<std::string, std::string>> tags;  // every k=v must match
  int limit = 0;                                          // newest first; 0 = all
};

struct Baseline {
  std::string name;
  std::string run_id;
  int64_t set_unix_ms = 0;
};

// The plan of one statement as a recorded check saw it (schema version 8, `check_plans`).
struct CheckPlan {
  std::string target;       // the checked server, masked ("postgresql://app:***@db/shop")
  std::string queryid;      // pg_stat_statements queryid
  std::string fingerprint;  // node types, relations, indexes (collect/postgres_plan.h)
  std::string query;        // masked statement text (stored redacted)
  double mean_time_s = 0;
};

// The plans of the newest recorded check that has plans for a target.
struct RecordedPlans {
  std::string check_id;  // "" when no check has plans for the target
  int64_t finished_unix_ms = 0;
  std::vector<CheckPlan> plans;
};

// One `vitals check --record`: when it ran and what it found (schema version 4, `checks`).
struct CheckRecord {
  std::string id;  // RecordCheck assigns one when empty (the run id format)
  int64_t started_unix_ms = 0, finished_unix_ms = 0;
  std::string components;        // comma-separated, e.g. "host,prometheus"
  std::string run_id;            // the run it was attached to; "" for none
  std::string findings_json;     // the `vitals check --format json` document (stored redacted)
  std::vector<CheckPlan> plans;  // stored in check_plans; not read back by ListChecks
};

// A stored post-incident record (`vitals incident`, schema version 4, `incidents`).
struct IncidentInfo {
  std::string id;  // SaveIncident assigns one when empty
  int64_t created_unix_ms = 0;
  int64_t from_unix_ms = 0, to_unix_ms = 0;  // the window it covers
  std::string severity;                      // "P0".."P3", or "" below every level
  std::string title;
};

struct StoredIncident {
  IncidentInfo info;
  std::string record_json;  // the record as `vitals incident --format json` writes it
};

// `vitals tune` (schema version 11): a backup of every old value a tune apply changes, written
// before the first change, and the audit log of every step.
struct TuneBackupInfo {
  std::string id;  // SaveTuneBackup assigns one (the run id format) when empty
  int64_t created_unix_ms = 0;
  int64_t updated_unix_ms = 0;  // last state change
  std::string components;       // "postgres,redis,host"
  std::string targets_json;     // {"postgres": masked DSN, "redis": masked URL, "host": root}
  int items = 0;
  // "saved" (nothing applied yet), "applying", "applied", "apply_failed", "rolled_back",
  // "rollback_incomplete"; free text for the store, docs/tune.md says what each means.
  std::string state;
  std::string note;      // e.g. the --validate verdict
  std::string checksum;  // SHA-256 (hex) of backup_json, computed by the caller
};

struct TuneAuditEntry {
  int64_t unix_ms = 0;
  std::string component;  // "postgres", "redis", "host", "tune"
  std::string statement;  // what was run (redacted before storing)
  std::string result;     // "ok" or the error (redacted)
};

struct StoredTuneBackup {
  TuneBackupInfo info;
  std::string backup_json;
  std::vector<TuneAuditEntry> audit;  // in the order they were appended
};

class Store {
 public:
  enum class OpenMode {
    kCreate,    // create the file (and parent directories) when missing
    kExisting,  // NotFound when the file does not exist (for read-only commands)
  };

  // Opens (or creates) the store at `path`, sets WAL mode, the busy timeout and foreign keys,
  // and applies pending schema migrations in one transaction.  Errors name the path: a
  // directory that cannot be created or written, a file that is not a SQLite database or is
  // corrupt, a schema version newer than this binary knows (upgrade vitals).
  static Result<Store> Open(const std::string& path, OpenMode mode = OpenMode::kCreate);

  Store(Store&& other) noexcept;
  Store& operator=(Store&& other) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  const std::string& path() const { return path_; }
  // PRAGMA user_version of the open file.
  Result<int> SchemaVersion();

  // ---- writing a run ----
  // Inserts the run with status "running" and returns its id.
  Result<std::string> BeginRun(const RunStart& start);
  // Appends intervals (positions continue after those already stored).  NotFound for an
  // unknown id; InvalidArgument when the run is no longer running.
  Status AppendIntervals(const std::string& run_id, const std::vector<IntervalSample>& samples);
  // The generator's noise per interval (load/noise.h), as the engine emits it; an interval
  // already stored (same start_s) is replaced.  The run must be running.
  Status AppendNoise(const std::string& run_id, const std::vector<NoiseInterval>& noise);
  // In ONE transaction: the result JSON (result.run_id replaced by `run_id`; thresholds_json
  // and verdict added), the headline columns, phases, merged histograms, result.intervals not
  // yet appended (result.intervals[k..] where k intervals are already stored: append in the
  // same order as result.intervals), and the status ResultStatus(result) names: "completed",
  // "interrupted" (stopped_by_caller) or "failed" (failure, stored as the failure reason;
  // redacted).  Latency columns are NULL when nothing succeeded.  thresholds_json: a JSON array
  // or "" (none); verdict: "pass", "fail" or "".  InvalidArgument when the run is not running
  // or thresholds_json is not a JSON array.
  Status CompleteRun(const std::string& run_id, const LoadResult& result,
                     const std::string& thresholds_json, const std::string& verdict);
  // Status "failed" with the (redacted) reason; keeps the intervals already stored.
  Status MarkFailed(const std::string& run_id, const std::string& reason);
  // Attaches the findings of a diagnosis to the run `run_name` names (any status), replacing
  // any earlier ones: `findings_json` is the `vitals check --format json` document, a JSON
  // object whose "findings" key, when present, is an array (docs/rules.md).  Stored after
  // RedactSecrets.  InvalidArgument (naming what is wrong) for text that is not such an
  // object; NotFound for an unknown run.  GetRun returns it as StoredRun::findings_json.
  Status SetFindings(const std::string& run_name, const std::string& findings_json);
  // Appends alert state changes to the run `run_name` names (any status), after the ones
  // already stored; labels and annotations are stored after RedactSecrets.  InvalidArgument
  // when a labels/annotations text is not a JSON object; NotFound for an unknown run.
  // GetRun returns them as StoredRun::alerts.
  Status AddAlerts(const std::string& run_name, const std::vector<StoredAlert>& alerts);
  // Attaches the server-side series observed during the run (one transaction; a series
  // stored again replaces its points at the same times).  Non-finite values are skipped.
  Status AddSeries(const std::string& run_name, const std::vector<StoredSeries>& series);
  // Records the provenance of a merged run's segments (vitals merge, vitals coordinate): host,
  // index, counts, joined / left times, lost or not (one transaction; a segment stored again
  // is replaced).  Hosts and reasons are stored after RedactSecrets.  NotFound for an unknown
  // run.  GetRun returns them as StoredRun::segments.
  Status AddSegments(const std::string& run_name, const std::vector<SegmentProvenance>& segments);

  // ---- vitals tune (version 11) ----
  // Inserts the backup in ONE transaction committed with synchronous=FULL (fsynced before this
  // returns, so a change made after it survives a crash with its backup).  backup_json must be
  // a JSON object (InvalidArgument otherwise); stored after RedactSecrets.  Returns the id.
  Result<std::string> SaveTuneBackup(const TuneBackupInfo& info, const std::string& backup_json);
  // Sets state (and note when non-empty) and updated_unix_ms.  NotFound for an unknown id.
  Status SetTuneBackupState(const std::string& id, const std::string& state,
                            const std::string& note = {});
  // Appends one audit entry (fsynced, like SaveTuneBackup).  NotFound for an unknown id.
  Status AppendTuneAudit(const std::string& id, const TuneAuditEntry& entry);
  // Newest first.
  Result<std::vector<TuneBackupInfo>> ListTuneBackups();
  // The backup `id` names (a full id or a unique prefix) with its audit log.  NotFound listing
  // how to see the ids (`vitals tune --list`); InvalidArgument for an ambiguous prefix.
  Result<StoredTuneBackup> GetTuneBackup(const std::string& id);

  // ---- reading ----
  // Newest first.
  Result<std::vector<RunInfo>> ListRuns(const RunFilter& filter = {});
  // `name`: see the header comment.  NotFound (listing the ways to name a run) when nothing
  // matches; InvalidArgument for an ambiguous prefix (listing the candidates) or a malformed
  // `latest~N`.
  Result<StoredRun> GetRun(const std::string& name, const ReadOptions& options = {});
  // The id `name` resolves to (same rules and errors as GetRun).
  Result<std::string> ResolveRunName(const std::string& name);
  // Deletes the run and everything stored with it; returns its id.  InvalidArgument when a
  // baseline points at it (remove the baseline first).
  Result<std::string> DeleteRun(const std::string& name);

  // ---- baselines (the `baseline:NAME` run name; used by `vitals baseline` / `gate`) ----
  // Points NAME ([A-Za-z0-9._-], 1..64 chars) at the run `run_name` resolves to, replacing
  // any previous target.  Returns the run id.
  Result<std::string> SetBaseline(const std::string& name, const std::string& run_name);
  Result<Baseline> GetBaseline(const std::string& name);  // NotFound listing the baselines
  Result<std::vector<Baseline>> ListBaselines();          // sorted by name
  Status RemoveBaseline(const std::string& name);         // NotFound when absent

  // ---- recorded checks (`vitals check --record`) ----
  // Stores the check (findings_json redacted; InvalidArgument when it is not the check JSON
  // document) and returns its id.  NotFound when run_id names no run.
  Result<std::string> RecordCheck(const CheckRecord& check);
  // Checks that ran (at least partly) inside [from, to], oldest first.
  Result<std::vector<CheckRecord>> ListChecks(int64_t from_unix_ms, int64_t to_unix_ms);
  // The plans of the newest check (by finish time) that stored plans for `target`.
  Result<RecordedPlans> LatestCheckPlans(const std::string& target);

  // ---- incident records (`vitals incident`) ----
  // Stores the record (redacted) and returns its id.
  Result<std::string> SaveIncident(const IncidentInfo& info, const std::string& record_json);
  Result<std::vector<IncidentInfo>> ListIncidents();  // newest first
  // `name`: a full id, a unique id prefix, or `latest`.  NotFound saying how to list them.
  Result<StoredIncident> GetIncident(const std::string& name);

  // ---- maintenance ----
  // PRAGMA integrity_check: Ok, or an Io error carrying its first messages.
  Status CheckIntegrity();

 private:
  Store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  void Close();

  sqlite3* db_ = nullptr;  // owned
  std::string path_;
};

// A LoadResult rebuilt from stored data, for reports: scalar fields from the result JSON,
// histograms and phases from their tables.  For a run that never completed: what its
// intervals hold (requests, errors, duration, latency), `interrupted` = true.
LoadResult RebuildLoadResult(const StoredRun& run);

}  // namespace vitals
