// The post-incident record (`vitals incident`): everything the store holds for a time window
// (runs with their per-interval series and thresholds, recorded checks and their findings,
// the findings attached to runs) turned into the sections practitioners write by hand:
// summary, impact, timeline, root-cause candidates, trigger, detection, resolution, action
// items, lessons learned.  Sections only a person can write are left as marked prompts.
//
// What is computed, and how (docs/incident.md has the full rules):
//   * Degraded interval: a 1 s slot of a run in the window where a threshold the run breached
//     fails on that slot alone (latency percentiles, max, mean, error_rate), where one of the
//     users' alert rules was firing (`vitals load --watch-rules`), or where the
//     severity metric (p95 by default) reaches the lowest severity level (P3, 1 s), or where
//     the error rate reaches `error_limit` (5 %, the runbooks' critical level).
//   * Impact: from the start of the first degraded slot to the end of the last one, each
//     moved back by its slot's severity percentile (slots hold requests by the time they were
//     answered, so a 3 s slowdown beginning at t is first seen at t + 3 s); requests and
//     failed requests of every run's slots inside that span; the worst p95 / p99 / error
//     rate of the degraded slots; the severity from the worst severity metric against the
//     levels (P0 > 10 s, P1 > 5 s, P2 > 2 s, P3 > 1 s by default).
//   * Root-cause candidates: findings seen inside the window (recorded checks by their time,
//     findings attached to a run by the run's start), ranked by level (critical first), then
//     priority (P0 first), then by how close the time the finding was first seen is to the
//     degradation onset (seen at or before the onset first, then the smallest gap).
//
// Thread-safety: plain values and free functions; BuildIncident uses the Store it is given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace vitals {

struct IncidentOptions {
  int64_t from_unix_ms = 0, to_unix_ms = 0;  // REQUIRES: from < to
  std::string title;                         // "" = made from the data
  // Severity levels, worst first: P0, P1, P2, P3 (microseconds of the severity metric).
  std::vector<double> severity_levels_us = {10e6, 5e6, 2e6, 1e6};
  double severity_percentile = 95;  // the slot percentile compared with the levels
  double error_limit = 0.05;        // a slot with this error rate or more is degraded
};

// One run that overlaps the window.
struct IncidentRun {
  std::string id, target, status;
  int64_t started_unix_ms = 0, finished_unix_ms = 0;
  uint64_t requests = 0, errors = 0;
  double p95_us = 0, p99_us = 0;
  bool has_latency = false;
  std::string verdict;                // "pass", "fail" or ""
  std::vector<std::string> breached;  // thresholds that failed
};

// One slot of a run on the window's axis (for the impact and the charts).
struct IncidentSlot {
  std::string run_id;
  int64_t start_unix_ms = 0, end_unix_ms = 0;
  uint64_t requests = 0, errors = 0;
  double p50_us = 0, p95_us = 0, p99_us = 0;
  double severity_us = 0;  // the severity percentile of the slot
  bool degraded = false;
  std::vector<std::string> reasons;  // why degraded: "p(95)<1s fails (3.00s)", ...
};

struct IncidentImpact {
  bool degraded = false;
  // When requests began and stopped being hurt: the send times of the slow requests answered
  // in the first and last degraded interval (the interval's edge minus its severity
  // percentile), since intervals hold requests by the time their answer came.
  int64_t start_unix_ms = 0, end_unix_ms = 0;
  // The first degraded interval's start and the last one's end: when clients saw it.
  int64_t seen_start_unix_ms = 0, seen_end_unix_ms = 0;
  double duration_s = 0;              // end - start
  uint64_t requests = 0, failed = 0;  // answered in [seen_start, seen_end)
  double failed_share = 0;
  double worst_p95_us = 0, worst_p99_us = 0, worst_error_rate = 0;
  std::string severity;        // "P0".."P3", "" below every level
  std::string severity_basis;  // "worst p95 3.02s > 2s (P2)"
  int degraded_slots = 0;
};

struct IncidentEvent {
  int64_t unix_ms = 0;
  std::string source;  // "run 2026...", "check 2026...", "impact", "threshold"
  std::string kind;    // run_start, run_end, breach_began, breach_ended, degradation_began,
                       // degradation_ended, alert_firing, alert_resolved, finding, check,
                       // tune (a step of vitals tune's audit log)
  std::string text;
};

struct IncidentCause {
  int rank = 0;
  std::string id, component, level, priority, title, subject, evidence, action, runbook, source;
  int64_t first_seen_unix_ms = 0, last_seen_unix_ms = 0;
  double onset_gap_s = 0;  // first seen minus degradation onset (negative: before)
  int times_seen = 0;
  std::string seen_in;  // "check 2026..." or "run 2026..."
};

struct IncidentRecord {
  std::string id;  // set once stored
  int64_t created_unix_ms = 0;
  int64_t from_unix_ms = 0, to_unix_ms = 0;
  std::string title;
  std::string vitals_version;
  IncidentOptions options;
  std::vector<IncidentRun> runs;
  std::vector<IncidentSlot> slots;  // every run's slots, in time order
  int checks = 0;                   // recorded checks in the window
  IncidentImpact impact;
  std::vector<IncidentEvent> timeline;  // in time order
  std::vector<IncidentCause> causes;    // ranked
  std::string ranking;                  // how the causes were ranked, in words
  std::vector<std::string> warnings;    // documents that could not be read

  // "no incident in this window": nothing was degraded (message says what was looked at).
  bool no_incident() const { return !impact.degraded; }
  std::string NoIncidentMessage() const;
};

// Gathers the window from the store and computes the record.  Errors are the store's.
Result<IncidentRecord> BuildIncident(Store& store, const IncidentOptions& options);

// The pieces BuildIncident composes, exposed for tests.
// Marks degraded slots and computes the impact (slots in time order).
IncidentImpact ComputeImpact(std::vector<IncidentSlot>& slots, const IncidentOptions& options);
// "P2" for a value over the third level; "" below every level.
std::string SeverityFor(double value_us, const std::vector<double>& levels_us);
// Ranks causes in place (see the header comment) and returns the ranking in words.
std::string RankCauses(std::vector<IncidentCause>& causes, const IncidentImpact& impact);

// The record as JSON (what is stored and what `--format json` prints) and back.
std::string IncidentToJson(const IncidentRecord& record);
Result<IncidentRecord> IncidentFromJson(const std::string& text);

// Renderings.  Every text from the store is escaped for its format; the HTML page is one
// self-contained file (inline CSS and SVG, no script, no external reference).
std::string RenderIncidentMarkdown(const IncidentRecord& record);
std::string RenderIncidentHtml(const IncidentRecord& record);

// The local time zone's abbreviation now ("CET", "UTC"), for the timeline's local column.
std::string LocalZoneName();

}  // namespace vitals
