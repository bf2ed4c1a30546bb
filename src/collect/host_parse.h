// Parsers for the /proc files the host collector reads, and the sample model.
// Internal to src/collect (namespace vitals::detail); exposed for tests.
//
// Every parser takes the file's text and the path to name in messages, and
// returns Parse errors of the form "<path>:<line>: expected <what>, found '<text>'".
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/fact.h"
#include "core/status.h"

namespace vitals::detail {

// Reads a whole /proc (or captured) file: NotFound when it does not exist, Io otherwise.
Result<std::string> ReadProcFile(const std::string& path);

// Jiffies from one cpu line of /proc/stat.  guest/guest_nice are already
// included in user/nice by the kernel and are therefore not kept.
struct CpuTimes {
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  double Total() const { return user + nice + system + idle + iowait + irq + softirq + steal; }
};

struct ProcStat {
  CpuTimes all;
  std::vector<CpuTimes> cpus;  // cpu0, cpu1, ... (online CPUs)
  std::optional<double> procs_running, procs_blocked;
};
Result<ProcStat> ParseProcStat(std::string_view text, std::string_view path);

struct LoadAvg {
  double load1 = 0, load5 = 0, load15 = 0;
};
Result<LoadAvg> ParseLoadAvg(std::string_view text, std::string_view path);

// "Key: value [kB]" files (meminfo).  kB values are converted to bytes.
Result<std::map<std::string, double>> ParseMeminfo(std::string_view text, std::string_view path);
// "key value" files (vmstat).
Result<std::map<std::string, double>> ParseKeyValues(std::string_view text, std::string_view path);

// /proc/pressure/{cpu,memory,io}.  avg* are percents as the kernel prints
// them (0..100); total is microseconds of stall since boot.
struct PressureLine {
  double avg10 = 0, avg60 = 0, avg300 = 0, total_us = 0;
};
struct Pressure {
  PressureLine some;
  std::optional<PressureLine> full;
};
Result<Pressure> ParsePressure(std::string_view text, std::string_view path);

struct DiskStat {
  std::string name;
  double reads = 0, read_sectors = 0, read_ms = 0, writes = 0, write_sectors = 0, write_ms = 0;
  double in_flight = 0, io_ticks_ms = 0, weighted_ms = 0;
};
Result<std::vector<DiskStat>> ParseDiskstats(std::string_view text, std::string_view path);
// Whole disks worth reporting: not loop/ram/zram/fd/sr and not a partition of
// another listed device (sda1 of sda, nvme0n1p1 of nvme0n1).
std::vector<DiskStat> WholeDisks(const std::vector<DiskStat>& all);

struct NetDev {
  std::string name;
  double rx_bytes = 0, rx_packets = 0, rx_errs = 0, rx_drop = 0;
  double tx_bytes = 0, tx_packets = 0, tx_errs = 0, tx_drop = 0;
};
Result<std::vector<NetDev>> ParseNetDev(std::string_view text, std::string_view path);

// Paired header/value lines (net/snmp, net/netstat): "Tcp: A B" / "Tcp: 1 2"
// -> {"Tcp.A": 1, "Tcp.B": 2}.
Result<std::map<std::string, double>> ParseSnmp(std::string_view text, std::string_view path);

struct Mount {
  std::string device, mount_point, fstype;
};
Result<std::vector<Mount>> ParseMounts(std::string_view text, std::string_view path);

struct FsUsage {
  std::string mount_point, fstype, device;
  double total_bytes = 0, free_bytes = 0, avail_bytes = 0, inodes = 0, inodes_free = 0;
};
// The capture format documented in collect/host.h.
Result<std::vector<FsUsage>> ParseStatvfsTxt(std::string_view text, std::string_view path);
// Filesystem types worth a usage check (local, on a device).
bool IsRealFilesystem(std::string_view fstype);

// Everything read at one instant.  Optional parts are absent when the file
// does not exist; `missing` names them for Collection::limited.
struct HostSample {
  std::string dir;
  std::string hostname = "host";
  ProcStat stat;
  LoadAvg load;
  std::map<std::string, double> meminfo;
  std::optional<std::map<std::string, double>> vmstat;
  std::map<std::string, Pressure> pressure;  // "cpu", "memory", "io"
  std::optional<std::vector<DiskStat>> disks;
  std::optional<std::vector<NetDev>> net;
  std::optional<std::map<std::string, double>> snmp;
  std::optional<std::map<std::string, double>> netstat;
  std::optional<std::vector<FsUsage>> filesystems;
  std::vector<std::string> missing;  // "pressure stall information: <dir>/pressure not found"
};

// Reads one sample from `dir` (a /proc or a captured tree).  `statvfs_live`
// asks for statvfs(2) on the mounts when no statvfs.txt exists.
Result<HostSample> ReadHostSample(const std::string& dir, bool statvfs_live);

// Facts from one sample (t0 == nullptr: no rates) or two samples `window_s` apart.
Collection BuildHostFacts(const HostSample* t0, const HostSample& t1, double window_s);

}  // namespace vitals::detail
