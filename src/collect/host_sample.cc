// Reading one host sample from a /proc tree (live or captured).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "collect/host_parse.h"

namespace vitals::detail {
namespace {

// Closes an fd on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

template <typename T, typename Parser>
Status ReadRequired(const std::string& path, Parser parse, T* out) {
  auto text = ReadProcFile(path);
  if (!text.ok()) {
    if (text.status().code() == Status::Code::kNotFound) {
      return Status::NotFound(fmt::format(
          "{}: no such file; expected a /proc tree (or a capture with t0/ and t1/)", path));
    }
    return text.status();
  }
  auto v = parse(*text, path);
  if (!v.ok()) return v.status();
  *out = std::move(*v);
  return Status::Ok();
}

// Absent file: leaves `out` empty and notes why in `missing`.
template <typename T, typename Parser>
Status ReadOptional(const std::string& path, const std::string& what, Parser parse,
                    std::optional<T>* out, std::vector<std::string>* missing) {
  auto text = ReadProcFile(path);
  if (!text.ok()) {
    if (text.status().code() != Status::Code::kNotFound) return text.status();
    missing->push_back(fmt::format("{}: {} not found", what, path));
    return Status::Ok();
  }
  auto v = parse(*text, path);
  if (!v.ok()) return v.status();
  *out = std::move(*v);
  return Status::Ok();
}

// statvfs(2) on every local real filesystem, once per device.
std::vector<FsUsage> StatvfsLive(const std::vector<Mount>& mounts) {
  std::vector<FsUsage> out;
  std::set<dev_t> seen;
  for (const auto& m : mounts) {
    if (!IsRealFilesystem(m.fstype)) continue;
    struct stat st;
    if (stat(m.mount_point.c_str(), &st) != 0 || !seen.insert(st.st_dev).second) continue;
    struct statvfs vfs;
    if (statvfs(m.mount_point.c_str(), &vfs) != 0) continue;
    FsUsage u;
    u.mount_point = m.mount_point;
    u.fstype = m.fstype;
    u.device = m.device;
    double frsize = static_cast<double>(vfs.f_frsize);
    u.total_bytes = frsize * static_cast<double>(vfs.f_blocks);
    u.free_bytes = frsize * static_cast<double>(vfs.f_bfree);
    u.avail_bytes = frsize * static_cast<double>(vfs.f_bavail);
    u.inodes = static_cast<double>(vfs.f_files);
    u.inodes_free = static_cast<double>(vfs.f_ffree);
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace

// /proc files report size 0, so read until EOF rather than trusting st_size.
Result<std::string> ReadProcFile(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound(path + ": no such file");
    return Status::FromErrno("cannot read " + path, err);
  }
  std::string out;
  char buf[16384];
  while (true) {
    ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("cannot read " + path, errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (64u << 20))
      return Status::Io(path + ": larger than 64 MiB; not a /proc file");
  }
  return out;
}

Result<HostSample> ReadHostSample(const std::string& dir, bool statvfs_live) {
  HostSample s;
  s.dir = dir;
  VITALS_RETURN_IF_ERROR(ReadRequired(dir + "/stat", ParseProcStat, &s.stat));
  VITALS_RETURN_IF_ERROR(ReadRequired(dir + "/loadavg", ParseLoadAvg, &s.load));
  VITALS_RETURN_IF_ERROR(ReadRequired(dir + "/meminfo", ParseMeminfo, &s.meminfo));
  if (!s.meminfo.count("MemTotal")) {
    return Status::Parse(dir + "/meminfo: no MemTotal line; expected 'MemTotal: <n> kB'");
  }
  if (auto h = ReadProcFile(dir + "/sys/kernel/hostname"); h.ok()) {
    std::string name = *h;
    while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
    if (!name.empty()) s.hostname = name;
  }
  VITALS_RETURN_IF_ERROR(ReadOptional(dir + "/vmstat", "swap activity and OOM kills",
                                      ParseKeyValues, &s.vmstat, &s.missing));
  for (const char* res : {"cpu", "memory", "io"}) {
    std::string path = fmt::format("{}/pressure/{}", dir, res);
    auto text = ReadProcFile(path);
    if (!text.ok()) {
      if (text.status().code() != Status::Code::kNotFound) return text.status();
      s.missing.push_back(fmt::format(
          "pressure stall information ({}): {} not found (kernel without PSI, or booted with "
          "psi=0)",
          res, path));
      continue;
    }
    auto p = ParsePressure(*text, path);
    if (!p.ok()) return p.status();
    s.pressure[res] = *p;
  }
  VITALS_RETURN_IF_ERROR(
      ReadOptional(dir + "/diskstats", "disk utilisation", ParseDiskstats, &s.disks, &s.missing));
  VITALS_RETURN_IF_ERROR(
      ReadOptional(dir + "/net/dev", "network errors and drops", ParseNetDev, &s.net, &s.missing));
  VITALS_RETURN_IF_ERROR(
      ReadOptional(dir + "/net/snmp", "TCP retransmits", ParseSnmp, &s.snmp, &s.missing));
  std::vector<std::string> ignored;  // netstat only adds listen-queue overflows
  VITALS_RETURN_IF_ERROR(ReadOptional(dir + "/net/netstat", "listen queue overflows", ParseSnmp,
                                      &s.netstat, &ignored));
  auto fs_text = ReadProcFile(dir + "/statvfs.txt");
  if (fs_text.ok()) {
    auto fs = ParseStatvfsTxt(*fs_text, dir + "/statvfs.txt");
    if (!fs.ok()) return fs.status();
    s.filesystems = std::move(*fs);
  } else if (statvfs_live) {
    std::optional<std::vector<Mount>> mounts;
    VITALS_RETURN_IF_ERROR(
        ReadOptional(dir + "/mounts", "filesystem usage", ParseMounts, &mounts, &s.missing));
    if (mounts) {
      s.filesystems = StatvfsLive(*mounts);
      // Device names come from mounts; a capture's statvfs.txt has none.
    }
  } else {
    s.missing.push_back(fmt::format(
        "filesystem usage: measured live only when the proc root is /proc, and {}/statvfs.txt "
        "(the capture format) was not found",
        dir));
  }
  return s;
}

}  // namespace vitals::detail
