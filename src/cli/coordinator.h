// The coordinator's session (vitals coordinate): waits for N segments to join, hands them the
// plan and a common start time, merges their intervals live (load/live_merge.h), judges the
// abort_on_fail thresholds on the merged series, stops every segment when one fails (or when a
// segment is lost and the policy is abort), shows live progress, and collects the segments'
// final results.  The frames are load/coord_protocol.h's; docs/distributed.md tells the story.
//
// Thread-safety: one thread (a poll loop over the listener and the segments' sockets).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/coord_conn.h"
#include "cli/progress_line.h"
#include "core/status.h"
#include "load/thresholds.h"

namespace vitals::cli {

struct CoordinatorConfig {
  int segments = 2;
  std::string plan_hash;  // TargetHash of the coordinator's target
  std::string plan_name;  // the scenario name or URL, for refusals
  nlohmann::json plan;    // {"args", "target", "scenario"}; start_unix_ms is added at start
  std::vector<Threshold> thresholds;  // those with abort_on_fail are judged live
  std::string token;                  // "" : no authentication (loopback only)
  int64_t join_timeout_ms = 60'000;
  bool abort_on_loss = false;  // --on-segment-loss abort
  int64_t start_delay_ms = 2000;
  double planned_s = 0;  // for the progress line
  // Each segment's share of the plan (by index; empty: 1/N each): the open model's requests
  // k mod N, or a closed plan's connection share (SplitShare).  Named when one is lost.
  std::vector<double> shares;
};

// One segment as the coordinator saw it.
struct SegmentSeen {
  int index = -1;
  std::string host;  // what the segment said, else its peer address
  std::string peer;
  int64_t joined_unix_ms = 0, left_unix_ms = 0;
  bool lost = false;
  std::string lost_reason;
  double lost_at_s = 0;                             // from the run's start
  uint64_t requests = 0, errors = 0, inflight = 0;  // its last heartbeat
  std::string result_json;                          // its final result ("" when lost)
};

struct CoordinatorOutcome {
  int64_t start_unix_ms = 0;
  std::vector<SegmentSeen> segments;  // by index
  std::string aborted_by;             // the abort_on_fail threshold that stopped the run
  bool stopped_by_caller = false;     // Ctrl-C / SIGTERM
};

// Runs the session on `listener`.  Errors: Unavailable when not every segment joined within
// join_timeout_ms (the message names the missing ones; nothing was started, every joined
// segment was told to stop).  `stop`: Ctrl-C; before the start it ends the wait (Unavailable),
// after it stops every segment.
Result<CoordinatorOutcome> RunCoordinator(FrameListener& listener, const CoordinatorConfig& config,
                                          const std::atomic<bool>* stop, ProgressLine* progress);

}  // namespace vitals::cli
