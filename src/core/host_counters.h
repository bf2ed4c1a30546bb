// Cumulative CPU counters of the host, as one read of /proc gives them.  The load engine
// takes deltas of two reads to measure how noisy the generator's machine was in an interval
// (load/noise.h); collect/host_counters.h reads them from /proc.  Defined here, below both,
// so that `load` does not depend on `collect`.
#pragma once

#include <functional>
#include <limits>

#include "core/status.h"

namespace vitals {

struct HostCpuCounters {
  static constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
  double total_jiffies = 0;  // all CPUs, every state (/proc/stat "cpu" line)
  double steal_jiffies = 0;  // time a hypervisor ran something else on our vCPUs
  double cpus = 1;           // online CPUs
  // Runnable tasks right now (/proc/stat procs_running), kAbsent when not reported.
  double procs_running = kAbsent;
  // Microseconds since boot in which some task waited for a CPU (/proc/pressure/cpu
  // "some ... total="), kAbsent without PSI (kernel < 4.20 or psi=0).
  double psi_cpu_some_us = kAbsent;
};

// Reads the counters now.  A probe may fail (no /proc in a container): the engine then leaves
// the host figures absent for the run and says so once.
using HostCpuProbe = std::function<Result<HostCpuCounters>()>;

}  // namespace vitals
