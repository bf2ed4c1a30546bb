// The process_* metrics every Prometheus client library exports, for the test target's
// /metrics: resident and virtual memory and CPU time, under the standard names so dashboards,
// alert rules and `vitals load --observe` read the target as they would any service.
//
// Sources: /proc/self/statm (pages, times sysconf(_SC_PAGESIZE)) and getrusage(RUSAGE_SELF)
// (user + system time of every thread).  A source that cannot be read gives -1 and its
// metric is left out of the exposition rather than reported as 0.
// Thread-safety: pure functions of the process state; any thread.
#pragma once

#include <string>

namespace vitals {

struct ProcessStats {
  double resident_bytes = -1;  // RSS
  double virtual_bytes = -1;   // VmSize
  double cpu_seconds = -1;     // user + system, all threads
};

ProcessStats ReadProcessStats();

// Appends the HELP/TYPE/sample lines of process_cpu_seconds_total (counter),
// process_resident_memory_bytes and process_virtual_memory_bytes (gauges) to `out`.
void AppendProcessMetrics(const ProcessStats& stats, std::string* out);

}  // namespace vitals
