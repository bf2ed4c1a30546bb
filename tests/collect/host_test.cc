#include "collect/host.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collect/host_parse.h"

namespace vitals {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const Fact* Find(const Collection& c, const std::string& kind, const std::string& subject) {
  for (const auto& f : c.facts) {
    if (f.kind == kind && f.subject == subject) return &f;
  }
  return nullptr;
}

std::string Fixture(const std::string& name) {
  return std::string(VITALS_SOURCE_DIR) + "/tests/fixtures/proc/" + name;
}

// A scratch copy of a fixture tree that a test may edit.
class HostTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vitals_host_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::copy(Fixture("healthy/t0"), dir_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ / rel, std::ios::trunc) << text;
  }
  std::string Path(const std::string& rel) const { return (dir_ / rel).string(); }
  Result<Collection> CollectSingle() {
    HostOptions o;
    o.proc_root = dir_.string();
    o.live = false;
    return CollectHost(o);
  }
  fs::path dir_;
};

TEST(HostParseTest, ProcStat) {
  auto st = detail::ParseProcStat(
      "cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 50 5 25 400 10 1 1 2 0 0\ncpu1 50 0 25 400 10 0 1 1 "
      "0 0\nintr 1 2 3\nprocs_running 3\nprocs_blocked 1\n",
      "/proc/stat");
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->cpus.size(), 2u);
  EXPECT_DOUBLE_EQ(st->all.user, 100);
  EXPECT_DOUBLE_EQ(st->all.steal, 3);
  EXPECT_DOUBLE_EQ(st->all.Total(), 981);  // guest columns are not added twice
  EXPECT_EQ(st->procs_running, 3);
  EXPECT_EQ(st->procs_blocked, 1);
  // Old kernels print only four columns.
  auto old = detail::ParseProcStat("cpu 1 2 3 4\ncpu0 1 2 3 4\n", "stat");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_DOUBLE_EQ(old->all.iowait, 0);
}

TEST(HostParseTest, MalformedFilesNameFileAndLine) {
  auto st = detail::ParseProcStat("cpu  1 2 3 4\ncpu0 1 two 3 4\n", "/x/stat");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.status().code(), Status::Code::kParse);
  EXPECT_EQ(
      st.status().message(),
      "/x/stat:2: expected 'cpu0' followed by non-negative jiffy counts, found 'cpu0 1 two 3 4'");
  EXPECT_THAT(detail::ParseProcStat("cpu 1 2\n", "s").status().message(),
              StartsWith("s:1: expected 'cpu' followed by at least 4 counts"));
  EXPECT_THAT(detail::ParseProcStat("cpu0 1 2 3 4\n", "s").status().message(),
              HasSubstr("no 'cpu' summary line"));
  EXPECT_THAT(detail::ParseLoadAvg("0.1 abc 0.3 1/2 3\n", "la").status().message(),
              StartsWith("la:1: expected three load averages"));
  EXPECT_THAT(detail::ParseLoadAvg("", "la").status().message(), HasSubstr("file is empty"));
  EXPECT_EQ(detail::ParseMeminfo("MemTotal: 10 kB\nMemFree 5 kB\n", "mi").status().message(),
            "mi:2: expected 'Name: <number> [kB]', found 'MemFree 5 kB'");
  EXPECT_THAT(detail::ParseMeminfo("MemTotal: 10 MB\n", "mi").status().message(),
              StartsWith("mi:1:"));
  EXPECT_THAT(detail::ParseKeyValues("pswpin 1\npswpout\n", "vm").status().message(),
              StartsWith("vm:2: expected 'name <number>'"));
  EXPECT_THAT(
      detail::ParsePressure("some avg10=1.00 avg60=x avg300=0 total=1\n", "p").status().message(),
      StartsWith("p:1: expected 'some|full avg10="));
  EXPECT_THAT(
      detail::ParsePressure("full avg10=0 avg60=0 avg300=0 total=0\n", "p").status().message(),
      HasSubstr("no 'some' line"));
  EXPECT_THAT(detail::ParseDiskstats("8 0 sda 1 2 3\n", "ds").status().message(),
              StartsWith("ds:1: expected 'major minor name' and at least 11 numeric counters"));
  EXPECT_THAT(detail::ParseNetDev("header without bar\n", "nd").status().message(),
              StartsWith("nd:1: expected the two '|' header lines"));
  EXPECT_THAT(detail::ParseNetDev("a|b\nc|d\neth0 1 2 3\n", "nd").status().message(),
              StartsWith("nd:3: expected '<iface>: ' followed by 16 counters"));
  EXPECT_THAT(detail::ParseSnmp("Tcp: A B\nTcp: 1\n", "snmp").status().message(),
              StartsWith("snmp:2: expected 2 values to match the header on line 1"));
  EXPECT_THAT(detail::ParseSnmp("Tcp: A B\n", "snmp").status().message(),
              HasSubstr("snmp:1: header 'Tcp:' has no value line"));
  EXPECT_THAT(detail::ParseSnmp("Tcp: A\nUdp: 1\n", "snmp").status().message(),
              StartsWith("snmp:2: expected a value line starting with 'Tcp:'"));
  EXPECT_THAT(detail::ParseStatvfsTxt("# c\n/ ext4 100 50\n", "sv").status().message(),
              StartsWith("sv:2: expected '<mount> <fstype> <total_bytes>"));
}

TEST(HostParseTest, DiskstatsAndWholeDisks) {
  auto d = detail::ParseDiskstats(
      "   8       0 sda 10 0 80 5 20 0 160 7 1 30 12\n"
      "   8       1 sda1 10 0 80 5 20 0 160 7 0 30 12 0 0 0 0\n"
      " 259       0 nvme0n1 1 0 8 1 2 0 16 1 0 3 2\n"
      " 259       1 nvme0n1p2 1 0 8 1 2 0 16 1 0 3 2\n"
      "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0\n"
      " 253       0 dm-0 1 0 8 1 2 0 16 1 0 3 2\n"
      " 254       0 vda 1 0 8 1 2 0 16 1 0 3 2\n"
      " 252       0 zram0 1 0 8 1 2 0 16 1 0 3 2\n",
      "ds");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->size(), 8u);
  EXPECT_DOUBLE_EQ((*d)[0].io_ticks_ms, 30);
  EXPECT_DOUBLE_EQ((*d)[0].weighted_ms, 12);
  EXPECT_DOUBLE_EQ((*d)[0].in_flight, 1);
  std::vector<std::string> names;
  for (const auto& w : detail::WholeDisks(*d)) names.push_back(w.name);
  EXPECT_EQ(names, (std::vector<std::string>{"sda", "nvme0n1", "dm-0", "vda"}));
}

TEST(HostParseTest, NetDevSnmpMounts) {
  auto n = detail::ParseNetDev(
      "Inter-|   Receive  |  Transmit\n face |bytes packets|bytes\n"
      "  eth0:123 4 5 6 0 0 0 0 789 10 11 12 0 0 0 0\n    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n",
      "nd");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  ASSERT_EQ(n->size(), 2u);
  EXPECT_EQ((*n)[0].name, "eth0");
  EXPECT_DOUBLE_EQ((*n)[0].rx_bytes, 123);
  EXPECT_DOUBLE_EQ((*n)[0].rx_errs, 5);
  EXPECT_DOUBLE_EQ((*n)[0].tx_drop, 12);
  auto s = detail::ParseSnmp("Tcp: MaxConn OutSegs RetransSegs\nTcp: -1 100 3\n", "snmp");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_DOUBLE_EQ(s->at("Tcp.MaxConn"), -1);
  EXPECT_DOUBLE_EQ(s->at("Tcp.RetransSegs"), 3);
  auto m =
      detail::ParseMounts("/dev/sda1 /mnt/my\\040disk ext4 rw 0 0\nproc /proc proc rw 0 0\n", "m");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)[0].mount_point, "/mnt/my disk");
  EXPECT_TRUE(detail::IsRealFilesystem("ext4"));
  EXPECT_FALSE(detail::IsRealFilesystem("tmpfs"));
  EXPECT_FALSE(detail::IsRealFilesystem("nfs4"));  // never statvfs a network mount
}

TEST(HostCollectTest, CaptureComputesRatesOverTheWindow) {
  HostOptions o;
  o.proc_root = Fixture("saturated-disk");
  auto c = CollectHost(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->component, "host");
  const Fact* cpu = Find(*c, "host.cpu", "host");
  ASSERT_NE(cpu, nullptr);
  EXPECT_DOUBLE_EQ(cpu->num.at("cores"), 2);
  EXPECT_NEAR(cpu->num.at("iowait_ratio"), 0.70, 1e-9);
  EXPECT_NEAR(cpu->num.at("busy_ratio"), 0.15, 1e-9);
  const Fact* disk = Find(*c, "host.disk", "vda");
  ASSERT_NE(disk, nullptr);
  EXPECT_DOUBLE_EQ(disk->num.at("util_ratio"), 1.0);  // 5160 ms busy in 5 s, clamped
  EXPECT_DOUBLE_EQ(disk->num.at("reads_per_s"), 844);
  EXPECT_DOUBLE_EQ(disk->num.at("read_bytes_per_s"), (640 + 268800) * 512 / 5.0);
  EXPECT_NEAR(disk->num.at("queue_depth"), (122 + 233000) / 5000.0, 1e-9);
  EXPECT_NEAR(disk->num.at("await_s"), (12 + 52000 + 110 + 181000) / (4220.0 + 9250) / 1000, 1e-12);
  EXPECT_EQ(Find(*c, "host.disk", "loop0"), nullptr);
  EXPECT_EQ(Find(*c, "host.disk", "zram0"), nullptr);
  EXPECT_EQ(Find(*c, "host.net", "lo"), nullptr);
  const Fact* io = Find(*c, "host.pressure", "io");
  ASSERT_NE(io, nullptr);
  EXPECT_DOUBLE_EQ(io->num.at("full_avg10_ratio"), 0.312);
  EXPECT_DOUBLE_EQ(io->num.at("some_window_ratio"), 2.4e6 / 5e6);
  const Fact* fsf = Find(*c, "host.filesystem", "/");
  ASSERT_NE(fsf, nullptr);
  EXPECT_NEAR(fsf->num.at("used_ratio"), 0.97, 1e-6);
  EXPECT_EQ(fsf->text.at("fstype"), "ext4");
  const Fact* load = Find(*c, "host.load", "host");
  ASSERT_NE(load, nullptr);
  EXPECT_DOUBLE_EQ(load->num.at("load1_per_core"), 6.6);
  EXPECT_DOUBLE_EQ(load->num.at("procs_blocked"), 12);
}

TEST(HostCollectTest, TcpAndMemoryRates) {
  HostOptions o;
  o.proc_root = Fixture("lossy-network");
  auto c = CollectHost(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const Fact* tcp = Find(*c, "host.tcp", "host");
  ASSERT_NE(tcp, nullptr);
  EXPECT_DOUBLE_EQ(tcp->num.at("retrans_segs_per_s"), 1300 / 5.0);
  EXPECT_DOUBLE_EQ(tcp->num.at("retrans_ratio"), 1300 / 40800.0);
  EXPECT_DOUBLE_EQ(tcp->num.at("listen_overflows_per_s"), 5);
  const Fact* eth = Find(*c, "host.net", "eth0");
  ASSERT_NE(eth, nullptr);
  EXPECT_DOUBLE_EQ(eth->num.at("rx_errors_per_s"), 300);
  EXPECT_DOUBLE_EQ(eth->num.at("error_ratio"), 1500 / (51200.0 + 50900));

  o.proc_root = Fixture("memory-pressure");
  auto m = CollectHost(o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Fact* mem = Find(*m, "host.memory", "host");
  ASSERT_NE(mem, nullptr);
  EXPECT_DOUBLE_EQ(mem->num.at("swap_in_pages_per_s"), 480);
  EXPECT_DOUBLE_EQ(mem->num.at("swap_in_bytes_per_s"), 480.0 * sysconf(_SC_PAGESIZE));
  EXPECT_DOUBLE_EQ(mem->num.at("oom_kill_per_s"), 0.2);
  EXPECT_NEAR(mem->num.at("swap_used_ratio"), 1 - 5242880.0 / 8388604, 1e-12);
}

TEST_F(HostTreeTest, SingleSampleListsWhatIsMissing) {
  fs::remove_all(dir_ / "pressure");
  fs::remove(dir_ / "statvfs.txt");
  auto c = CollectSingle();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Find(*c, "host.cpu", "host"), nullptr);  // needs two samples
  EXPECT_NE(Find(*c, "host.load", "host"), nullptr);
  EXPECT_NE(Find(*c, "host.memory", "host"), nullptr);
  std::string all;
  for (const auto& l : c->limited) all += l + "\n";
  EXPECT_THAT(all, HasSubstr("need two samples"));
  EXPECT_THAT(all, HasSubstr("pressure stall information (memory): " + Path("pressure/memory") +
                             " not found"));
  EXPECT_THAT(all, HasSubstr("filesystem usage:"));
}

TEST_F(HostTreeTest, MalformedFileFailsWithPathAndLine) {
  Write("meminfo", "MemTotal:       24683620 kB\nMemAvailable:   lots kB\n");
  auto c = CollectSingle();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kParse);
  EXPECT_EQ(c.status().message(), Path("meminfo") +
                                      ":2: expected 'Name: <number> [kB]', found 'MemAvailable:   "
                                      "lots kB'");
  Write("meminfo", "MemFree: 1 kB\n");
  EXPECT_THAT(CollectSingle().status().message(), HasSubstr("no MemTotal line"));
}

TEST_F(HostTreeTest, MissingRequiredFile) {
  fs::remove(dir_ / "stat");
  auto c = CollectSingle();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(c.status().message(),
              StartsWith(Path("stat") + ": no such file; expected a /proc tree"));
}

TEST_F(HostTreeTest, LiveSamplingUsesTheSleepSeam) {
  // The seam plays the role of time: it swaps in the second sample.
  int calls = 0;
  HostOptions o;
  o.proc_root = dir_.string();
  o.live = true;
  o.window_ns = 2'000'000'000;
  o.sleep = [&](int64_t ns) -> int64_t {
    ++calls;
    EXPECT_EQ(ns, 2'000'000'000);
    fs::copy(Fixture("busy-cpu/t1/stat"), dir_ / "stat", fs::copy_options::overwrite_existing);
    return ns;
  };
  auto c = CollectHost(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(calls, 1);
  const Fact* cpu = Find(*c, "host.cpu", "host");
  ASSERT_NE(cpu, nullptr);
  EXPECT_NEAR(cpu->num.at("busy_ratio"), 0.925, 1e-9);
  // Network counters did not move in this "window".
  const Fact* eth = Find(*c, "host.net", "eth0");
  ASSERT_NE(eth, nullptr);
  EXPECT_DOUBLE_EQ(eth->num.at("rx_packets_per_s"), 0);
}

TEST_F(HostTreeTest, CounterGoingBackwardsGivesNoRate) {
  fs::create_directories(dir_ / "cap");
  fs::copy(Fixture("healthy/t1"), dir_ / "cap/t0", fs::copy_options::recursive);
  fs::copy(Fixture("healthy/t0"), dir_ / "cap/t1", fs::copy_options::recursive);  // reversed
  HostOptions o;
  o.proc_root = (dir_ / "cap").string();
  auto c = CollectHost(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Find(*c, "host.disk", "vda"), nullptr);
  EXPECT_EQ(Find(*c, "host.net", "eth0"), nullptr);
  EXPECT_EQ(Find(*c, "host.tcp", "host"), nullptr);
}

TEST_F(HostTreeTest, BadWindowFile) {
  fs::create_directories(dir_ / "cap");
  fs::copy(Fixture("healthy/t0"), dir_ / "cap/t0", fs::copy_options::recursive);
  fs::copy(Fixture("healthy/t1"), dir_ / "cap/t1", fs::copy_options::recursive);
  Write("cap/window_s", "soon\n");
  HostOptions o;
  o.proc_root = (dir_ / "cap").string();
  auto c = CollectHost(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), Path("cap") +
                                      "/window_s:1: expected the seconds between t0 and t1 as a "
                                      "positive number, found 'soon'");
  Write("cap/window_s", "10\n");
  auto ok = CollectHost(o);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  // Twice the window, half the rate of the 5 s capture.
  EXPECT_DOUBLE_EQ(Find(*ok, "host.tcp", "host")->num.at("out_segs_per_s"), 80);
}

TEST(HostCollectTest, NotADirectory) {
  HostOptions o;
  o.proc_root = "/nonexistent/proc";
  auto c = CollectHost(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(c.status().message(), HasSubstr("/nonexistent/proc: not a directory"));
}

TEST(HostCollectTest, LiveProcWithShortWindow) {
  HostOptions o;  // the real /proc of this machine
  o.window_ns = 100'000'000;
  auto c = CollectHost(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const Fact* cpu = nullptr;
  for (const auto& f : c->facts) {
    if (f.kind == "host.cpu") cpu = &f;
  }
  ASSERT_NE(cpu, nullptr);
  EXPECT_GE(cpu->num.at("busy_ratio"), 0);
  EXPECT_LE(cpu->num.at("busy_ratio"), 1);
  EXPECT_EQ(cpu->num.at("cores"), sysconf(_SC_NPROCESSORS_ONLN));
}

}  // namespace
}  // namespace vitals
