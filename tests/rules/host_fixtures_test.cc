// Captured /proc trees (tests/fixtures/proc, see make_fixtures.py there) run
// through the host collector and the shipped rules: each case must produce
// exactly the findings a person reading its numbers would expect.
#include <set>
#include <string>
#include <tuple>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collect/host.h"
#include "rules/evaluate.h"
#include "rules/loader.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;

// (id, level, priority, subject)
using Expected = std::tuple<std::string, std::string, int, std::string>;

std::string FixtureDir(const std::string& name) {
  return std::string(VITALS_SOURCE_DIR) + "/tests/fixtures/proc/" + name;
}

std::vector<Finding> Check(const std::string& fixture, Collection* out = nullptr) {
  HostOptions o;
  o.proc_root = FixtureDir(fixture);
  o.sleep = [](int64_t) -> int64_t {
    ADD_FAILURE() << "a two-sample capture must not sleep";
    return 0;
  };
  auto c = CollectHost(o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return {};
  auto rules = LoadShippedRules();
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  if (!rules.ok()) return {};
  if (out != nullptr) *out = *c;
  return Evaluate(*rules, {*c});
}

std::set<Expected> Summarize(const std::vector<Finding>& findings) {
  std::set<Expected> out;
  for (const auto& f : findings) out.insert({f.id, LevelName(f.level), f.priority, f.subject});
  return out;
}

TEST(HostFixturesTest, HealthyMachineHasNoFindings) {
  Collection c;
  auto findings = Check("healthy", &c);
  EXPECT_TRUE(findings.empty()) << findings.size() << " findings, first: "
                                << (findings.empty() ? ""
                                                     : findings[0].id + " " + findings[0].evidence);
  // Not vacuous: every kind of fact was collected.
  std::set<std::string> kinds;
  for (const auto& f : c.facts) kinds.insert(f.kind);
  EXPECT_EQ(kinds, (std::set<std::string>{"host.cpu", "host.load", "host.pressure", "host.memory",
                                          "host.disk", "host.net", "host.tcp", "host.filesystem"}));
  EXPECT_TRUE(c.limited.empty()) << c.limited[0];
}

TEST(HostFixturesTest, BusyCpu) {
  auto findings = Check("busy-cpu");
  EXPECT_EQ(Summarize(findings), (std::set<Expected>{
                                     {"host.cpu.busy", "critical", 2, "host"},
                                     {"host.load.per_core", "critical", 2, "host"},
                                     {"host.pressure.cpu", "warning", 3, "cpu"},
                                 }));
  ASSERT_FALSE(findings.empty());
  const Finding& busy = findings[0].id == "host.cpu.busy" ? findings[0] : findings[1];
  EXPECT_EQ(busy.title, "CPU 92.5% busy on host");
  EXPECT_EQ(busy.evidence,
            "busy 92.5% over the window on 2 cores: user 78.0%, system 14.5%, iowait 0.0%, "
            "steal 0.0%");
  EXPECT_EQ(busy.runbook, "docs/runbooks/host.md#cpu-busy");
  ASSERT_TRUE(busy.value.has_value());
  EXPECT_NEAR(*busy.value, 0.925, 1e-9);
}

TEST(HostFixturesTest, MemoryPressure) {
  auto findings = Check("memory-pressure");
  EXPECT_EQ(Summarize(findings), (std::set<Expected>{
                                     {"host.memory.oom_kill", "critical", 1, "host"},
                                     {"host.pressure.memory", "critical", 1, "memory"},
                                     {"host.memory.used", "critical", 2, "host"},
                                     {"host.memory.swap_activity", "critical", 2, "host"},
                                 }));
  // Sorted: P1 before P2.
  ASSERT_EQ(findings.size(), 4u);
  EXPECT_EQ(findings[0].priority, 1);
  EXPECT_EQ(findings[3].priority, 2);
  for (const auto& f : findings) {
    if (f.id == "host.memory.swap_activity") {
      EXPECT_THAT(f.evidence, HasSubstr("swap-in 480 pages/s, swap-out 1000 pages/s"));
    }
    if (f.id == "host.memory.used") {
      EXPECT_EQ(f.title, "Memory 92.0% used on host");
    }
  }
}

TEST(HostFixturesTest, SaturatedDisk) {
  auto findings = Check("saturated-disk");
  EXPECT_EQ(Summarize(findings), (std::set<Expected>{
                                     {"host.filesystem.space", "critical", 1, "/"},
                                     {"host.disk.util", "critical", 2, "vda"},
                                     {"host.load.per_core", "critical", 2, "host"},
                                     {"host.pressure.io", "critical", 2, "io"},
                                 }));
  for (const auto& f : findings) {
    if (f.id == "host.disk.util") {
      EXPECT_EQ(f.title, "Disk vda busy 100.0% of the time");
      EXPECT_THAT(f.evidence, HasSubstr("844 reads/s and 1850 writes/s"));
    }
    if (f.id == "host.filesystem.space") {
      EXPECT_EQ(f.title, "Filesystem / is 97.0% full");
      EXPECT_THAT(f.action, HasSubstr("du -xh --max-depth=2 / "));
    }
  }
}

TEST(HostFixturesTest, LossyNetwork) {
  auto findings = Check("lossy-network");
  EXPECT_EQ(Summarize(findings), (std::set<Expected>{
                                     {"host.tcp.listen_overflows", "warning", 2, "host"},
                                     {"host.net.errors", "critical", 2, "eth0"},
                                     {"host.net.drops", "warning", 3, "eth0"},
                                     {"host.tcp.retransmits", "warning", 3, "host"},
                                 }));
}

TEST(HostFixturesTest, SingleTreeHasNoRatesAndSaysSo) {
  HostOptions o;
  o.proc_root = FixtureDir("busy-cpu/t1");
  auto c = CollectHost(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_FALSE(c->limited.empty());
  EXPECT_THAT(c->limited[0], HasSubstr("need two samples"));
  auto rules = LoadShippedRules();
  ASSERT_TRUE(rules.ok());
  // Load and PSI come from one sample; CPU utilisation needs two.
  EXPECT_EQ(Summarize(Evaluate(*rules, {*c})), (std::set<Expected>{
                                                   {"host.load.per_core", "critical", 2, "host"},
                                                   {"host.pressure.cpu", "warning", 3, "cpu"},
                                               }));
}

}  // namespace
}  // namespace vitals
