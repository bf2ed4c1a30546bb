// EarlyStopMonitor: when a run that has not had one success stops, and the message it gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "load/early_stop.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kS = 1'000'000'000;

TEST(EarlyStop, FiresAfterTheWindowWhenEverythingFailed) {
  EarlyStopMonitor m(5 * kS);
  EXPECT_FALSE(m.Observe(1 * kS, 300, 300));
  EXPECT_FALSE(m.Observe(5 * kS - 1, 1500, 1500));
  EXPECT_TRUE(m.Observe(5 * kS, 1501, 1501));
  EXPECT_TRUE(m.fired());
  EXPECT_TRUE(m.Observe(6 * kS, 1501, 1501));  // stays fired
}

TEST(EarlyStop, OneSuccessDisarmsItForTheRestOfTheRun) {
  EarlyStopMonitor m(5 * kS);
  EXPECT_FALSE(m.Observe(1 * kS, 10, 9));
  // Later everything fails for longer than the window: a finding of the run, not a stop.
  EXPECT_FALSE(m.Observe(20 * kS, 5000, 4999));
  EXPECT_FALSE(m.fired());
}

TEST(EarlyStop, NothingFinishedYetIsNotAFailure) {
  // A target that accepts and never answers: wait for the timeouts (which are failures).
  EarlyStopMonitor m(5 * kS);
  EXPECT_FALSE(m.Observe(8 * kS, 0, 0));
  EXPECT_TRUE(m.Observe(10 * kS, 50, 50));
}

TEST(EarlyStop, KeepGoingNeverFires) {
  EarlyStopMonitor m(0);
  EXPECT_FALSE(m.Observe(100 * kS, 100000, 100000));
  EXPECT_FALSE(m.fired());
}

TEST(EarlyStop, MessageNamesTheFailureTheAddressAndTheWayOut) {
  const std::string refused =
      NoSuccessMessage(5 * kS, {{"connect_refused", 12531}, {"timeout", 2}}, "127.0.0.1:8080");
  EXPECT_EQ(refused,
            "no request succeeded in 5 s: connection refused by 127.0.0.1:8080; is the target "
            "running, and on this port? (--keep-going to run anyway)");
  const std::string http = NoSuccessMessage(5 * kS, {{"status_503", 40}}, "127.0.0.1:9000");
  EXPECT_THAT(http, HasSubstr("127.0.0.1:9000 answered every request with HTTP 503"));
  EXPECT_THAT(http, HasSubstr("(--keep-going to run anyway)"));
  EXPECT_THAT(NoSuccessMessage(2500'000'000, {{"timeout", 3}}, "h:1"),
              HasSubstr("no request succeeded in 2.5 s: every request to h:1 timed out"));
  EXPECT_THAT(NoSuccessMessage(5 * kS, {{"parse:bad_status_line", 3}}, "h:1"),
              HasSubstr("not valid HTTP (bad_status_line)"));
}

}  // namespace
}  // namespace vitals
