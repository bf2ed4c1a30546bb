// The load engine: turns LoadOptions into worker threads, runs them, merges
// their statistics into a LoadResult.
//
// Threads: RunLoad starts `threads` workers and returns when all have
// finished; `on_progress` is called on the calling thread about every
// `progress_interval` with a consistent-enough snapshot (relaxed reads of
// per-worker counters, never a lock on the workers' path).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "load/early_stop.h"
#include "load/http_request.h"
#include "load/result.h"
#include "load/schedule.h"
#include "load/segment.h"
#include "load/thresholds.h"
#include "load/worker.h"
#include "net/url.h"

namespace vitals {

// One request of a weighted mix (a scenario's `requests`).
struct LoadRequest {
  std::string name;  // unique within the mix; names the request in intervals and thresholds
  Url url;           // http://; every request of a mix has the same host:port
  RequestSpec spec;
  double weight = 1;       // > 0
  int64_t timeout_ns = 0;  // 0: LoadOptions::timeout_ns
};

struct LoadOptions {
  std::string url;  // as given (printed redacted); the single-request form
  RequestSpec request;
  // The mix; when non-empty it replaces url/request (url is then only the label printed).
  std::vector<LoadRequest> requests;
  LoadModel model = LoadModel::kClosed;  // for stages that do not set their own
  std::vector<Stage> stages;             // rate (open) or connections (closed) per stage
  int threads = 1;
  int connections = 50;  // closed: the level when stages are not given; open: pre-opened
  // Closed model: requests written back to back per connection, answered in order (1..1024;
  // > 1 is refused with open stages: a request queued behind another's answer has no honest
  // send time of its own).
  int pipeline = 1;
  // --pipeline-timing batch: answers of a batch timed when the batch completes, one wake-up
  // per batch (WorkerConfig::pipeline_batch_timing).  Needs pipeline > 1 and plain http://.
  bool pipeline_batch_timing = false;
  // HTTP/2 (--http2): ALPN h2 over TLS, prior-knowledge h2c over http://; `streams` requests
  // in flight per connection (--streams; 0: the server's SETTINGS_MAX_CONCURRENT_STREAMS, at
  // most 100).  Refused with pipeline > 1.
  bool http2 = false;
  int streams = 0;
  int max_connections = 0;              // open model cap (0: same as connections)
  uint64_t max_requests = 0;            // stop after this many requests (0: no cap)
  int64_t timeout_ns = 10'000'000'000;  // per request (and drop deadline in the open model)
  int64_t interval_ns = 1'000'000'000;  // reporting interval (>= 100 ms)
  std::vector<std::pair<std::string, std::string>> tags;
  std::string run_id;  // "" -> a new id (LoadResult::run_id)
  // Early stop (load/early_stop.h): when no request has succeeded this long after the start
  // and some have failed, the run stops and LoadResult::failure says why.  0: never
  // (--keep-going).
  int64_t no_success_stop_ns = kNoSuccessStopNs;
  // Thresholds with abort_on_fail stop the run when they fail (AbortMonitor); all of them
  // are evaluated by the caller on the result (EvaluateAll).
  std::vector<Threshold> thresholds;
  // Called on the engine's thread with each completed interval's samples, in time order and
  // at full resolution (the store, --csv and --hlog writers).  A non-ok Status stops the run
  // and RunLoad returns it.
  std::function<Status(const std::vector<IntervalSample>&)> on_interval;
  // Noise (load/noise.h): the host counters read at every interval boundary (empty: no host
  // figures, the workers' probes still run), and the sink that gets each interval's
  // NoiseInterval in time order, like on_interval (a non-ok Status stops the run).
  HostCpuProbe host_probe;
  std::function<Status(const std::vector<NoiseInterval>&)> on_noise;
  // Generator threads of the whole process when several engines run at once (duet mode), for
  // the generator CPU share; 0: `threads`.
  int process_threads = 0;
  // https:// targets: verification (system CA store or ca_file, or insecure), client
  // certificate, minimum version, session resumption, ALPN.  Ignored for http://.
  TlsClientOptions tls;
  // --resolve HOST:PORT:ADDR (curl's form): connect to ADDR whenever the target is HOST:PORT;
  // the URL's host still goes into the Host header, SNI and the certificate check.
  std::vector<std::string> resolve;
  // Execution segment (load/segment.h): this process runs only its share of the plan (open
  // model: the requests k with k mod count == index; closed model: its share of every level,
  // of --connections, --max-connections and --requests).  Default: the whole plan.
  Segment segment;
  // The run's time zero as Unix milliseconds (--start-at), so that segments started
  // separately share it; 0: start now.  A start in the future waits (nothing is sent before
  // it); a start in the past sends the backlog at once, each request counted late from its
  // due time (never hidden).  InvalidArgument when the whole plan is already over.
  int64_t start_unix_ms = 0;
};

// Parses one --resolve entry; InvalidArgument names the entry and the expected form.
struct ResolveOverride {
  std::string host;
  uint16_t port = 0;
  std::string addr;  // IP literal (IPv6 with or without brackets)
};
Result<ResolveOverride> ParseResolveOverride(const std::string& text);

struct Progress {
  double elapsed_s = 0;
  double total_s = 0;
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t inflight = 0;
  // Errors so far by kind (ProgressErrorKindName: connect_refused, timeout, ..., parse,
  // status_4xx, status_5xx); kinds with none are left out.
  std::vector<std::pair<std::string, uint64_t>> errors_by_kind;
  std::string phase;
  // The latest completed interval (all requests): rate, errors and corrected latency.
  bool has_interval = false;
  double interval_rate = 0;
  uint64_t interval_errors = 0;
  // NaN when nothing succeeded in the interval (no latency: shown as "-").
  double interval_p50_us = 0, interval_p99_us = 0;
};

// Per-interval histograms: 1 us up to twice the longest timeout plus a second (the largest
// corrected latency a request can have), 2 significant figures (1 % resolution, ~20 KB each
// at a 10 s timeout).  The run, phase and merged histograms keep 3 significant figures.
HistogramConfig IntervalHistogramConfig(int64_t max_timeout_ns);

// Validates options (errors are InvalidArgument naming the flag), resolves
// the target, runs the load, returns the merged result.  `stop` may be set
// from a signal handler to end the run early (the result is marked
// interrupted and stopped_by_caller).  An abort_on_fail threshold that fails
// ends the run the same way and names itself in LoadResult::aborted_by; the
// early stop (no_success_stop_ns) names the failure in LoadResult::failure.
Result<LoadResult> RunLoad(const LoadOptions& options, const std::atomic<bool>* stop,
                           const std::function<void(const Progress&)>& on_progress);

}  // namespace vitals
