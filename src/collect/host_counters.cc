#include "collect/host_counters.h"

#include "collect/host_parse.h"

namespace vitals {

Result<HostCpuCounters> ReadHostCpuCounters(const std::string& proc_dir) {
  const std::string stat_path = proc_dir + "/stat";
  auto text = detail::ReadProcFile(stat_path);
  if (!text.ok()) return text.status();
  auto stat = detail::ParseProcStat(*text, stat_path);
  if (!stat.ok()) return stat.status();
  HostCpuCounters c;
  c.total_jiffies = stat->all.Total();
  c.steal_jiffies = stat->all.steal;
  c.cpus = stat->cpus.empty() ? 1.0 : double(stat->cpus.size());
  if (stat->procs_running) c.procs_running = *stat->procs_running;
  const std::string psi_path = proc_dir + "/pressure/cpu";
  if (auto psi_text = detail::ReadProcFile(psi_path); psi_text.ok()) {
    auto psi = detail::ParsePressure(*psi_text, psi_path);
    if (!psi.ok()) return psi.status();
    c.psi_cpu_some_us = psi->some.total_us;
  }
  return c;
}

}  // namespace vitals
