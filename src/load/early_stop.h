// Ends a run that is getting nowhere.  A user who points vitals at a target that is not
// running (or at the wrong port, or at a server that fails every request) should get a
// clear stop after a few seconds, not a full run of zero latencies and an exit 0.
//
// EarlyStopMonitor watches the run's running totals (requests finished, errors) from the
// engine's progress tick: when no request has succeeded by `window` after the start and at
// least one has failed, it fires.  It only looks at the beginning of a run: once one request
// has succeeded it never fires (a target failing for a while mid-run is a finding of the run,
// shown in its intervals and thresholds, not a reason to stop it).
//
// Thread-safety: one owner (the engine's thread).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace vitals {

// The default grace period: 5 s (LoadOptions::no_success_stop_ns).
inline constexpr int64_t kNoSuccessStopNs = 5'000'000'000;

class EarlyStopMonitor {
 public:
  // window_ns <= 0: never fires (--keep-going).
  explicit EarlyStopMonitor(int64_t window_ns) : window_ns_(window_ns) {}

  // elapsed_ns: time since the schedule's start; requests / errors: the run's totals so far
  // (requests counts failed ones too, as LoadResult::requests does).  Returns true when the
  // run should stop now, and keeps returning true after that.
  bool Observe(int64_t elapsed_ns, uint64_t requests, uint64_t errors);
  bool fired() const { return fired_; }
  int64_t window_ns() const { return window_ns_; }

 private:
  int64_t window_ns_;
  bool succeeded_ = false;
  bool fired_ = false;
};

// The message of a run stopped by EarlyStopMonitor: what failed (the most frequent kind in
// `errors_by_kind`, as LoadResult counts them), where (`address`, host:port) and what to do,
// e.g. "no request succeeded in 5 s: connection refused by 127.0.0.1:8080; is the target
// running? (--keep-going to run anyway)".
std::string NoSuccessMessage(int64_t window_ns,
                             const std::map<std::string, uint64_t>& errors_by_kind,
                             const std::string& address);

}  // namespace vitals
