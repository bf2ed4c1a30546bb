// Thresholds: the pass/fail criteria of a load run, k6-style.
//
// Why our own parser rather than a general expression library: the grammar is part of the
// product (users copy thresholds between k6 and vitals, CI files hold them for years), so every
// form and every error message is ours to define and keep stable.
//
// Grammar (docs/scenario.md has the full reference and examples):
//   threshold := METRIC [SCOPE] OP VALUE [ "over" WINDOW ]
//   METRIC    := p(N) | avg | med | min | max              latency, VALUE a duration: 500ms, 2s
//              | error_rate                                 VALUE a percent or fraction: 1%, 0.01
//              | rate                                       achieved req/s, VALUE a number
//              | requests | errors | dropped | late_sends   counts, VALUE a number
//              | status_NNN | status_Nxx                    responses with that status (class)
//              | alerts_firing                              alerts that fired during the run
//                                                           (vitals load --watch-rules)
//   SCOPE     := "{" ITEM ("," ITEM)* "}"   ITEM := phase:NAME | request:NAME | uncorrected
//   OP        := < | <= | > | >= | == | !=
//   WINDOW    := a duration (10s, 1m): the threshold must hold in every sliding window
// Whitespace is allowed between tokens.  Latency thresholds read the coordinated-omission
// corrected histogram unless the scope says `uncorrected`.
//
// Which data a threshold can read (checked by ParseThreshold, so a threshold that could never be
// evaluated is a parse error, not a silent pass):
//   * status_*, late_sends, alerts_firing: whole run only (no scope, no window).
//   * dropped: whole run or {phase:...}; no request scope, no window.
//   * everything else: any scope, with or without a window.
//
// Thread-safety: plain values and free functions; AbortMonitor is not thread-safe (one owner).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"
#include "load/result.h"

namespace vitals {

enum class ThresholdMetric {
  kPercentile,   // p(N)
  kAvg,          // mean latency
  kMed,          // p(50)
  kMin,          // smallest latency
  kMax,          // largest latency
  kErrorRate,    // errors / requests
  kRate,         // requests per second achieved
  kRequests,     // count of requests sent (completed + failed)
  kErrors,       // count of failed requests and responses >= 400
  kDropped,      // open model: requests never sent (no free connection in time)
  kLateSends,    // open model: requests sent after their due time
  kStatusCode,   // responses with exactly this status (status_503)
  kStatusClass,  // responses in this class (status_5xx)
  // Alerts that reached firing while the run was watched (vitals load --watch-rules).
  kAlertsFiring,
};

enum class ThresholdOp { kLt, kLe, kGt, kGe, kEq, kNe };

struct Threshold {
  std::string expr;  // the text as written (trimmed); names the threshold everywhere
  ThresholdMetric metric = ThresholdMetric::kPercentile;
  double percentile = 0;  // kPercentile: 0..100
  int status = 0;         // kStatusCode: 100..599; kStatusClass: 1..5
  std::string phase;      // scope: only this phase ("" = all)
  std::string request;    // scope: only this request name ("" = all requests)
  bool uncorrected = false;
  ThresholdOp op = ThresholdOp::kLt;
  // The limit in the metric's unit: microseconds for latency, a fraction (0..1) for error_rate,
  // req/s for rate, a count otherwise.
  double limit = 0;
  int64_t window_ns = 0;  // > 0: "over WINDOW"
  // Set from the scenario (not part of the expression): stop the run as soon as the threshold
  // is known to fail (see AbortMonitor), and not before delay_abort_eval_ns of run time.
  bool abort_on_fail = false;
  int64_t delay_abort_eval_ns = 0;
};

// Parses one expression.  Errors are InvalidArgument and say what was expected and at which
// 1-based column, e.g.
//   threshold 'p(95<500ms': expected ')' after the percentile at column 5
Result<Threshold> ParseThreshold(std::string_view text);

// "p(95)", "error_rate", "status_5xx", ... (no scope).
std::string ThresholdMetricName(const Threshold& t);
std::string_view ThresholdOpText(ThresholdOp op);
// Unit of the threshold's value and limit: "us", "fraction", "req/s" or "count".
std::string_view ThresholdUnit(const Threshold& t);
// A value in the threshold's unit as a user reads it: "1.25ms", "0.52%", "950.3 req/s", "12".
std::string FormatThresholdValue(const Threshold& t, double value);
// True when `value` satisfies `op limit`.
bool ThresholdHolds(ThresholdOp op, double value, double limit);

struct ThresholdWindow {
  double start_s = 0;  // from the run start
  double end_s = 0;
};

struct ThresholdVerdict {
  std::string expr;
  bool ok = false;
  bool has_value = false;  // false: there was no data to evaluate (then ok is false)
  double value = 0;        // the metric (the worst window's, for "over"), in `unit`
  double limit = 0;
  std::string unit;        // ThresholdUnit()
  std::string value_text;  // FormatThresholdValue(value), "-" without a value
  // "over": the worst window (the failing one furthest past the limit, or the one closest to
  // failing when all pass), how many complete windows there were and how many failed.
  std::optional<ThresholdWindow> window;
  int windows = 0;
  int windows_failed = 0;
  bool abort_on_fail = false;
  std::string message;  // one line for people: "p(95) = 612ms (limit < 500ms)"
};

// Evaluates `t` on a finished run.
//   Whole run, no scope: the run's totals (latency histograms, error_rate, rate_achieved,
//     status_codes, dropped, late_sends).
//   {phase:P}: the PhaseResult named P (or, when the result has no phase results, the merged
//     intervals of P).  {request:R}: the merged intervals of R (IntervalSample::request == R).
//   over WINDOW: sliding windows of consecutive intervals (see the window rule below); the
//     verdict is the worst window.  A run shorter than the window is evaluated once over all of
//     it and the message says so.
// Interval samples in scope: phase == P (any phase without {phase:}) and request == R, where R
// is "" without {request:}; so the engine must emit, per interval and phase, one sample with
// request "" covering all requests (plus one per request name when the scenario names them).
// Latency and error_rate with no request in scope have no value: ok = false, "no data".
// A window without requests is skipped for latency and error_rate (counts and rate are 0).
//
// Window rule: intervals are grouped by start time into time slots (all samples in scope with
// the same start_s).  The window ending at slot k is the shortest run of consecutive slots
// i..k with end(k) - start(i) >= WINDOW, so a window is WINDOW rounded up to whole intervals
// and slides by one interval.  Slots before the first complete window start no window.
ThresholdVerdict Evaluate(const Threshold& t, const LoadResult& r);
std::vector<ThresholdVerdict> EvaluateAll(const std::vector<Threshold>& ts, const LoadResult& r);
bool AllPassed(const std::vector<ThresholdVerdict>& verdicts);

// The result JSON's "thresholds" array:
//   [{"expr", "ok", "value" (null without data), "limit", "unit", "message", "abort_on_fail",
//     "window": {"start_s", "end_s", "windows", "failed"} (only for "over")}]
nlohmann::json ThresholdsJson(const std::vector<ThresholdVerdict>& verdicts);

// ---- aborting a run early (abort_on_fail) ----
//
// The rule (k6's abortOnFail + delayAbortEval, made explicit):
//   * Nothing aborts before delay_abort_eval_ns of run time (end of the latest interval).
//   * "over WINDOW": each window is checked when it becomes complete; the run aborts on the
//     first complete window that fails.  Windows that end before delay_abort_eval_ns are not
//     checked for aborting (warm-up); they still count in the final verdict.
//   * Whole run, monotone counts (requests, errors with < or <=): abort as soon as the count
//     so far already breaks the limit, since it can only grow.  Other ops on counts cannot be
//     decided before the end and never abort.
//   * Whole run, latency / error_rate / rate: evaluated on everything seen so far, but only
//     after kMinAbortEvalNs of run time and kMinAbortRequests requests in scope, so that a
//     slow first request or a cold start does not end a run.
//   * status_*, dropped, late_sends are not in the interval samples: never abort during the
//     run (the final verdict still fails the run).
constexpr int64_t kMinAbortEvalNs = 5'000'000'000;
constexpr uint64_t kMinAbortRequests = 100;

// Incremental form for the engine: feed each interval's samples as it completes.
// O(window slots) per call for windowed thresholds and O(1 histogram merge) for whole-run ones,
// so it is cheap for runs of any length.  Memory: one merged histogram per threshold plus the
// slots of one window.
class AbortMonitor {
 public:
  // Keeps the thresholds with abort_on_fail set; the others are ignored.
  explicit AbortMonitor(const std::vector<Threshold>& thresholds);
  AbortMonitor(const AbortMonitor&) = delete;
  AbortMonitor& operator=(const AbortMonitor&) = delete;
  AbortMonitor(AbortMonitor&&) noexcept;
  AbortMonitor& operator=(AbortMonitor&&) noexcept;
  ~AbortMonitor();

  // `completed`: the samples of the intervals completed since the last call, in time order
  // (samples of one interval may be split across calls).  Returns the verdict of the first
  // threshold that fails (the run should stop), or nullopt.
  std::optional<ThresholdVerdict> Observe(const std::vector<IntervalSample>& completed);
  // False when no threshold has abort_on_fail (the engine may skip Observe).
  bool active() const;

 private:
  struct State;
  std::vector<State> states_;
  double now_s_ = 0;  // end of the latest interval seen: the run time so far
};

// Stateless form of the same rule for one threshold: replays `so_far` (all interval samples of
// the run so far) through an AbortMonitor.  Cost grows with the run (O(intervals) per call);
// use AbortMonitor in long runs.  False when !t.abort_on_fail.
bool ShouldAbort(const Threshold& t, const std::vector<IntervalSample>& so_far);

namespace detail {
// The candidate closest to `word` by edit distance (case-insensitive), or "" when none is
// close enough to be a plausible typo.  For "did you mean" hints.
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);
// Offset of the first byte that is not part of well-formed UTF-8 (overlong forms, surrogates
// and code points above U+10FFFF are ill-formed), or std::string_view::npos.
size_t FirstInvalidUtf8(std::string_view text);
}  // namespace detail

}  // namespace vitals
