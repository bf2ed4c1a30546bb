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
#include "load/http_request.h"
#include "load/result.h"
#include "load/schedule.h"
#include "load/worker.h"
#include "net/url.h"

namespace vitals {

struct LoadOptions {
  std::string url;  // as given (printed redacted)
  RequestSpec request;
  LoadModel model = LoadModel::kClosed;
  std::vector<Stage> stages;  // rate (open) or connections (closed) per stage
  int threads = 1;
  int connections = 50;       // closed: the level when stages are not given; open: pre-opened
  int max_connections = 0;    // open model cap (0: same as connections)
  uint64_t max_requests = 0;  // stop after this many requests (0: no cap)
  int64_t timeout_ns = 10'000'000'000;  // per request (and drop deadline in the open model)
  std::vector<std::pair<std::string, std::string>> tags;
};

struct Progress {
  double elapsed_s = 0;
  double total_s = 0;
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t inflight = 0;
  std::string phase;
};

// Validates options (errors are InvalidArgument naming the flag), resolves
// the target, runs the load, returns the merged result.  `stop` may be set
// from a signal handler to end the run early (the result is marked
// interrupted).
Result<LoadResult> RunLoad(const LoadOptions& options, const std::atomic<bool>* stop,
                           const std::function<void(const Progress&)>& on_progress);

}  // namespace vitals
