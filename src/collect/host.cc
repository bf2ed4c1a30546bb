#include "collect/host.h"

#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "collect/host_parse.h"
#include "core/clock.h"
#include "core/units.h"

namespace vitals {
namespace detail {
namespace {

constexpr long kProcSuperMagic = 0x9fa0;

// Counter increase between samples; nullopt when the counter went backwards
// (reset, wrap or a different boot), so that no rate is invented.
std::optional<double> Delta(double a, double b) {
  if (b < a) return std::nullopt;
  return b - a;
}

double Clamp01(double v) { return std::min(1.0, std::max(0.0, v)); }

CpuTimes Sub(const CpuTimes& a, const CpuTimes& b) {
  auto d = [](double x, double y) { return std::max(0.0, y - x); };
  return {d(a.user, b.user),     d(a.nice, b.nice), d(a.system, b.system),   d(a.idle, b.idle),
          d(a.iowait, b.iowait), d(a.irq, b.irq),   d(a.softirq, b.softirq), d(a.steal, b.steal)};
}

// Busy share: everything but idle and iowait (iowait is idle time with I/O
// outstanding; it is reported on its own).
double BusyRatio(const CpuTimes& d) {
  double total = d.Total();
  return total > 0 ? Clamp01((total - d.idle - d.iowait) / total) : 0;
}

class FactBuilder {
 public:
  explicit FactBuilder(Collection* c) : c_(c) {}
  Fact& Add(const std::string& kind, const std::string& subject) {
    Fact f;
    f.component = "host";
    f.kind = kind;
    f.subject = subject;
    c_->facts.push_back(std::move(f));
    return c_->facts.back();
  }

 private:
  Collection* c_;
};

void CpuFacts(const HostSample* t0, const HostSample& t1, FactBuilder* b) {
  double cores = static_cast<double>(t1.stat.cpus.size());
  if (t0 != nullptr) {
    CpuTimes d = Sub(t0->stat.all, t1.stat.all);
    double total = d.Total();
    if (total > 0) {
      Fact& f = b->Add("host.cpu", t1.hostname);
      f.num["cores"] = cores;
      f.num["busy_ratio"] = BusyRatio(d);
      f.num["user_ratio"] = (d.user + d.nice) / total;
      f.num["system_ratio"] = (d.system + d.irq + d.softirq) / total;
      f.num["iowait_ratio"] = d.iowait / total;
      f.num["steal_ratio"] = d.steal / total;
      f.num["idle_ratio"] = d.idle / total;
      double max_core = 0;
      size_t n = std::min(t0->stat.cpus.size(), t1.stat.cpus.size());
      for (size_t i = 0; i < n; ++i) {
        max_core = std::max(max_core, BusyRatio(Sub(t0->stat.cpus[i], t1.stat.cpus[i])));
      }
      f.num["max_core_busy_ratio"] = max_core;
    }
  }
  Fact& l = b->Add("host.load", t1.hostname);
  l.num["cores"] = cores;
  l.num["load1"] = t1.load.load1;
  l.num["load5"] = t1.load.load5;
  l.num["load15"] = t1.load.load15;
  l.num["load1_per_core"] = t1.load.load1 / cores;
  l.num["load5_per_core"] = t1.load.load5 / cores;
  l.num["load15_per_core"] = t1.load.load15 / cores;
  if (t1.stat.procs_running) l.num["procs_running"] = *t1.stat.procs_running;
  if (t1.stat.procs_blocked) l.num["procs_blocked"] = *t1.stat.procs_blocked;
}

void PressureFacts(const HostSample* t0, const HostSample& t1, double window_s, FactBuilder* b) {
  for (const auto& [res, p] : t1.pressure) {
    Fact& f = b->Add("host.pressure", res);
    f.num["some_avg10_ratio"] = p.some.avg10 / 100;
    f.num["some_avg60_ratio"] = p.some.avg60 / 100;
    f.num["some_avg300_ratio"] = p.some.avg300 / 100;
    if (p.full) {
      f.num["full_avg10_ratio"] = p.full->avg10 / 100;
      f.num["full_avg60_ratio"] = p.full->avg60 / 100;
      f.num["full_avg300_ratio"] = p.full->avg300 / 100;
    }
    auto before = t0 != nullptr ? t0->pressure.find(res) : t1.pressure.end();
    if (t0 == nullptr || before == t0->pressure.end() || window_s <= 0) continue;
    if (auto d = Delta(before->second.some.total_us, p.some.total_us)) {
      f.num["some_window_ratio"] = Clamp01(*d / (window_s * 1e6));
    }
    if (p.full && before->second.full) {
      if (auto d = Delta(before->second.full->total_us, p.full->total_us)) {
        f.num["full_window_ratio"] = Clamp01(*d / (window_s * 1e6));
      }
    }
  }
}

void MemoryFacts(const HostSample* t0, const HostSample& t1, double window_s, FactBuilder* b) {
  const auto& m = t1.meminfo;
  auto get = [&m](const char* k) -> std::optional<double> {
    auto it = m.find(k);
    return it == m.end() ? std::nullopt : std::optional<double>(it->second);
  };
  Fact& f = b->Add("host.memory", t1.hostname);
  double total = *get("MemTotal");
  // Kernels before 3.14 have no MemAvailable; free + page cache approximates it.
  double avail = get("MemAvailable")
                     .value_or(get("MemFree").value_or(0) + get("Buffers").value_or(0) +
                               get("Cached").value_or(0));
  f.num["total_bytes"] = total;
  f.num["available_bytes"] = avail;
  if (total > 0) {
    f.num["available_ratio"] = Clamp01(avail / total);
    f.num["used_ratio"] = Clamp01(1 - avail / total);
  }
  if (auto st = get("SwapTotal")) {
    f.num["swap_total_bytes"] = *st;
    double sf = get("SwapFree").value_or(*st);
    f.num["swap_free_bytes"] = sf;
    if (*st > 0) f.num["swap_used_ratio"] = Clamp01(1 - sf / *st);
  }
  if (t0 == nullptr || window_s <= 0 || !t0->vmstat || !t1.vmstat) return;
  double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  auto rate = [&](const char* key) -> std::optional<double> {
    auto a = t0->vmstat->find(key);
    auto z = t1.vmstat->find(key);
    if (a == t0->vmstat->end() || z == t1.vmstat->end()) return std::nullopt;
    auto d = Delta(a->second, z->second);
    if (!d) return std::nullopt;
    return *d / window_s;
  };
  if (auto r = rate("pswpin")) {
    f.num["swap_in_pages_per_s"] = *r;
    f.num["swap_in_bytes_per_s"] = *r * page;
  }
  if (auto r = rate("pswpout")) {
    f.num["swap_out_pages_per_s"] = *r;
    f.num["swap_out_bytes_per_s"] = *r * page;
  }
  if (auto r = rate("pgmajfault")) f.num["major_faults_per_s"] = *r;
  if (auto r = rate("oom_kill")) f.num["oom_kill_per_s"] = *r;
}

void DiskFacts(const HostSample& t0, const HostSample& t1, double window_s, FactBuilder* b) {
  if (!t0.disks || !t1.disks || window_s <= 0) return;
  for (const auto& d1 : WholeDisks(*t1.disks)) {
    auto d0 = std::find_if(t0.disks->begin(), t0.disks->end(),
                           [&](const DiskStat& d) { return d.name == d1.name; });
    if (d0 == t0.disks->end()) continue;
    auto ticks = Delta(d0->io_ticks_ms, d1.io_ticks_ms);
    auto reads = Delta(d0->reads, d1.reads);
    auto writes = Delta(d0->writes, d1.writes);
    if (!ticks || !reads || !writes) continue;
    Fact& f = b->Add("host.disk", d1.name);
    f.num["util_ratio"] = Clamp01(*ticks / (window_s * 1000));
    f.num["reads_per_s"] = *reads / window_s;
    f.num["writes_per_s"] = *writes / window_s;
    // diskstats counts 512-byte sectors whatever the device's sector size.
    if (auto s = Delta(d0->read_sectors, d1.read_sectors))
      f.num["read_bytes_per_s"] = *s * 512 / window_s;
    if (auto s = Delta(d0->write_sectors, d1.write_sectors)) {
      f.num["write_bytes_per_s"] = *s * 512 / window_s;
    }
    if (auto w = Delta(d0->weighted_ms, d1.weighted_ms))
      f.num["queue_depth"] = *w / (window_s * 1000);
    auto rms = Delta(d0->read_ms, d1.read_ms);
    auto wms = Delta(d0->write_ms, d1.write_ms);
    if (rms && wms && *reads + *writes > 0) {
      f.num["await_s"] = (*rms + *wms) / (*reads + *writes) / 1000;
    }
    f.num["in_flight"] = d1.in_flight;
  }
}

void NetFacts(const HostSample& t0, const HostSample& t1, double window_s, FactBuilder* b) {
  if (!t0.net || !t1.net || window_s <= 0) return;
  for (const auto& n1 : *t1.net) {
    if (n1.name == "lo") continue;
    auto n0 = std::find_if(t0.net->begin(), t0.net->end(),
                           [&](const NetDev& n) { return n.name == n1.name; });
    if (n0 == t0.net->end()) continue;
    auto rx_e = Delta(n0->rx_errs, n1.rx_errs), tx_e = Delta(n0->tx_errs, n1.tx_errs);
    auto rx_d = Delta(n0->rx_drop, n1.rx_drop), tx_d = Delta(n0->tx_drop, n1.tx_drop);
    auto rx_p = Delta(n0->rx_packets, n1.rx_packets), tx_p = Delta(n0->tx_packets, n1.tx_packets);
    if (!rx_e || !tx_e || !rx_d || !tx_d || !rx_p || !tx_p) continue;
    Fact& f = b->Add("host.net", n1.name);
    f.num["rx_errors_per_s"] = *rx_e / window_s;
    f.num["tx_errors_per_s"] = *tx_e / window_s;
    f.num["rx_drops_per_s"] = *rx_d / window_s;
    f.num["tx_drops_per_s"] = *tx_d / window_s;
    f.num["rx_packets_per_s"] = *rx_p / window_s;
    f.num["tx_packets_per_s"] = *tx_p / window_s;
    f.num["errors_per_s"] = (*rx_e + *tx_e) / window_s;
    f.num["drops_per_s"] = (*rx_d + *tx_d) / window_s;
    double packets = *rx_p + *tx_p;
    if (packets > 0) {
      f.num["error_ratio"] = (*rx_e + *tx_e) / packets;
      f.num["drop_ratio"] = (*rx_d + *tx_d) / packets;
    }
  }
}

void TcpFacts(const HostSample& t0, const HostSample& t1, double window_s, FactBuilder* b) {
  if (!t0.snmp || !t1.snmp || window_s <= 0) return;
  auto delta = [](const std::optional<std::map<std::string, double>>& a,
                  const std::optional<std::map<std::string, double>>& z,
                  const char* key) -> std::optional<double> {
    if (!a || !z) return std::nullopt;
    auto i = a->find(key);
    auto j = z->find(key);
    if (i == a->end() || j == z->end()) return std::nullopt;
    return Delta(i->second, j->second);
  };
  auto retrans = delta(t0.snmp, t1.snmp, "Tcp.RetransSegs");
  auto out = delta(t0.snmp, t1.snmp, "Tcp.OutSegs");
  if (!retrans || !out) return;
  Fact& f = b->Add("host.tcp", t1.hostname);
  f.num["retrans_segs_per_s"] = *retrans / window_s;
  f.num["out_segs_per_s"] = *out / window_s;
  if (*out > 0) f.num["retrans_ratio"] = *retrans / *out;
  if (auto e = delta(t0.snmp, t1.snmp, "Tcp.InErrs")) f.num["in_errs_per_s"] = *e / window_s;
  if (auto it = t1.snmp->find("Tcp.CurrEstab"); it != t1.snmp->end()) {
    f.num["curr_estab"] = it->second;
  }
  if (auto o = delta(t0.netstat, t1.netstat, "TcpExt.ListenOverflows")) {
    f.num["listen_overflows_per_s"] = *o / window_s;
  }
  if (auto d = delta(t0.netstat, t1.netstat, "TcpExt.ListenDrops")) {
    f.num["listen_drops_per_s"] = *d / window_s;
  }
}

void FilesystemFacts(const HostSample& t1, FactBuilder* b) {
  if (!t1.filesystems) return;
  for (const auto& u : *t1.filesystems) {
    if (u.total_bytes <= 0) continue;  // pseudo filesystems report 0 blocks
    Fact& f = b->Add("host.filesystem", u.mount_point);
    double used = u.total_bytes - u.free_bytes;
    f.num["total_bytes"] = u.total_bytes;
    f.num["avail_bytes"] = u.avail_bytes;
    f.num["used_bytes"] = used;
    // As df(1): blocks reserved for root count as neither used nor available.
    if (used + u.avail_bytes > 0) f.num["used_ratio"] = Clamp01(used / (used + u.avail_bytes));
    if (u.inodes > 0) f.num["inodes_used_ratio"] = Clamp01(1 - u.inodes_free / u.inodes);
    f.text["fstype"] = u.fstype;
    if (!u.device.empty()) f.text["device"] = u.device;
  }
}

}  // namespace

Collection BuildHostFacts(const HostSample* t0, const HostSample& t1, double window_s) {
  Collection c;
  c.component = "host";
  FactBuilder b(&c);
  CpuFacts(t0, t1, &b);
  PressureFacts(t0, t1, window_s, &b);
  MemoryFacts(t0, t1, window_s, &b);
  if (t0 != nullptr) {
    DiskFacts(*t0, t1, window_s, &b);
    NetFacts(*t0, t1, window_s, &b);
    TcpFacts(*t0, t1, window_s, &b);
  } else {
    c.limited.push_back(fmt::format(
        "CPU utilisation, swap activity, disk utilisation, network errors and TCP retransmits "
        "need two samples; {} holds one (capture t0/ and t1/ for rates)",
        t1.dir));
  }
  FilesystemFacts(t1, &b);
  for (const auto& m : t1.missing) c.limited.push_back(m);
  return c;
}

}  // namespace detail

namespace {

bool IsProcfs(const std::string& dir) {
  struct statfs sf;
  return statfs(dir.c_str(), &sf) == 0 && static_cast<long>(sf.f_type) == detail::kProcSuperMagic;
}

int64_t DefaultSleep(int64_t ns) {
  int64_t start = MonotonicNs();
  std::this_thread::sleep_for(std::chrono::nanoseconds(ns));
  return MonotonicNs() - start;
}

Result<double> CaptureWindow(const std::string& root, int64_t default_ns) {
  std::ifstream in(root + "/window_s");
  if (!in) return default_ns / 1e9;
  std::string text;
  in >> text;
  auto v = ParseDouble(text);
  if (!v.ok() || *v <= 0) {
    return Status::Parse(fmt::format(
        "{}/window_s:1: expected the seconds between t0 and t1 as a positive number, found '{}'",
        root, text));
  }
  return *v;
}

}  // namespace

Result<Collection> CollectHost(const HostOptions& options) {
  namespace fs = std::filesystem;
  if (options.window_ns <= 0) {
    return Status::InvalidArgument("host: the sampling window must be positive (e.g. 5s)");
  }
  std::string root = options.proc_root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return Status::NotFound(fmt::format(
        "{}: not a directory; expected /proc or a captured tree (see docs/runbooks/host.md)",
        root));
  }
  if (fs::is_directory(root + "/t0", ec) && fs::is_directory(root + "/t1", ec)) {
    auto window_s = CaptureWindow(root, options.window_ns);
    if (!window_s.ok()) return window_s.status();
    auto t0 = detail::ReadHostSample(root + "/t0", false);
    if (!t0.ok()) return t0.status();
    auto t1 = detail::ReadHostSample(root + "/t1", false);
    if (!t1.ok()) return t1.status();
    return detail::BuildHostFacts(&*t0, *t1, *window_s);
  }
  bool is_proc = fs::equivalent(root, "/proc", ec);
  bool live = options.live.value_or(IsProcfs(root));
  if (!live) {
    auto s = detail::ReadHostSample(root, false);
    if (!s.ok()) return s.status();
    return detail::BuildHostFacts(nullptr, *s, 0);
  }
  auto t0 = detail::ReadHostSample(root, false);
  if (!t0.ok()) return t0.status();
  int64_t slept_ns =
      options.sleep ? options.sleep(options.window_ns) : DefaultSleep(options.window_ns);
  auto t1 = detail::ReadHostSample(root, is_proc);
  if (!t1.ok()) return t1.status();
  return detail::BuildHostFacts(&*t0, *t1, std::max<int64_t>(slept_ns, 1) / 1e9);
}

}  // namespace vitals
