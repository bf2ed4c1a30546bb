#include "target/process_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace vitals {
namespace {

using ::testing::HasSubstr;

TEST(ProcessMetrics, ResidentMemoryFollowsWrittenPages) {
  const ProcessStats before = ReadProcessStats();
  ASSERT_GT(before.resident_bytes, 0);
  ASSERT_GE(before.virtual_bytes, before.resident_bytes);
  ASSERT_GE(before.cpu_seconds, 0);
  constexpr size_t kBytes = 64 << 20;
  auto block = std::make_unique_for_overwrite<char[]>(kBytes);
  std::memset(block.get(), 0x5a, kBytes);
  const ProcessStats after = ReadProcessStats();
  // Generous: the allocator may have had some of it resident already.
  EXPECT_GT(after.resident_bytes - before.resident_bytes, 0.75 * kBytes);
  EXPECT_GE(after.cpu_seconds, before.cpu_seconds);
  EXPECT_EQ(block[kBytes - 1], 0x5a);
}

TEST(ProcessMetrics, ExpositionUsesTheClientLibraryNames) {
  ProcessStats s;
  s.resident_bytes = 1048576;
  s.virtual_bytes = 4194304;
  s.cpu_seconds = 1.25;
  std::string text;
  AppendProcessMetrics(s, &text);
  EXPECT_EQ(text,
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
            "# TYPE process_cpu_seconds_total counter\n"
            "process_cpu_seconds_total 1.250000\n"
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\n"
            "process_resident_memory_bytes 1048576\n"
            "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
            "# TYPE process_virtual_memory_bytes gauge\n"
            "process_virtual_memory_bytes 4194304\n");
  ProcessStats unreadable;
  std::string none;
  AppendProcessMetrics(unreadable, &none);
  EXPECT_EQ(none, "");
}

}  // namespace
}  // namespace vitals
