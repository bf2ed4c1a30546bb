#include "load/schedule.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vitals {
namespace {

constexpr int64_t kSec = 1'000'000'000;

TEST(LoadPlan, ConstantRateIsKOverR) {
  LoadPlan plan({Stage{"main", 10 * kSec, 1000, 1000}});
  EXPECT_EQ(plan.TotalRequests(), 10000u);
  EXPECT_EQ(plan.DueNs(0), 0);
  EXPECT_EQ(plan.DueNs(1), 1'000'000);
  EXPECT_EQ(plan.DueNs(999), 999'000'000);
  EXPECT_EQ(plan.DueNs(9999), 9'999'000'000);
  EXPECT_EQ(plan.DueNs(10000), -1);
}

TEST(LoadPlan, NonIntegerRateHasNoDrift) {
  // 3 req/s: request 3000 is due at exactly 1000 s, not 1000 s +/- accumulated rounding.
  LoadPlan plan({Stage{"main", 2000 * kSec, 3, 3}});
  EXPECT_EQ(plan.DueNs(3000), 1000 * kSec);
  EXPECT_EQ(plan.DueNs(1), 333'333'333);
}

TEST(LoadPlan, LinearRampMatchesIntegral) {
  // 0 -> 100 req/s over 10 s: N(t) = 5 t^2, so request k is due at sqrt(k/5).
  LoadPlan plan({Stage{"ramp", 10 * kSec, 0, 100}});
  EXPECT_EQ(plan.TotalRequests(), 500u);
  for (uint64_t k : {1u, 20u, 125u, 499u}) {
    double expect = std::sqrt(double(k) / 5.0) * 1e9;
    EXPECT_NEAR(double(plan.DueNs(k)), expect, 1000) << k;
  }
}

TEST(LoadPlan, StagesChainAndSkipZeroRate) {
  LoadPlan plan({Stage{"a", 1 * kSec, 100, 100}, Stage{"pause", 1 * kSec, 0, 0},
                 Stage{"b", 1 * kSec, 100, 100}});
  EXPECT_EQ(plan.TotalRequests(), 200u);
  EXPECT_EQ(plan.DueNs(99), 990'000'000);
  // Request 100 is the first of stage b, after the pause.
  EXPECT_EQ(plan.DueNs(100), 2 * kSec);
  EXPECT_EQ(plan.StageAt(plan.DueNs(150)), 2);
}

TEST(LoadPlan, SplitAcrossWorkersCoversEachRequestOnce) {
  LoadPlan plan({Stage{"ramp", 5 * kSec, 10, 400}, Stage{"steady", 5 * kSec, 400, 400}});
  const uint64_t total = plan.TotalRequests();
  uint64_t seen = 0;
  int64_t prev = -1;
  // Worker w of 3 takes k = w, w+3, ...; together they walk the schedule in order.
  for (uint64_t k = 0; k < total; ++k) {
    int64_t due = plan.DueNs(k);
    ASSERT_GE(due, prev);
    prev = due;
    ++seen;
  }
  EXPECT_EQ(seen, total);
  EXPECT_NEAR(double(total), 0.5 * (10 + 400) * 5 + 400 * 5, 1.0);
}

TEST(LoadPlan, LevelInterpolates) {
  LoadPlan plan({Stage{"ramp", 10 * kSec, 10, 50}});
  EXPECT_DOUBLE_EQ(plan.LevelAt(0), 10);
  EXPECT_DOUBLE_EQ(plan.LevelAt(5 * kSec), 30);
  EXPECT_DOUBLE_EQ(plan.LevelAt(20 * kSec), 50);
}

TEST(ParseStages, Ramps) {
  auto st = ParseStages("30s:100,1m:100,10s:50-500");
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  ASSERT_EQ(st->size(), 3u);
  EXPECT_EQ((*st)[0].start, 0);
  EXPECT_EQ((*st)[0].end, 100);
  EXPECT_EQ((*st)[1].duration_ns, 60 * kSec);
  EXPECT_EQ((*st)[1].start, 100);
  EXPECT_EQ((*st)[2].start, 50);
  EXPECT_EQ((*st)[2].end, 500);
}

TEST(ParseStages, ErrorsSayWhatAndWhere) {
  auto a = ParseStages("30s:100,oops");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("item 2 'oops': missing ':'"), std::string::npos)
      << a.status().message();
  auto b = ParseStages("10x:5");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("bad duration '10x'"), std::string::npos);
  auto c = ParseStages("10s:-5");
  ASSERT_FALSE(c.ok());
  EXPECT_FALSE(ParseStages("").ok());
  EXPECT_FALSE(LoadPlan::Validate({Stage{"x", 0, 1, 1}}).ok());
}

}  // namespace
}  // namespace vitals
