// The result of one load run: the numbers every report, the store and the
// gate read.  JSON form documented in docs/result-json.md (ToJson).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/histogram.h"
#include "load/noise.h"

namespace vitals {

struct LatencySummary {
  uint64_t count = 0;
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0, mean = 0, min = 0, stddev = 0;
  static LatencySummary From(const Histogram& h);  // values in microseconds
};

struct PhaseResult {
  std::string name;
  double duration_s = 0;
  double level_start = 0, level_end = 0;  // rate or connections
  std::string model;                      // "open" | "closed"
  uint64_t requests = 0, errors = 0, dropped = 0;
  Histogram latency_corrected, latency_uncorrected;
};

// One reporting interval (default 1 s) of the run, for one phase and one
// request name ("" = all requests).  Time series, windowed thresholds, the
// store and the charts read these.
struct IntervalSample {
  double start_s = 0;  // from the run start
  double length_s = 1;
  std::string phase;    // phase (stage) name
  std::string request;  // request name, "" for all requests
  uint64_t requests = 0, errors = 0;
  Histogram latency_corrected, latency_uncorrected;  // microseconds
};

// Provenance of one execution segment in a merged run (vitals merge, vitals coordinate).
struct SegmentProvenance {
  int index = 0;  // 0-based
  int count = 1;
  std::string run_id;  // the segment's own run id
  std::string host;    // where it ran, when known ("" otherwise)
  uint64_t requests = 0, errors = 0, planned_requests = 0;
  std::string status;  // the segment's ResultStatus, or "lost" (vitals coordinate)
  // vitals coordinate: when it joined and left (Unix ms; 0 unknown), and for a segment lost
  // mid-run, when (seconds from the run's start) and why.  Its requests / errors are then
  // those of its last heartbeat: its result never arrived.
  int64_t joined_unix_ms = 0, left_unix_ms = 0;
  bool lost = false;
  double lost_at_s = 0;
  std::string lost_reason;
};

struct LoadResult {
  std::string run_id;
  std::string target;  // URL with any password redacted
  std::string method;
  std::string model;  // "open" | "closed"
  int threads = 0;
  int connections = 0;
  int max_connections = 0;
  int pipeline = 1;  // requests written back to back per connection (closed model)
  // pipeline > 1: "answer" (each answer timed on arrival) or "batch" (at its batch's end).
  std::string pipeline_timing;
  int64_t started_unix_ms = 0;
  double duration_s = 0;  // wall time from the first send to the last answer
  double planned_s = 0;
  bool interrupted = false;  // ended before its plan (any of the reasons below)
  // The caller's stop flag ended the run (Ctrl-C / SIGTERM): stored as "interrupted".
  bool stopped_by_caller = false;
  // Set when the run failed: no request succeeded in the early-stop window (load/early_stop.h
  // NoSuccessMessage).  Stored as "failed" with this reason.  "" otherwise.
  std::string failure;
  uint64_t requests = 0;  // completed + failed (dropped are never sent)
  uint64_t completed = 0;
  uint64_t errors = 0;  // failed + status >= 400
  double error_rate = 0;
  double rate_asked = 0;  // mean planned rate (open model), 0 for closed
  double rate_achieved = 0;
  uint64_t late_sends = 0;
  // Alerts that reached "firing" while `vitals load --watch-rules` evaluated the users' alert
  // rules during the run (set by the caller; 0 when not watched).
  uint64_t alerts_firing = 0;
  uint64_t dropped = 0;
  uint64_t connections_opened = 0;
  uint64_t connections_failed = 0;
  uint64_t max_inflight = 0;
  uint64_t bytes_read = 0, bytes_written = 0;
  std::map<std::string, uint64_t>
      errors_by_kind;  // "timeout", "reset", "parse:bad_chunk", "status_500", ...
  // Why an error kind happened, when the engine knows more than its name (the first TLS
  // handshake failure's reason: "certificate verify failed: ...; pass --cacert FILE ...").
  std::map<std::string, std::string> error_details;
  std::map<int, uint64_t> status_codes;
  Histogram latency_corrected, latency_uncorrected, connect_time, ttfb, send_lag;
  // https: TCP connected -> handshake done, per connection; full and resumed handshakes.
  bool tls = false;
  Histogram tls_handshake;
  uint64_t tls_full = 0, tls_resumed = 0;
  std::string tls_session;  // "TLSv1.3 TLS_AES_128_GCM_SHA256, ALPN h2" (first handshake)
  // HTTP/2: streams per connection asked (0: the server's limit, at most 100), GOAWAY frames
  // received, requests refused unprocessed (GOAWAY / REFUSED_STREAM) and sent again.
  bool http2 = false;
  int streams = 0;
  uint64_t h2_goaways = 0, h2_streams_retried = 0;
  std::vector<PhaseResult> phases;
  // In time order.  Full resolution up to kMaxSeriesSlots intervals; a longer run keeps its
  // oldest intervals merged pairwise (see load/interval_collector.h).  Interval histograms
  // use IntervalHistogramConfig (2 significant figures).
  std::vector<IntervalSample> intervals;
  // The generator's noise per interval (load/noise.h), full resolution, and why host figures
  // are missing ("" when they are not).
  std::vector<NoiseInterval> noise;
  std::string noise_note;
  std::vector<std::pair<std::string, std::string>> tags;
  // The execution segment this process ran (0-based index; count 1 = the whole plan), and
  // the share of the planned open-model requests that were its own.
  int segment_index = 0, segment_count = 1;
  uint64_t planned_requests = 0;  // open model: requests of the plan in this segment
  std::string segment_host;       // a segment: the host name it ran on ("" otherwise)
  // A merged run: the segments it was merged from, by index (empty for a single process).
  std::vector<SegmentProvenance> segments;
  std::string aborted_by;  // the abort_on_fail threshold that stopped the run, or ""
  // What makes runs comparable (set by the CLI; see cli/run_outputs.h RunConfigJson): the
  // scenario's name and fingerprint.  Written as "scenario" in the JSON when set.
  std::string scenario_name, scenario_fingerprint;
  // Set by the caller after EvaluateAll: the "thresholds" JSON array ("" = none) and
  // "pass" / "fail" ("" = no thresholds).
  std::string thresholds_json;
  std::string verdict;
};

// How the run ended, as stored and in the JSON "status": "failed" (failure set),
// "interrupted" (stopped_by_caller) or "completed".
const char* ResultStatus(const LoadResult& r);

// Result JSON (the contract in PRODUCT.md plus timing breakdown and phases).
std::string ToJson(const LoadResult& r, int indent = 2);

}  // namespace vitals
