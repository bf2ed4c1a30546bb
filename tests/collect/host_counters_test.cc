// ReadHostCpuCounters (collect/host_counters.h) on captured /proc trees.
#include "collect/host_counters.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace vitals {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(VITALS_SOURCE_DIR) + "/tests/fixtures/proc/" + name;
}

TEST(HostCounters, ReadsStatAndPressure) {
  auto c = ReadHostCpuCounters(Fixture("busy-cpu/t1"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->cpus, 2);
  EXPECT_EQ(c->procs_running, 9);
  EXPECT_EQ(c->psi_cpu_some_us, 14604747);
  EXPECT_GT(c->total_jiffies, 0);
}

TEST(HostCounters, MissingProcIsAnErrorNamingTheFile) {
  auto c = ReadHostCpuCounters("/nonexistent-proc-dir");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), ::testing::HasSubstr("/nonexistent-proc-dir/stat"));
}

TEST(HostCounters, LiveProcReads) {
  auto c = ReadHostCpuCounters();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_GE(c->cpus, 1);
}

}  // namespace
}  // namespace vitals
