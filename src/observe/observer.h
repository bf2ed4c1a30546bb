// The observation of the system under test during a load run
// (`vitals load --observe ...`): one thread per sampler (collect/sampler.h)
// reads its component every period for the whole run.
//
// Timing: sample k of every sampler is due at start + k x period (a shared
// grid, so the components' samples line up with the run's intervals); a
// sample that takes longer than a period skips the grid points it missed
// (no backlog, no burst).  Each sample is stamped with the time its reading
// ended, in seconds since the run's start.
//
// Isolation: the samplers never touch the load engine; they only append to
// this object under its mutex, at most a few times per second.  A slow
// sampler delays only itself (every call is bounded by SamplerOptions'
// timeouts); a failed sample is counted, its first errors are kept for the
// summary, and the sampler tries again at the next grid point.
//
// Thread-safety: Start and Stop from the owner's thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collect/fact.h"
#include "collect/sampler.h"
#include "core/status.h"

namespace vitals {

// One --observe argument: "host", "postgres=DSN", "redis=URL", "prometheus=URL".
struct ObserveSpec {
  std::string component;
  std::string target;  // DSN or URL; "" for host
};

// Parses one --observe argument.  InvalidArgument naming the argument (secrets masked) and
// the accepted forms.
Result<ObserveSpec> ParseObserveSpec(const std::string& arg);

// What one sample read.
struct ObservedSample {
  double t_s = 0;  // since the run's start, when the reading ended
  Collection collection;
};

// Per sampler, what happened over the run.
struct ObservedComponent {
  std::string component;
  std::string description;  // secrets masked
  int ok = 0, failed = 0;
  double max_sample_s = 0;          // the slowest reading
  double cpu_s = 0;                 // CPU time of the sampler's thread over the run
  std::vector<std::string> errors;  // the first few, with their time
  std::vector<ObservedSample> samples;
};

class Observer {
 public:
  // Starts one thread per sampler; the first reading is taken at once (t = 0).
  static std::unique_ptr<Observer> Start(std::vector<std::unique_ptr<Sampler>> samplers,
                                         int64_t period_ns, int64_t start_mono_ns);
  ~Observer();
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;

  // Stops every thread (a reading in progress finishes first, bounded by its timeout) and
  // returns what each sampler saw.
  std::vector<ObservedComponent> Stop();
  int64_t period_ns() const { return period_ns_; }

 private:
  Observer() = default;
  void Loop(size_t index);

  int64_t period_ns_ = 0;
  int64_t start_ns_ = 0;
  std::vector<std::unique_ptr<Sampler>> samplers_;
  std::vector<ObservedComponent> results_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace vitals
