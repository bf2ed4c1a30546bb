#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "collect/host_parse.h"

namespace vitals::detail {
namespace {

// Splits on spaces and tabs.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool ToNum(std::string_view tok, double* out) {
  if (tok.empty()) return false;
  auto res = std::from_chars(tok.data(), tok.data() + tok.size(), *out);
  return res.ec == std::errc() && res.ptr == tok.data() + tok.size();
}

// Iterates lines with 1-based numbers.
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool Next(std::string_view* line) {
    if (pos_ >= text_.size()) return false;
    size_t nl = text_.find('\n', pos_);
    if (nl == std::string_view::npos) nl = text_.size();
    *line = text_.substr(pos_, nl - pos_);
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    pos_ = nl + 1;
    ++number_;
    return true;
  }
  int number() const { return number_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int number_ = 0;
};

std::string Shorten(std::string_view line) {
  std::string s;
  for (char c : line.substr(0, 80)) s += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  if (line.size() > 80) s += "...";
  return s;
}

Status Bad(std::string_view path, int line, std::string_view expected, std::string_view found) {
  return Status::Parse(
      fmt::format("{}:{}: expected {}, found '{}'", path, line, expected, Shorten(found)));
}

Status Empty(std::string_view path, std::string_view expected) {
  return Status::Parse(fmt::format("{}: file is empty; expected {}", path, expected));
}

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text, std::string_view path) {
  ProcStat st;
  bool have_all = false;
  Lines lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    auto f = Fields(line);
    if (f.empty()) continue;
    bool cpu = f[0] == "cpu";
    bool cpun = f[0].size() > 3 && f[0].substr(0, 3) == "cpu" &&
                std::isdigit(static_cast<unsigned char>(f[0][3]));
    if (cpu || cpun) {
      std::vector<double> v;
      for (size_t i = 1; i < f.size(); ++i) {
        double d;
        if (!ToNum(f[i], &d) || d < 0) {
          return Bad(path, lines.number(),
                     fmt::format("'{}' followed by non-negative jiffy counts", f[0]), line);
        }
        v.push_back(d);
      }
      if (v.size() < 4) {
        return Bad(path, lines.number(),
                   fmt::format("'{}' followed by at least 4 counts (user nice system idle)", f[0]),
                   line);
      }
      v.resize(std::max<size_t>(v.size(), 8), 0.0);
      CpuTimes t{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
      if (cpu) {
        st.all = t;
        have_all = true;
      } else {
        st.cpus.push_back(t);
      }
    } else if (f[0] == "procs_running" || f[0] == "procs_blocked") {
      double d;
      if (f.size() != 2 || !ToNum(f[1], &d)) {
        return Bad(path, lines.number(), fmt::format("'{} <count>'", f[0]), line);
      }
      (f[0] == "procs_running" ? st.procs_running : st.procs_blocked) = d;
    }
  }
  if (!have_all) {
    return Status::Parse(fmt::format(
        "{}: no 'cpu' summary line; expected a line 'cpu user nice system idle ...'", path));
  }
  if (st.cpus.empty()) {
    return Status::Parse(fmt::format("{}: no 'cpuN' lines; expected one line per CPU", path));
  }
  return st;
}

Result<LoadAvg> ParseLoadAvg(std::string_view text, std::string_view path) {
  Lines lines(text);
  std::string_view line;
  if (!lines.Next(&line)) return Empty(path, "'load1 load5 load15 running/total lastpid'");
  auto f = Fields(line);
  LoadAvg l;
  if (f.size() < 3 || !ToNum(f[0], &l.load1) || !ToNum(f[1], &l.load5) || !ToNum(f[2], &l.load15)) {
    return Bad(path, 1, "three load averages 'load1 load5 load15 ...'", line);
  }
  return l;
}

Result<std::map<std::string, double>> ParseMeminfo(std::string_view text, std::string_view path) {
  std::map<std::string, double> out;
  Lines lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    size_t colon = line.find(':');
    auto f = Fields(colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1));
    double v;
    if (colon == std::string_view::npos || colon == 0 || f.empty() || f.size() > 2 ||
        !ToNum(f[0], &v) || (f.size() == 2 && f[1] != "kB")) {
      return Bad(path, lines.number(), "'Name: <number> [kB]'", line);
    }
    out[std::string(line.substr(0, colon))] = f.size() == 2 ? v * 1024 : v;
  }
  return out;
}

Result<std::map<std::string, double>> ParseKeyValues(std::string_view text, std::string_view path) {
  std::map<std::string, double> out;
  Lines lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    auto f = Fields(line);
    if (f.empty()) continue;
    double v;
    if (f.size() != 2 || !ToNum(f[1], &v))
      return Bad(path, lines.number(), "'name <number>'", line);
    out[std::string(f[0])] = v;
  }
  return out;
}

Result<Pressure> ParsePressure(std::string_view text, std::string_view path) {
  Pressure p;
  bool have_some = false;
  Lines lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    auto f = Fields(line);
    if (f.empty()) continue;
    const char* expected = "'some|full avg10=<pct> avg60=<pct> avg300=<pct> total=<us>'";
    if ((f[0] != "some" && f[0] != "full") || f.size() != 5)
      return Bad(path, lines.number(), expected, line);
    PressureLine pl;
    double* slots[] = {&pl.avg10, &pl.avg60, &pl.avg300, &pl.total_us};
    const char* keys[] = {"avg10=", "avg60=", "avg300=", "total="};
    for (int i = 0; i < 4; ++i) {
      std::string_view tok = f[i + 1];
      std::string_view key = keys[i];
      if (tok.substr(0, key.size()) != key || !ToNum(tok.substr(key.size()), slots[i])) {
        return Bad(path, lines.number(), expected, line);
      }
    }
    if (f[0] == "some") {
      p.some = pl;
      have_some = true;
    } else {
      p.full = pl;
    }
  }
  if (!have_some) {
    return Status::Parse(
        fmt::format("{}: no 'some' line; expected 'some avg10=... total=...'", path));
  }
  return p;
}

Result<std::vector<DiskStat>> ParseDiskstats(std::string_view text, std::string_view path) {
  std::vector<DiskStat> out;
  Lines lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    auto f = Fields(line);
    if (f.empty()) continue;
    // major minor name + at least the 11 classic counters.
    std::vector<double> v;
    bool ok = f.size() >= 14;
    for (size_t i = 0; ok && i < f.size(); ++i) {
      if (i == 2) continue;
      double d;
      ok = ToNum(f[i], &d);
      v.push_back(d);
    }
    if (!ok) {
      return Bad(path, lines.number(), "'major minor name' and at least 11 numeric counters", line);
    }
    // v: major minor reads rmerged rsect rms writes wmerged wsect wms inflight ticks weighted
    DiskStat d;
    d.name = std::string(f[2]);
    d.reads = v[2];
    d.read_sectors = v[4];
    d.read_ms = v[5];
    d.writes = v[6];
    d.write_sectors = v[8];
    d.write_ms = v[9];
    d.in_flight = v[10];
    d.io_ticks_ms = v[11];
    d.weighted_ms = v[12];
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<DiskStat> WholeDisks(const std::vector<DiskStat>& all) {
  auto starts = [](const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; };
  auto partition_of = [](const std::string& part, const std::string& disk) {
    if (part.size() <= disk.size() || part.compare(0, disk.size(), disk) != 0) return false;
    std::string_view rest = std::string_view(part).substr(disk.size());
    if (rest[0] == 'p' && std::isdigit(static_cast<unsigned char>(disk.back())))
      rest.remove_prefix(1);
    return !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
  };
  std::vector<DiskStat> out;
  for (const auto& d : all) {
    if (starts(d.name, "loop") || starts(d.name, "ram") || starts(d.name, "zram") ||
        starts(d.name, "fd") || starts(d.name, "sr")) {
      continue;
    }
    bool is_partition = false;
    for (const auto& other : all) is_partition = is_partition || partition_of(d.name, other.name);
    if (!is_partition) out.push_back(d);
  }
  return out;
}

Result<std::vector<NetDev>> ParseNetDev(std::string_view text, std::string_view path) {
  std::vector<NetDev> out;
  Lines lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    if (lines.number() <= 2) {
      // Two header lines ("Inter-|   Receive ..." and " face |bytes ...").
      if (line.find('|') == std::string_view::npos) {
        return Bad(path, lines.number(), "the two '|' header lines of /proc/net/dev", line);
      }
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    size_t colon = line.find(':');
    auto f = Fields(colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1));
    std::vector<double> v;
    bool ok = colon != std::string_view::npos && f.size() >= 16;
    for (size_t i = 0; ok && i < f.size(); ++i) {
      double d;
      ok = ToNum(f[i], &d);
      v.push_back(d);
    }
    auto name = Fields(ok ? line.substr(0, colon) : std::string_view());
    if (!ok || name.size() != 1) {
      return Bad(path, lines.number(), "'<iface>: ' followed by 16 counters", line);
    }
    NetDev n;
    n.name = std::string(name[0]);
    n.rx_bytes = v[0];
    n.rx_packets = v[1];
    n.rx_errs = v[2];
    n.rx_drop = v[3];
    n.tx_bytes = v[8];
    n.tx_packets = v[9];
    n.tx_errs = v[10];
    n.tx_drop = v[11];
    out.push_back(std::move(n));
  }
  return out;
}

Result<std::map<std::string, double>> ParseSnmp(std::string_view text, std::string_view path) {
  std::map<std::string, double> out;
  Lines lines(text);
  std::string_view header;
  while (lines.Next(&header)) {
    auto names = Fields(header);
    if (names.empty()) continue;
    int header_line = lines.number();
    std::string_view values_line;
    if (!lines.Next(&values_line)) {
      return Status::Parse(fmt::format("{}:{}: header '{}' has no value line after it", path,
                                       header_line, Shorten(names[0])));
    }
    auto values = Fields(values_line);
    if (names[0].empty() || names[0].back() != ':' || values.empty() || values[0] != names[0]) {
      return Bad(path, lines.number(), fmt::format("a value line starting with '{}'", names[0]),
                 values_line);
    }
    if (values.size() != names.size()) {
      return Bad(
          path, lines.number(),
          fmt::format("{} values to match the header on line {}", names.size() - 1, header_line),
          values_line);
    }
    std::string prefix(names[0].substr(0, names[0].size() - 1));
    for (size_t i = 1; i < names.size(); ++i) {
      double d;
      if (!ToNum(values[i], &d)) {
        return Bad(path, lines.number(), fmt::format("a number for {}.{}", prefix, names[i]),
                   values_line);
      }
      out[prefix + "." + std::string(names[i])] = d;
    }
  }
  return out;
}

namespace {
// Mount points escape space, tab, newline and backslash as \040 etc.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto octal = [&](size_t k) { return s[k] >= '0' && s[k] <= '7'; };
    if (s[i] == '\\' && i + 3 < s.size() && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      int c = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
      out += static_cast<char>(c);
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

Result<std::vector<Mount>> ParseMounts(std::string_view text, std::string_view path) {
  std::vector<Mount> out;
  Lines lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    auto f = Fields(line);
    if (f.empty()) continue;
    if (f.size() < 4)
      return Bad(path, lines.number(), "'device mountpoint fstype options 0 0'", line);
    out.push_back({Unescape(f[0]), Unescape(f[1]), std::string(f[2])});
  }
  return out;
}

Result<std::vector<FsUsage>> ParseStatvfsTxt(std::string_view text, std::string_view path) {
  std::vector<FsUsage> out;
  Lines lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    auto f = Fields(line);
    if (f.empty() || f[0][0] == '#') continue;
    FsUsage u;
    bool ok = f.size() == 7;
    double* slots[] = {&u.total_bytes, &u.free_bytes, &u.avail_bytes, &u.inodes, &u.inodes_free};
    for (int i = 0; ok && i < 5; ++i) ok = ToNum(f[i + 2], slots[i]) && *slots[i] >= 0;
    if (!ok) {
      return Bad(path, lines.number(),
                 "'<mount> <fstype> <total_bytes> <free_bytes> <avail_bytes> <inodes> "
                 "<inodes_free>'",
                 line);
    }
    u.mount_point = std::string(f[0]);
    u.fstype = std::string(f[1]);
    out.push_back(std::move(u));
  }
  return out;
}

bool IsRealFilesystem(std::string_view fstype) {
  static constexpr std::string_view kReal[] = {
      "ext2",  "ext3", "ext4",  "xfs",     "btrfs", "zfs",      "f2fs",    "vfat",
      "exfat", "ntfs", "ntfs3", "overlay", "jfs",   "reiserfs", "fuseblk", "bcachefs"};
  return std::find(std::begin(kReal), std::end(kReal), fstype) != std::end(kReal);
}

}  // namespace vitals::detail
