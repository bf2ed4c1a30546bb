// What `vitals report` renders, gathered once from a stored run: the rebuilt result, the
// per-second timeline (corrected and uncorrected percentiles), phase spans, per-request
// rows, threshold verdicts and findings.  The renderers (html_report.h, markdown_report.h,
// run_report.h) read only this.
//
// Memory stays bounded for any run length: interval histograms are digested one at a time
// (ReadOptions::visit_interval), so a report keeps numbers per interval, not histograms.
//
// Thread-safety: plain values; LoadReportData uses the Store it is given (one thread).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/histogram.h"
#include "core/status.h"
#include "load/result.h"
#include "load/thresholds.h"
#include "store/store.h"

namespace vitals {

// One time slot of the run (all requests, every phase in it merged).
// A latency that does not exist (nothing succeeded): every renderer prints "-" (JSON null).
inline constexpr double kNoLatency = std::numeric_limits<double>::quiet_NaN();

struct TimelinePoint {
  double start_s = 0, length_s = 1;
  std::string phase;  // the phase with most requests in the slot
  uint64_t requests = 0, errors = 0;
  double p50_us = 0, p95_us = 0, p99_us = 0, max_us = 0;  // corrected
  double u_p50_us = 0, u_p95_us = 0, u_p99_us = 0;        // uncorrected
  bool has_uncorrected = false;  // false when only summaries were available
  bool has_latency = true;       // false when nothing succeeded in the slot (JSON null)
};

// Where a phase ran on the time axis.
struct PhaseSpan {
  std::string name;
  double start_s = 0, end_s = 0;
};

// Where an alert was firing during the run (vitals load --watch-rules), in seconds from the
// run start; an alert still firing at the end runs to the end of the timeline.
struct AlertSpan {
  std::string alert, labels;  // labels as {a="b", ...} without alertname
  double start_s = 0, end_s = 0;
  bool resolved = false;
};

// One request name's totals (scenarios with named requests).
struct RequestRow {
  std::string name;
  uint64_t requests = 0, errors = 0;
  // NaN when none of its requests succeeded (no latency: rendered "-", JSON null).
  double p50_us = kNoLatency, p95_us = kNoLatency, p99_us = kNoLatency;
};

// One finding of the stored findings document (docs/rules.md, `vitals check --format json`).
struct ReportFinding {
  std::string id, component, level, priority, title, subject, evidence, action, runbook, source;
  // Findings of `vitals load --observe` (docs/observe.md): when they began and ended on the
  // run's clock, the phase they began in, "rule" or "trend", and whether they began before
  // the latency rose.  onset_s < 0 for a one-time check's findings.
  double onset_s = -1, end_s = -1;
  bool active_at_end = false, cause_candidate = false;
  std::string phase, kind;
};

struct ReportData {
  RunInfo info;
  LoadResult result;  // RebuildLoadResult; result.intervals stays empty
  std::string config_json;
  std::string result_json;              // "" for a run that never completed
  std::vector<TimelinePoint> timeline;  // in time order
  std::vector<PhaseSpan> phase_spans;   // in run order
  std::vector<RequestRow> requests;     // by name
  // Rebuilt from the stored thresholds JSON (load/thresholds.h ThresholdsJson), value_text
  // formatted as `vitals load` printed it.
  std::vector<ThresholdVerdict> thresholds;
  std::vector<ReportFinding> findings;
  std::vector<AlertSpan> alert_spans;  // in firing order
  std::string findings_json;           // as stored; "" when none
  std::vector<StoredSeries> series;    // server-side series (vitals load --observe)
  // Set when a stored document could not be read (shown in the report, never fatal).
  std::vector<std::string> warnings;

  bool incomplete() const { return info.status == RunStatus::kRunning; }
  bool failed() const { return info.status == RunStatus::kFailed; }
};

// Reads run `name` (any way Store::GetRun accepts) and builds the report data.  Errors are
// GetRun's (NotFound / InvalidArgument for a bad name, Io for a damaged store).
Result<ReportData> LoadReportData(Store& store, const std::string& name);

// Builds the data of a run already read.  Its decoded intervals (ReadOptions::intervals) make
// the timeline; without them the timeline comes from interval_summaries (corrected only).
ReportData MakeReportData(const StoredRun& run);

// Builds the timeline incrementally from decoded intervals (what LoadReportData does).
class TimelineBuilder {
 public:
  // Samples in seq order; request "" feeds the timeline, named requests the request rows.
  void Add(const IntervalSample& s);
  // The points and request rows so far (flushes the open slot).
  void Finish(std::vector<TimelinePoint>* timeline, std::vector<RequestRow>* requests);

 private:
  void Flush();
  std::vector<TimelinePoint> points_;
  std::vector<std::pair<std::string, uint64_t>> slot_phases_;
  bool open_ = false;
  TimelinePoint cur_;
  Histogram corrected_, uncorrected_;
  std::vector<std::pair<std::string, RequestRow>> request_rows_;
  std::vector<Histogram> request_hist_;
};

// Parses stored documents; a malformed one adds a line to `warnings` and yields nothing.
std::vector<ThresholdVerdict> ParseThresholds(const std::string& thresholds_json,
                                              std::vector<std::string>* warnings);
std::vector<ReportFinding> ParseFindings(const std::string& findings_json,
                                         std::vector<std::string>* warnings);

// Phase spans from the timeline (consecutive slots of one phase), or from the phases'
// planned durations when there is no timeline.
// "< 500ms" for a verdict: the operator and limit as the threshold's unit is written, from
// its expression; "" when the expression no longer parses.
std::string ThresholdLimitText(const ThresholdVerdict& v);

// The firing spans of stored alert state changes; `end_s` closes those still firing.
std::vector<AlertSpan> ComputeAlertSpans(const std::vector<StoredAlert>& alerts,
                                         int64_t run_start_ms, double end_s);

std::vector<PhaseSpan> ComputePhaseSpans(const std::vector<TimelinePoint>& timeline,
                                         const std::vector<PhaseResult>& phases);

}  // namespace vitals
