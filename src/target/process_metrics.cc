#include "target/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace vitals {

ProcessStats ReadProcessStats() {
  ProcessStats s;
  if (std::FILE* f = std::fopen("/proc/self/statm", "re")) {
    unsigned long long size = 0, resident = 0;
    if (std::fscanf(f, "%llu %llu", &size, &resident) == 2) {
      const double page = double(sysconf(_SC_PAGESIZE));
      s.virtual_bytes = double(size) * page;
      s.resident_bytes = double(resident) * page;
    }
    std::fclose(f);
  }
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    s.cpu_seconds = double(ru.ru_utime.tv_sec) + double(ru.ru_stime.tv_sec) +
                    double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  }
  return s;
}

void AppendProcessMetrics(const ProcessStats& s, std::string* out) {
  auto it = std::back_inserter(*out);
  // HELP texts as the Prometheus client libraries (client_golang, client_java) write them.
  if (s.cpu_seconds >= 0) {
    fmt::format_to(it,
                   "# HELP process_cpu_seconds_total Total user and system CPU time spent in "
                   "seconds.\n"
                   "# TYPE process_cpu_seconds_total counter\n"
                   "process_cpu_seconds_total {:.6f}\n",
                   s.cpu_seconds);
  }
  if (s.resident_bytes >= 0) {
    fmt::format_to(it,
                   "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                   "# TYPE process_resident_memory_bytes gauge\n"
                   "process_resident_memory_bytes {:.0f}\n"
                   "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                   "# TYPE process_virtual_memory_bytes gauge\n"
                   "process_virtual_memory_bytes {:.0f}\n",
                   s.resident_bytes, s.virtual_bytes);
  }
}

}  // namespace vitals
