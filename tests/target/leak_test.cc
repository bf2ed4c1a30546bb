#include "target/leak.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace vitals {
namespace {

using ::testing::HasSubstr;

TEST(LeakSpec, ParsesSizeAndPeriod) {
  auto o = ParseLeakSpec("1MB/10s");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->bytes, 1'000'000);
  EXPECT_EQ(o->period_ns, 10'000'000'000);
  EXPECT_EQ(o->max_bytes, kDefaultLeakMaxBytes);
  EXPECT_TRUE(o->enabled());
  EXPECT_EQ(ParseLeakSpec("512KiB/250ms")->bytes, 512 * 1024);
}

TEST(LeakSpec, BadSpecsNameTheForm) {
  for (const char* bad : {"1MB", "1MB/", "/10s", "0MB/1s", "1MB/0s", "1ZB/1s", "1MB/10"}) {
    auto o = ParseLeakSpec(bad);
    ASSERT_FALSE(o.ok()) << bad;
    EXPECT_THAT(o.status().message(), HasSubstr("expected SIZE/PERIOD, e.g. 1MB/10s")) << bad;
  }
}

TEST(Leaker, LeaksEveryPeriodUpToTheCapAndNoFurther) {
  LeakOptions o;
  o.bytes = 100 * 1024;
  o.period_ns = 1'000'000;   // 1 ms
  o.max_bytes = 250 * 1024;  // two whole chunks and a half one
  Leaker leaker(o);
  // Waits (bounded) for the cap, which takes three periods.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (leaker.leaked_bytes() < o.max_bytes && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(leaker.leaked_bytes(), o.max_bytes);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // 20 more periods
  EXPECT_EQ(leaker.leaked_bytes(), o.max_bytes);
  std::string text;
  AppendLeakMetrics(leaker, &text);
  EXPECT_THAT(text, HasSubstr("# TYPE vitals_target_leaked_bytes gauge\n"));
  EXPECT_THAT(text, HasSubstr("\nvitals_target_leaked_bytes 256000\n"));
}

TEST(Leaker, NothingBeforeTheFirstPeriod) {
  LeakOptions o;
  o.bytes = 1024;
  o.period_ns = 3'600'000'000'000;  // an hour
  Leaker leaker(o);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(leaker.leaked_bytes(), 0);
}  // and the destructor stops the waiting thread at once

}  // namespace
}  // namespace vitals
