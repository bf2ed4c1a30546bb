// vitals tune --host without touching the test machine: the net.* sysctls are changed by a
// child running inside a network namespace of its own (unshare --net); the test process's own
// /proc/sys is compared before and after.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "integration/tune_fixture.h"

namespace vitals::tunetest {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `cmd` with sh, returns stdout+stderr and the exit status.
int Shell(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(TuneHost, NetSysctlsChangeOnlyInTheirOwnNetworkNamespace) {
  std::string probe;
  VITALS_REQUIRE(Shell("unshare --net true", &probe) == 0, "unshare --net (util-linux, root)",
                 "run the integration tests as root with util-linux installed");
  const char* files[] = {"/proc/sys/net/core/somaxconn", "/proc/sys/net/ipv4/ip_local_port_range",
                         "/proc/sys/net/ipv4/tcp_tw_reuse"};
  std::string before;
  for (const char* f : files) before += ReadFile(f);
  TempStore store;
  std::string out;
  const std::string cmd = std::string("unshare --net sh -c '") + VITALS_BIN +
                          " tune --host --proc-sys-root /proc/sys --only \"net.*\" --set "
                          "host:net.core.somaxconn=1234 --set \"host:net.ipv4.ip_local_port_range="
                          "2000 62000\" --set host:net.ipv4.tcp_tw_reuse=0 --apply --store " +
                          store.path() +
                          " && cat /proc/sys/net/core/somaxconn "
                          "/proc/sys/net/ipv4/ip_local_port_range /proc/sys/net/ipv4/tcp_tw_reuse'";
  ASSERT_EQ(Shell(cmd, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("Applied 3 changes."));
  EXPECT_THAT(out, HasSubstr("1234\n2000\t62000\n0\n")) << "the namespace's values changed";
  std::string after;
  for (const char* f : files) after += ReadFile(f);
  EXPECT_EQ(after, before) << "the test machine's network namespace is untouched";
}

TEST(TuneHost, FixtureConservativeAndOvercommitRules) {
  SysFixture sys;
  const std::string before = sys.Snapshot();
  auto c = RunTune({"--proc-sys-root", sys.root(), "--strategy", "conservative", "--json"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto doc = nlohmann::json::parse(c.out);
  std::vector<std::string> names;
  for (const auto& i : doc["items"]) names.push_back(i["name"]);
  EXPECT_THAT(
      names, ::testing::UnorderedElementsAre("net.core.somaxconn", "net.ipv4.ip_local_port_range"));
  auto b = RunTune({"--proc-sys-root", sys.root()});
  ASSERT_EQ(b.exit_code, 0);
  EXPECT_THAT(b.out, HasSubstr("~ vm.swappiness  60 -> 10"));
  EXPECT_THAT(b.out, HasSubstr("~ net.ipv4.tcp_tw_reuse  2 -> 1"));
  EXPECT_THAT(b.out, ::testing::Not(HasSubstr("fs.file-max")));  // already large
  EXPECT_EQ(sys.Snapshot(), before);
  auto bad = RunTune({"--proc-sys-root", sys.root(), "--set", "host:net.core.nothing=1"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err,
              HasSubstr("no such sysctl: " + sys.root() + "/net/core/nothing does not exist"));
}

}  // namespace
}  // namespace vitals::tunetest
