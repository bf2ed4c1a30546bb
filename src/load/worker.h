// One load worker: an event loop, its connections and its statistics, driven
// by its share of the global plan.  Shared-nothing: a worker touches no other
// worker's memory while it runs; the engine merges stats after Run() returns.
//
// Open model: the worker sends the requests k = offset, offset + stride, ... of
// the global schedule (LoadPlan::DueNs), each on a free keep-alive connection,
// opening more connections up to its max; a request that finds no free
// connection waits (and is sent late, its latency still counted from the due
// time) or, after --timeout, is dropped and counted.
// Closed model: the worker keeps its share of the plan's connection level
// busy; each connection sends the next request when the previous answer
// arrives.
//
// Thread-safety: Run() on one thread; progress() may be read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <sys/socket.h>

#include "core/status.h"
#include "load/schedule.h"
#include "load/stats.h"

namespace vitals {

enum class LoadModel { kOpen, kClosed };

struct WorkerConfig {
  LoadModel model = LoadModel::kClosed;
  const LoadPlan* plan = nullptr;  // borrowed; outlives the worker
  // Open model: this worker sends global requests k = offset + j * stride.
  uint64_t offset = 0;
  uint64_t stride = 1;
  // Closed model: this worker's share of the level is level * share, rounded
  // so that the shares of all workers add up (index/count of workers).
  int worker_index = 0;
  int worker_count = 1;
  int connections = 1;        // opened at start
  int max_connections = 1;    // upper bound (open model grows up to it)
  uint64_t max_requests = 0;  // 0 = unlimited; this worker's share
  int64_t timeout_ns = 10'000'000'000;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  const std::string* request = nullptr;     // borrowed request bytes
  bool no_body = false;                     // HEAD: responses have no body
  const std::atomic<bool>* stop = nullptr;  // set by the engine on SIGINT / abort
};

// Counters a worker publishes ~10 times a second for live progress.
struct WorkerProgress {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> inflight{0};
};

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

 private:
  struct Conn;
  class Impl;
  std::unique_ptr<Impl> impl_;
  LoadStats stats_;
  WorkerProgress progress_;
};

}  // namespace vitals
