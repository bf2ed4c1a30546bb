#include "target/stall_schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vitals {
namespace {

using ::testing::HasSubstr;
constexpr int64_t kMs = 1'000'000;

TEST(StallSchedule, DisabledNeverHolds) {
  StallSchedule s;
  EXPECT_FALSE(s.enabled());
  EXPECT_EQ(s.ReleaseNs(123), 123);
  EXPECT_EQ(s.DueNs(100, 50), 150);
}

TEST(StallSchedule, StallKCoversTheEndOfEachPeriod) {
  auto s = StallSchedule::Make(500 * kMs, 5000 * kMs);
  ASSERT_TRUE(s.ok());
  // Stall 1: [4.5 s, 5 s), stall 2: [9.5 s, 10 s).
  EXPECT_FALSE(s->InStall(0));
  EXPECT_FALSE(s->InStall(4499 * kMs));
  EXPECT_TRUE(s->InStall(4500 * kMs));
  EXPECT_TRUE(s->InStall(4999 * kMs));
  EXPECT_FALSE(s->InStall(5000 * kMs));  // the end is exclusive
  EXPECT_TRUE(s->InStall(9700 * kMs));
  EXPECT_EQ(s->ReleaseNs(4500 * kMs), 5000 * kMs);
  EXPECT_EQ(s->ReleaseNs(9700 * kMs), 10000 * kMs);
  EXPECT_EQ(s->ReleaseNs(5100 * kMs), 5100 * kMs);
  EXPECT_FALSE(s->InStall(-1 * kMs));  // before the start
}

TEST(StallSchedule, DueAddsLatencyAfterTheStallAndHoldsResponsesThatLandInOne) {
  auto s = StallSchedule::Make(500 * kMs, 5000 * kMs);
  ASSERT_TRUE(s.ok());
  // Arrives in a stall: answered at its end plus the latency.
  EXPECT_EQ(s->DueNs(4600 * kMs, 20 * kMs), 5020 * kMs);
  // Arrives before a stall, delay would end inside it: held to its end.
  EXPECT_EQ(s->DueNs(4400 * kMs, 200 * kMs), 5000 * kMs);
  // Arrives and leaves between stalls: untouched.
  EXPECT_EQ(s->DueNs(1000 * kMs, 20 * kMs), 1020 * kMs);
}

TEST(StallSchedule, ShareOfUniformArrivalsHittingAStallAndTheirWait) {
  // 1000 req/s for 10 s against 500 ms every 5 s: 10 % of requests wait,
  // uniformly 0..500 ms, so p95 ~ 250 ms and p99 ~ 450 ms (the load
  // engine's tests rely on these numbers).
  auto s = StallSchedule::Make(500 * kMs, 5000 * kMs);
  ASSERT_TRUE(s.ok());
  std::vector<int64_t> waits;
  for (int k = 0; k < 10000; ++k) {
    int64_t t = int64_t(k) * kMs;
    waits.push_back(s->DueNs(t, 0) - t);
  }
  std::sort(waits.begin(), waits.end());
  int stalled = int(std::count_if(waits.begin(), waits.end(), [](int64_t w) { return w > 0; }));
  EXPECT_EQ(stalled, 1000);
  EXPECT_NEAR(double(waits[9499]), 250.0 * kMs, 2.0 * kMs);
  EXPECT_NEAR(double(waits[9899]), 450.0 * kMs, 2.0 * kMs);
}

TEST(StallSchedule, RejectsBadParameters) {
  auto zero = StallSchedule::Make(0, 5000 * kMs);
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(zero.status().message(), HasSubstr("--stall and --stall-every"));
  auto too_long = StallSchedule::Make(5000 * kMs, 5000 * kMs);
  ASSERT_FALSE(too_long.ok());
  EXPECT_THAT(too_long.status().message(), HasSubstr("must be shorter than --stall-every"));
}

}  // namespace
}  // namespace vitals
