// The target's failure modes that need per-thread state: the cache model (--cache) and the
// backend endpoints (--redis, --postgres).  A worker with no mode has no ThreadModes and its
// request path is unchanged; a worker with one calls Handle() for each request of the
// default route (not /metrics or /healthz).
//
// Thread-safety: a ThreadModes belongs to one worker thread; its counters (inside the cache
// and backend) may be read from any thread for /metrics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "target/backend.h"
#include "target/cache_model.h"
#include "target/rng.h"
#include "target/target_options.h"

namespace vitals::detail {

// What the modes did to one request.
struct ModeResult {
  int64_t added_ns = 0;  // the cache miss latency, or the time the backend call took
  // A backend answered: the status (200, or 503 when the call failed) and the body, "N\n"
  // when rows >= 0 (PostgreSQL), else "<label>\n" ("hit", "miss", "error").
  bool answered = false;
  int status = 200;
  const char* label = "";
  int64_t rows = -1;
};

class ThreadModes {
 public:
  // nullptr when `options` asks for no mode.  Errors: the backend's (ConnectBackend).
  static Result<std::unique_ptr<ThreadModes>> Make(const TargetOptions& options, int thread);

  // One request arriving at now_ns; blocks for a backend call.
  ModeResult Handle(int64_t now_ns, FastRng& rng);

  const ThreadCache* cache() const { return cache_.get(); }
  const Backend* backend() const { return backend_.get(); }

 private:
  ThreadModes() = default;
  LatencySpec miss_latency_;
  int64_t uniform_keys_ = 0;            // --redis-keys
  std::unique_ptr<ThreadCache> cache_;  // --cache
  std::unique_ptr<WorkingSet> keys_;    // --redis without --redis-keys
  std::unique_ptr<Backend> backend_;    // --redis / --postgres
};

}  // namespace vitals::detail
