// Noise: how much the load generator's own machine disturbed each interval of a run.
//
// Latency measured on a shared machine carries the machine: when another process takes the
// CPU, the generator wakes late, sends late and reads answers late, and the target (often on
// the same host in CI) answers late.  vitals measures that disturbance in every run, per
// reporting interval, so that the gate can tell a slower build from a busier machine
// (gate/environment.h, docs/gating.md):
//
//   sched_delay   the worker loop's lateness behind a deadline it sets itself every
//                 kProbePeriodNs (both models): the time between "the loop should run now" and
//                 "the loop runs", i.e. timer slack + run-queue wait + the loop's own work.  On
//                 a quiet machine its p99 is tens of microseconds; a CPU hog makes it
//                 milliseconds.  Costs one clock read per loop turn and, on an idle loop, at
//                 most one extra wake-up per period.
//   send_lag      open model only: actual - intended send time of the interval's requests.
//   gen_cpu_pct   the generator process's CPU time (user + sys) as a share of its worker
//                 threads' capacity: near 100 % the generator, not the target, is the limit.
//   steal_pct     CPU time stolen by the hypervisor, share of all CPUs' time.
//   psi_cpu_pct   share of wall time in which some task on the host waited for a CPU
//                 (/proc/pressure/cpu "some"), the best single "machine is contended" figure.
//   runnable      runnable tasks per CPU at the end of the interval (/proc/stat procs_running).
//
// Absent figures are NaN (no requests sent in the interval, no PSI on this kernel, ...).
//
// Thread-safety: NoiseCollector has one owner (the engine's thread); the rest are values
// and pure functions.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/histogram.h"
#include "core/host_counters.h"

namespace vitals {

inline constexpr int64_t kProbePeriodNs = 5'000'000;  // sched-delay deadline every 5 ms

struct NoiseInterval {
  static constexpr double kAbsent = HostCpuCounters::kAbsent;
  double start_s = 0;  // from the run start, as IntervalSample::start_s
  double length_s = 1;
  uint64_t probes = 0;  // sched-delay samples taken in the interval (all workers)
  double sched_delay_p99_us = kAbsent, sched_delay_max_us = kAbsent;
  double send_lag_p99_us = kAbsent;
  double gen_cpu_pct = kAbsent;
  double steal_pct = kAbsent;
  double psi_cpu_pct = kAbsent;
  double runnable_per_cpu = kAbsent;
};

// One run's noise in a few figures: the median over its intervals of each per-interval
// figure (the typical interval), and the worst interval's sched delay.
struct NoiseSummary {
  size_t intervals = 0;
  double sched_delay_p99_us = NoiseInterval::kAbsent;  // median of the per-interval p99s
  double sched_delay_max_us = NoiseInterval::kAbsent;  // the largest delay seen in the run
  double send_lag_p99_us = NoiseInterval::kAbsent;
  double gen_cpu_pct = NoiseInterval::kAbsent;
  double steal_pct = NoiseInterval::kAbsent;
  double psi_cpu_pct = NoiseInterval::kAbsent;
  double runnable_per_cpu = NoiseInterval::kAbsent;
};
NoiseSummary SummarizeNoise(const std::vector<NoiseInterval>& series);

// The median of the finite values (NaN when there are none).
double FiniteMedian(std::vector<double> values);

// How a summary reads in one word, by documented bounds (docs/gating.md "Noise"):
// "quiet" (sched delay p99 < 500 us, CPU pressure < 10 %, steal < 2 %, generator CPU < 80 %),
// "saturated" (generator CPU >= 90 %: the generator is the bottleneck), "noisy" otherwise.
const char* NoiseVerdict(const NoiseSummary& s);

// What a worker hands over for one interval: its sched-delay and send-lag samples
// (microseconds, the interval histogram config); absent when it took none.
struct WorkerNoise {
  std::optional<Histogram> sched_delay, send_lag;
};

// Merges the workers' probe histograms per interval, adds the host figures from the probe
// read at each interval boundary, and emits NoiseIntervals in time order once every worker
// has moved past them.
class NoiseCollector {
 public:
  // `probe` may be empty (no host figures); `threads` is the number of workers (for the
  // generator CPU share).
  NoiseCollector(int64_t interval_ns, int threads, HostCpuProbe probe);

  // Call once just before the run starts (now_ns: monotonic ns since the run start, <= 0).
  void Start(int64_t now_ns);
  void Add(int64_t index, WorkerNoise noise);
  // Reads the host counters when the run has crossed an interval boundary since the last
  // read, attributing the delta to the interval(s) that ended.  Cheap otherwise.
  void Tick(int64_t now_ns);
  // Intervals with index < frontier (all of them up to last_index when final; end_ns then
  // shortens the last one).
  std::vector<NoiseInterval> Emit(int64_t frontier, bool final, int64_t end_ns);
  // The first failure of the host probe ("" when none): the run says it once.
  const std::string& probe_error() const { return probe_error_; }

 private:
  struct Host {
    double steal_pct = NoiseInterval::kAbsent, psi_cpu_pct = NoiseInterval::kAbsent;
    double runnable_per_cpu = NoiseInterval::kAbsent, gen_cpu_pct = NoiseInterval::kAbsent;
  };
  struct Reading {
    int64_t at_ns = 0;
    HostCpuCounters host;
    bool host_ok = false;
    double cpu_s = 0;  // this process's user + sys
  };
  Reading Read(int64_t now_ns);
  Host Delta(const Reading& a, const Reading& b) const;

  int64_t interval_ns_;
  int threads_;
  HostCpuProbe probe_;
  std::string probe_error_;
  Reading last_;
  int64_t read_index_ = 0;  // intervals < read_index_ have host figures
  int64_t next_ = 0;        // next index to emit
  std::map<int64_t, WorkerNoise> pending_;
  std::map<int64_t, Host> host_;
};

}  // namespace vitals
