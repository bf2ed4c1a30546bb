// `vitals load --metrics-listen ADDR`: the load generator's own metrics while
// it runs, so the users' Prometheus can scrape the load test beside the
// service (k6 needs an output extension for this):
//
//   vitals_load_requests_total              requests sent and answered or failed
//   vitals_load_errors_total                of those, errors (failures and status >= 400)
//   vitals_load_request_errors_total{kind}  the same errors by kind: connect_refused, timeout,
//                                           reset, tls_handshake, ..., parse, status_4xx,
//                                           status_5xx (a kind appears with its first error)
//   vitals_load_inflight_requests           requests sent and not yet answered
//   vitals_load_request_duration_seconds    histogram of the corrected latency (from the
//                                           intended send time), per completed interval
//
// Counters come from the engine's progress snapshots (about ten a second),
// the histogram from each completed reporting interval (--interval).
//
// Thread-safety: Observe* and Page may be called from different threads.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "load/engine.h"
#include "load/result.h"

namespace vitals::cli {

class LoadMetrics {
 public:
  void ObserveProgress(const Progress& p);
  void ObserveIntervals(const std::vector<IntervalSample>& samples);
  // The exposition page.
  std::string Page() const;

  // Bucket upper bounds in seconds (Prometheus client defaults).
  static constexpr std::array<double, 11> kBucketsS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                       0.5,   1,    2.5,   5,    10};

 private:
  mutable std::mutex mu_;
  uint64_t requests_ = 0, errors_ = 0, inflight_ = 0;
  std::vector<std::pair<std::string, uint64_t>> errors_by_kind_;
  std::array<uint64_t, kBucketsS.size()> buckets_{};  // not cumulative
  uint64_t count_ = 0;
  double sum_s_ = 0;
};

}  // namespace vitals::cli
