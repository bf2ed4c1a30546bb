// One load worker: an event loop, its connections and its statistics, driven
// by its share of the global plan.  Shared-nothing: a worker touches no other
// worker's memory while it runs; the engine merges stats after Run() returns.
//
// Open model: the worker sends the requests k = offset, offset + stride, ... of
// the global schedule (LoadPlan::DueNs; the stride spans workers and segments), each on a free
// keep-alive connection, opening more connections up to its max; a request that finds no free
// connection waits (and is sent late, its latency still counted from the due
// time) or, after --timeout, is dropped and counted.
// Closed model: the worker keeps its share of the plan's connection level
// busy; each connection sends the next request when the previous answer
// arrives.  A plan may mix models stage by stage (LoadPlan::ModelAt); a
// connection freed by a closed stage serves the open schedule and back.
//
// TLS: a connection handshakes (non-blocking, in the same loop) after its TCP connect and
// before its first request; the handshake is timed (LoadStats::tls_handshake) and counted as
// full or resumed.  A failed handshake fails the connection's request as `tls_handshake`
// with OpenSSL's reason kept in LoadStats::net_error_detail.  Reads and writes go through the
// connection's Transport (net/transport.h), so the request path is the same for both.
//
// HTTP/2: a request slot is a stream; a connection's slots share its socket and nghttp2
// session (load/h2_session.h), driven from this same loop.  Open model: a due request takes
// any connection with a free stream; each stream has its own intended and actual send time,
// exactly like an HTTP/1.1 request.  RST_STREAM fails the request as `h2_rst_stream`; streams
// a GOAWAY (or REFUSED_STREAM) left unprocessed are sent once more on a new connection and
// counted (LoadStats::h2_streams_retried).
//
// Pipelining (closed model, WorkerConfig::pipeline > 1): a connection that gets a request takes
// up to `pipeline` of them, writes them in one batch, and parses the answers in order; each
// latency counts from the batch's send.  A failure fails every unanswered request of the batch.
// Answers are read as they arrive, unless pipeline_batch_timing (load/worker_batch_reads.cc).
//
// Intervals: each completion (or failure) is also counted in the cell (phase of
// its intended send, request of the mix) of the reporting interval holding its
// completion time; finished intervals are handed to the engine under a mutex
// about once per interval, the only lock a worker ever takes.
//
// Thread-safety: Run() on one thread; progress(), TakeIntervals() and
// frontier() from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <sys/socket.h>

#include "core/status.h"
#include "load/noise.h"
#include "load/schedule.h"
#include "load/stats.h"
#include "net/tls_client.h"

namespace vitals {

// One request of the mix (a scenario's weighted requests, or the single URL).
struct WorkerRequest {
  const std::string* bytes = nullptr;  // borrowed request bytes
  bool no_body = false;                // HEAD: responses have no body
  int64_t timeout_ns = 10'000'000'000;
};

// One (phase, request) cell of a reporting interval, as a worker hands it to the engine.
struct IntervalCell {
  int phase = 0;
  int request = 0;
  uint64_t requests = 0, errors = 0;
  Histogram corrected, uncorrected;  // interval histogram config (WorkerConfig)
};

// Everything one worker saw complete in interval `index` ([index, index + 1) * interval_ns
// from the run start); only cells with requests.  `noise`: the worker's sched-delay probe and
// send lags in the interval (load/noise.h).
struct WorkerInterval {
  int64_t index = 0;
  std::vector<IntervalCell> cells;
  WorkerNoise noise;
};

struct WorkerConfig {
  const LoadPlan* plan = nullptr;  // borrowed; outlives the worker; stages carry the model
  // Open model: this worker sends global requests k = offset + j * stride.
  uint64_t offset = 0;
  uint64_t stride = 1;
  // Closed model: the level is split across segments, then the segment's share across its
  // workers (SplitShare, load/segment.h), so the shares of all workers of all segments add
  // up to the level.
  int worker_index = 0;
  int worker_count = 1;
  int segment_index = 0;
  int segment_count = 1;
  int connections = 1;  // opened at start
  // Closed model: requests written back to back per connection and answered in order
  // (--pipeline); 1 = one request at a time.  The engine refuses > 1 with open stages.
  int pipeline = 1;
  // Pipelining over plain TCP: let the kernel wake the worker once per batch (SO_RCVLOWAT set
  // to the batch's expected answer bytes, learned per request once its answers prove to be of
  // one size), so every answer of a batch is timed when the batch completes, as wrk times its
  // pipelined batches.  Answers of a size not yet known (or that vary) are read on arrival.
  bool pipeline_batch_timing = false;
  int max_connections = 1;    // upper bound (open model grows up to it)
  uint64_t max_requests = 0;  // 0 = unlimited; this worker's share
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  // The request mix: request i is chosen with probability weight i / sum (cumulative
  // weights normalised to end at 1).  Non-empty; at most kMaxRequests.
  std::vector<WorkerRequest> requests;
  std::vector<double> cumulative_weights;
  int64_t interval_ns = 1'000'000'000;      // reporting interval
  HistogramConfig interval_histogram;       // config of the per-interval histograms
  const std::atomic<bool>* stop = nullptr;  // set by the engine on SIGINT / abort
  // TLS (https://): every connection handshakes after its TCP connect, with the worker's own
  // TlsClient made from these options (its session cache is the worker's); `tls_server_name`
  // is the name verified and sent as SNI.  nullopt: plain TCP.
  std::optional<TlsClientOptions> tls;
  std::string tls_server_name;
  // HTTP/2 (--http2): every connection carries up to `streams` requests at once (0: the
  // server's SETTINGS_MAX_CONCURRENT_STREAMS, at most 100); ALPN h2 over TLS, prior knowledge
  // over plain TCP.  The closed model's level counts connections x streams.
  bool http2 = false;
  int streams = 0;
};

inline constexpr size_t kMaxRequests = 1000;

// Counters a worker publishes ~10 times a second for live progress.
struct WorkerProgress {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> inflight{0};
  // Errors by kind (vitals load --metrics-listen): one per NetError, then parse errors,
  // answers 4xx and answers 5xx.
  static constexpr size_t kKinds = static_cast<size_t>(NetError::kCount) + 3;
  std::array<std::atomic<uint64_t>, kKinds> errors_by_kind{};
};
// The name of WorkerProgress::errors_by_kind[i]: NetErrorName, "parse", "status_4xx",
// "status_5xx".
const char* ProgressErrorKindName(size_t i);

class Worker {
 public:
  explicit Worker(const WorkerConfig& config);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs until the plan is done and in-flight requests are answered or timed
  // out (or until *stop).  start_ns is MonotonicNs() of the run start, the
  // same for every worker.  Non-ok only when the event loop itself fails.
  Status Run(int64_t start_ns);
  LoadStats& stats() { return stats_; }
  const WorkerProgress& progress() const { return progress_; }

  // Reporting intervals, handed over about once per interval (any thread).  Every interval
  // with index < frontier() has been handed over (frontier() is INT64_MAX once Run returned).
  std::vector<WorkerInterval> TakeIntervals();
  int64_t frontier() const { return frontier_.load(std::memory_order_acquire); }

 private:
  struct Conn;
  struct H2Conn;
  class Impl;
  std::unique_ptr<Impl> impl_;
  LoadStats stats_;
  WorkerProgress progress_;
  std::mutex intervals_mu_;
  std::vector<WorkerInterval> intervals_;  // guarded by intervals_mu_
  std::atomic<int64_t> frontier_{0};
};

}  // namespace vitals
