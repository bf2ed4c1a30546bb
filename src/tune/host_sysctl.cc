// Change kind "host.sysctl": kernel settings written as strings to <proc-sys-root>/a/b/c
// (default /proc/sys).  The snapshot is the file's raw text, written back byte for byte.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "tune/kinds.h"

namespace vitals {
namespace {

constexpr const char* kRunbook = "docs/runbooks/host.md";

std::string PathOf(const std::string& root, const std::string& key) {
  std::string rel = key;
  for (char& c : rel) {
    if (c == '.') c = '/';
  }
  return root + "/" + rel;
}

Result<std::string> ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Whitespace runs folded to one space, trimmed ("32768\t60999\n" -> "32768 60999").
std::string Normal(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    const bool space = c == ' ' || c == '\t' || c == '\n';
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Status WriteRaw(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("cannot open " + path + " for writing", errno);
  ssize_t n = ::write(fd, text.data(), text.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    return Status::FromErrno(fmt::format("cannot write '{}' to {}", Normal(text), path),
                             n < 0 ? err : EIO);
  }
  return Status::Ok();
}

bool IsSysctlName(std::string_view n) {
  if (n.empty() || n.front() == '.' || n.back() == '.') return false;
  for (char c : n) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) {
      return false;
    }
  }
  return n.find("..") == std::string_view::npos;
}

class HostSysctl final : public ChangeKind {
 public:
  const char* name() const override { return "host.sysctl"; }
  const char* component() const override { return "host"; }

  Status Plan(TuneSession& s, const TuneOptions& o, vitals::Plan* plan) const override {
    const std::string& root = s.proc_sys_root();
    const bool conservative = o.strategy == TuneStrategy::kConservative;
    auto read = [&](const std::string& key) -> std::optional<std::string> {
      auto raw = ReadRaw(PathOf(root, key));
      if (!raw.ok()) return std::nullopt;
      return Normal(*raw);
    };
    auto add = [&](const std::string& key, const std::string& current, const std::string& value,
                   std::string rule, std::string section) {
      PlanItem i;
      i.kind = this->name();
      i.component = "host";
      i.name = key;
      i.current = current;
      i.proposed = value;
      i.rule = std::move(rule);
      i.source = std::string(kRunbook) + section;
      i.effect = "immediate (until reboot: add it to /etc/sysctl.d/ to keep it)";
      i.detail = {{"path", PathOf(root, key)}};
      plan->items.push_back(std::move(i));
    };
    auto num = [](const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); };

    if (auto v = read("net.core.somaxconn"); v && num(*v) < 4096) {
      add("net.core.somaxconn", *v, "4096",
          "listen backlog of at least 4096, so a burst of connects is not dropped",
          "#listen-overflows");
    }
    if (auto v = read("net.ipv4.ip_local_port_range"); v) {
      long long lo = 0, hi = 0;
      if (std::sscanf(v->c_str(), "%lld %lld", &lo, &hi) == 2 && hi - lo < 50000) {
        add("net.ipv4.ip_local_port_range", *v, "1024 65535",
            "ephemeral ports 1024-65535: many outgoing connections (load generators, proxies, "
            "pools) run out of a 28k range",
            "#network-errors");
      }
    }
    if (!conservative) {
      if (auto v = read("net.ipv4.tcp_tw_reuse"); v && *v != "1") {
        add("net.ipv4.tcp_tw_reuse", *v, "1",
            "reuse TIME_WAIT sockets for new outgoing connections (TCP timestamps keep it safe)",
            "#network-errors");
      }
      if (auto v = read("vm.swappiness"); v && num(*v) > 10) {
        add("vm.swappiness", *v, "10",
            "swappiness 10: a database or cache host drops page cache before it swaps its "
            "memory out",
            "#swap-activity");
      }
      if (auto v = read("fs.file-max"); v && num(*v) < 1048576) {
        add("fs.file-max", *v, "1048576",
            "at least 1048576 open files system-wide for many connections", "#load-per-core");
      }
    }
    if (auto v = read("vm.overcommit_memory"); v) {
      if (o.redis && o.postgres) {
        plan->notes.push_back(fmt::format(
            "host: vm.overcommit_memory conflict, left at {}: Redis wants 1 (its fork for "
            "BGSAVE / AOF rewrite must not fail), PostgreSQL recommends 2 on a dedicated host "
            "(no OOM killer in the middle of a transaction); choose with --set "
            "host:vm.overcommit_memory=1|2",
            *v));
      } else if (o.redis && *v != "1" && !conservative) {
        add("vm.overcommit_memory", *v, "1",
            "Redis wants overcommit 1 so its fork for BGSAVE / AOF rewrite does not fail",
            "#oom-kill");
      } else if (o.postgres && *v != "2") {
        plan->notes.push_back(fmt::format(
            "host: vm.overcommit_memory is {}; PostgreSQL recommends 2 on a dedicated host "
            "(with vm.overcommit_ratio sized to RAM); not changed: --set "
            "host:vm.overcommit_memory=2 when the host runs only PostgreSQL",
            *v));
      }
    }
    for (const auto& m : o.manual) {
      if (m.component != "host") continue;
      if (!IsSysctlName(m.name)) {
        return Status::InvalidArgument(
            fmt::format("--set host:{}={}: '{}' is not a sysctl name (like net.core.somaxconn)",
                        m.name, m.value, m.name));
      }
      auto v = read(m.name);
      if (!v) {
        return Status::InvalidArgument(
            fmt::format("--set host:{}={}: no such sysctl: {} does not exist", m.name, m.value,
                        PathOf(root, m.name)));
      }
      std::erase_if(plan->items,
                    [&](const PlanItem& i) { return i.component == "host" && i.name == m.name; });
      add(m.name, *v, m.value, "asked for with --set", "");
      plan->items.back().source = "--set";
      if (Normal(m.value) == *v) plan->items.back().skip = "already at that value";
    }
    return Status::Ok();
  }

  void Preflight(TuneSession& s, const std::vector<const PlanItem*>& items,
                 std::vector<std::string>* needs) const override {
    for (const PlanItem* i : items) {
      const std::string path = PathOf(s.proc_sys_root(), i->name);
      // Opening for writing without O_TRUNC changes nothing and asks the kernel itself (root's
      // access() answers yes for files the kernel will refuse).
      int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd >= 0) {
        ::close(fd);
        continue;
      }
      needs->push_back(fmt::format(
          "host: writing {} ({}): run as root (or with CAP_SYS_ADMIN; CAP_NET_ADMIN for net.* "
          "in a network namespace of its own)",
          path, std::strerror(errno)));
    }
  }

  Result<nlohmann::json> Snapshot(TuneSession& s, const PlanItem& item) const override {
    const std::string path = PathOf(s.proc_sys_root(), item.name);
    auto raw = ReadRaw(path);
    if (!raw.ok()) return raw.status();
    return nlohmann::json{{"path", path}, {"raw", *raw}};
  }

  Status Apply(TuneSession& s, const std::vector<const PlanItem*>& items,
               const TuneOptions&) const override {
    for (size_t k = 0; k < items.size(); ++k) {
      if (k > 0) s.Pause();
      const std::string path = PathOf(s.proc_sys_root(), items[k]->name);
      Status st = WriteRaw(path, items[k]->proposed);
      VITALS_RETURN_IF_ERROR(s.Audit("host",
                                     fmt::format("write '{}' to {}", items[k]->proposed, path),
                                     st.ok() ? "ok" : st.message()));
      VITALS_RETURN_IF_ERROR(st);
      auto back = ReadRaw(path);
      if (!back.ok()) return back.status();
      if (Normal(*back) != Normal(items[k]->proposed)) {
        return Status::Internal(fmt::format("host: {} reads '{}' after writing '{}'", path,
                                            Normal(*back), items[k]->proposed));
      }
    }
    return Status::Ok();
  }

  std::string CheckEntry(const BackupEntry& e) const override {
    if (!IsSysctlName(e.name)) {
      return "'" + e.name + "' is not a sysctl name (letters, digits, _, - and single dots)";
    }
    return "";
  }

  Status Undo(TuneSession& s, const std::vector<const BackupEntry*>& entries) const override {
    Status first;
    for (size_t k = 0; k < entries.size(); ++k) {
      if (k > 0) s.Pause();
      const BackupEntry& e = *entries[k];
      const std::string path = PathOf(s.proc_sys_root(), e.name);
      const std::string raw = e.old.value("raw", "");
      Status st = WriteRaw(path, raw);
      VITALS_RETURN_IF_ERROR(s.Audit("host",
                                     fmt::format("write back '{}' to {}", Normal(raw), path),
                                     st.ok() ? "ok" : st.message()));
      if (!st.ok() && first.ok()) first = st;
    }
    return first;
  }

  std::vector<std::string> Verify(TuneSession& s,
                                  const std::vector<const BackupEntry*>& entries) const override {
    std::vector<std::string> bad;
    for (const BackupEntry* e : entries) {
      const std::string path = PathOf(s.proc_sys_root(), e->name);
      auto raw = ReadRaw(path);
      const std::string old = e->old.value("raw", "");
      if (!raw.ok()) {
        bad.push_back(fmt::format("host {}: {}", e->name, raw.status().message()));
      } else if (Normal(*raw) != Normal(old)) {
        bad.push_back(
            fmt::format("host {}: is '{}', was '{}'", e->name, Normal(*raw), Normal(old)));
      }
    }
    return bad;
  }
};

}  // namespace

const ChangeKind& HostSysctlKind() {
  static const HostSysctl kKind;
  return kKind;
}

}  // namespace vitals
