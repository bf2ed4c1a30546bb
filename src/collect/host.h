// Host collector: USE-method facts about this machine from /proc.
//
// Reads /proc (or a captured copy), waits one window, reads again and turns
// the counters into rates and ratios.  It never decides severity; the rules
// in rules/host.yaml do.  Facts (component "host"; `<host>` is the host name
// from sys/kernel/hostname, else "host"):
//
//   kind             subject     fields
//   host.cpu         <host>      cores, busy_ratio, user_ratio, system_ratio, iowait_ratio,
//                                steal_ratio, idle_ratio, max_core_busy_ratio        (2 samples)
//   host.load        <host>      load1, load5, load15, cores, load1_per_core, load5_per_core,
//                                load15_per_core, procs_running, procs_blocked
//   host.pressure    cpu|memory|io  some_avg10_ratio, some_avg60_ratio, some_avg300_ratio,
//                                full_avg10_ratio, full_avg60_ratio, full_avg300_ratio, and with
//                                2 samples some_window_ratio, full_window_ratio (stall share of
//                                the window)
//   host.memory      <host>      total_bytes, available_bytes, used_ratio, available_ratio,
//                                swap_total_bytes, swap_free_bytes, swap_used_ratio; with 2
//                                samples swap_in_bytes_per_s, swap_out_bytes_per_s,
//                                swap_in_pages_per_s, swap_out_pages_per_s, major_faults_per_s,
//                                oom_kill_per_s
//   host.disk        <device>    util_ratio (io_ticks / window), reads_per_s, writes_per_s,
//                                read_bytes_per_s, write_bytes_per_s, queue_depth, await_s
//                                (2 samples; whole disks only: no partitions, loop, ram, zram)
//   host.net         <iface>     rx_/tx_ errors_per_s, drops_per_s, packets_per_s, errors_per_s,
//                                drops_per_s, error_ratio, drop_ratio   (2 samples; not lo)
//   host.tcp         <host>      retrans_segs_per_s, out_segs_per_s, retrans_ratio,
//                                in_errs_per_s, curr_estab, listen_overflows_per_s,
//                                listen_drops_per_s   (2 samples)
//   host.filesystem  <mount>     total_bytes, avail_bytes, used_bytes, used_ratio,
//                                inodes_used_ratio; text fstype, device
//
// Sources of samples (HostOptions::proc_root = DIR):
//   - DIR/t0/ and DIR/t1/ exist: two captured samples; no sleeping.  The window
//     is DIR/window_s (seconds, one number) if present, else HostOptions::window_ns.
//   - otherwise, live (DIR is a procfs mount, or HostOptions::live says so):
//     sample, sleep one window through the sleep seam, sample again.
//   - otherwise (a single captured tree): one sample; rates are unavailable
//     and listed in Collection::limited.
// Filesystem usage comes from statvfs(2) on the local, real filesystems listed
// in mounts when DIR is /proc; a capture provides it as `statvfs.txt` in its
// (last) sample directory, one line per filesystem:
//   <mount point> <fstype> <total_bytes> <free_bytes> <avail_bytes> <inodes> <inodes_free>
// ('#' starts a comment).  Network filesystems are never statvfs'd (a hung NFS
// server would hang the check).
//
// Errors: NotFound/Io when a required file (stat, meminfo, loadavg) cannot be
// read; Parse when any file is malformed, naming the file and the 1-based
// line and what was expected.  Missing optional files (pressure/, vmstat,
// diskstats, net/dev, net/snmp, net/netstat) become `limited` entries.
// Read-only: only reads files and calls statvfs.
//
// Thread-safety: CollectHost may run concurrently with other collectors;
// it shares no state.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "collect/fact.h"
#include "core/status.h"

namespace vitals {

struct HostOptions {
  std::string proc_root = "/proc";
  int64_t window_ns = 5'000'000'000;
  // Live sampling (sleep between two reads).  Unset: live when proc_root is
  // a procfs mount.  Ignored when proc_root holds t0/ and t1/.
  std::optional<bool> live;
  // Sleeps `ns` and returns the nanoseconds that actually passed (the rates
  // divide by it).  Unset: sleeps and measures the monotonic clock.  Tests
  // pass a seam that changes the files and returns `ns` at once.
  std::function<int64_t(int64_t ns)> sleep;
};

Result<Collection> CollectHost(const HostOptions& options);

}  // namespace vitals
