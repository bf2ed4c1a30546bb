// The server-wide stall schedule of `--stall S --stall-every E`.
//
// Time t is measured from the target's start (the moment it began
// listening).  Stall k (k = 1, 2, ...) covers the half-open interval
// [k*E - S, k*E): the first stall starts at E - S and ends at E, the next
// ends at 2E, and so on.  No response leaves the server during a stall: a
// request that arrives inside one is answered at the stall's end plus its
// sampled latency, and a response whose delay would end inside a stall is
// held to that stall's end as well.  Because the schedule is a pure function
// of the clock, every worker thread computes it without shared state.
//
// REQUIRES for Make: 0 < stall_ns < every_ns.
// Thread-safety: an immutable value.
#pragma once

#include <cstdint>

#include "core/status.h"

namespace vitals {

class StallSchedule {
 public:
  // No stalls: ReleaseNs(t) == t.
  StallSchedule() = default;
  // InvalidArgument (naming both flags) unless 0 < stall_ns < every_ns.
  static Result<StallSchedule> Make(int64_t stall_ns, int64_t every_ns);

  bool enabled() const { return every_ns_ > 0; }
  int64_t stall_ns() const { return stall_ns_; }
  int64_t every_ns() const { return every_ns_; }

  // True when t_ns (relative to start) lies inside a stall.
  bool InStall(int64_t t_ns) const { return ReleaseNs(t_ns) != t_ns; }
  // The earliest time >= t_ns at which a response may leave: t_ns outside a
  // stall, the end of the stall containing t_ns inside one.
  int64_t ReleaseNs(int64_t t_ns) const {
    if (every_ns_ == 0 || t_ns < 0) return t_ns;
    int64_t end = (t_ns / every_ns_ + 1) * every_ns_;
    return t_ns >= end - stall_ns_ ? end : t_ns;
  }
  // When a response for a request arriving at arrival_ns with sampled delay
  // latency_ns leaves: Release(Release(arrival) + latency).
  int64_t DueNs(int64_t arrival_ns, int64_t latency_ns) const {
    return ReleaseNs(ReleaseNs(arrival_ns) + latency_ns);
  }

 private:
  StallSchedule(int64_t stall_ns, int64_t every_ns) : stall_ns_(stall_ns), every_ns_(every_ns) {}
  int64_t stall_ns_ = 0;
  int64_t every_ns_ = 0;
};

}  // namespace vitals
