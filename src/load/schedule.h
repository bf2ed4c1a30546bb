// The load plan: stages of a run, and the open model's global schedule.
//
// A plan is a list of stages, each a duration with a start and end level that
// ramps linearly in between.  The level is a request rate (open model) or a
// connection count (closed model).
//
// Open model: request k (k = 0, 1, ...) of the whole run is due at the time
// t_k where the integral of the rate from 0 to t_k equals k, so a constant
// rate R gives t_k = k / R.  The schedule is global: worker w of W (and, later,
// segment s of S) sends exactly the requests k with k mod stride == offset and
// computes each t_k from the same formula, so splitting work across threads or
// machines never drifts and never double-counts.  Times are nanoseconds from
// the run's start.
//
// Thread-safety: immutable after construction; share freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace vitals {

enum class LoadModel { kOpen, kClosed };

struct Stage {
  std::string name;     // "smoke", "ramp", ... or "stage N"
  int64_t duration_ns;  // > 0
  double start;         // rate (req/s) or connections at the stage start, >= 0
  double end;           // ... at the stage end (linear ramp in between)
  // The stage's model; unset means the run's model (LoadOptions::model).  A plan may mix
  // models: open stages add to the global schedule, closed stages hold connections busy.
  std::optional<LoadModel> model = std::nullopt;
};

class LoadPlan {
 public:
  // REQUIRES: stages non-empty, durations > 0, levels >= 0 (see Validate).  Stages without a
  // model take `default_model`.
  explicit LoadPlan(std::vector<Stage> stages, LoadModel default_model = LoadModel::kOpen);
  static Status Validate(const std::vector<Stage>& stages);

  const std::vector<Stage>& stages() const { return stages_; }
  int64_t total_ns() const { return total_ns_; }
  // Stage index at time t (clamped to the last stage).
  int StageAt(int64_t t_ns) const;
  // Level (rate or connections) at time t, interpolated.
  double LevelAt(int64_t t_ns) const;
  LoadModel ModelAt(int64_t t_ns) const { return *stages_[size_t(StageAt(t_ns))].model; }
  // Closed model: connections to keep busy at time t (0 during open stages).
  double ConnectionsAt(int64_t t_ns) const;
  bool HasOpenStage() const;
  bool HasClosedStage() const;

  // Open model (closed stages add nothing to the schedule).
  // Expected number of requests due in [0, t] (the integral of the open stages' rate).
  double CumulativeAt(int64_t t_ns) const;
  // Total requests in the plan: ceil of the integral over the whole run.
  uint64_t TotalRequests() const;
  // Intended send time of request k, or -1 when k is beyond the plan.
  int64_t DueNs(uint64_t k) const;

 private:
  std::vector<Stage> stages_;
  std::vector<int64_t> start_ns_;              // stage start times
  std::vector<double> cum_start_;              // integral at each stage start
  std::vector<double> rate_start_, rate_end_;  // the open rate (0 in closed stages)
  int64_t total_ns_ = 0;
  double total_cum_ = 0;
};

// Parses "--stages 30s:100,1m:100,10s:500": each item DURATION:LEVEL ramps from
// the previous level (0 before the first) to LEVEL; DURATION:FROM-TO gives both.
Result<std::vector<Stage>> ParseStages(const std::string& text);

}  // namespace vitals
