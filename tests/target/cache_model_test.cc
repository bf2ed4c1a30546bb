#include "target/cache_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace vitals {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;

TEST(RateWindow, CountsTheLastTwoSeconds) {
  RateWindow w;
  EXPECT_EQ(w.PerSecond(10 * kSec), 0);
  // 100 req/s for 5 s, from t = 10 s.
  for (int64_t t = 10 * kSec; t < 15 * kSec; t += 10 * kMs) w.Add(t);
  EXPECT_NEAR(w.PerSecond(15 * kSec), 100, 10);
  // Then 1000 req/s: after 2 s the window sees only the new rate.
  for (int64_t t = 15 * kSec; t < 18 * kSec; t += kMs) w.Add(t);
  EXPECT_NEAR(w.PerSecond(18 * kSec), 1000, 20);
  // Silence: after the window, nothing counts.
  EXPECT_EQ(w.PerSecond(21 * kSec), 0);
}

TEST(RateWindow, RightAfterTheFirstRequestDividesByTheTimeSeen) {
  RateWindow w;
  for (int64_t t = 5 * kSec; t < 5 * kSec + 500 * kMs; t += kMs) w.Add(t);
  EXPECT_NEAR(w.PerSecond(5 * kSec + 500 * kMs), 1000, 20);
}

TEST(WorkingSet, FollowsTheRateWithAFloor) {
  WorkingSet ws(5, 100);
  FastRng rng(1);
  std::set<uint64_t> low;
  int64_t t = 0;
  for (; t < 4 * kSec; t += 10 * kMs) low.insert(ws.NextKey(t, rng));  // 100 req/s
  EXPECT_NEAR(double(ws.size()), 500, 15);
  EXPECT_LT(*low.rbegin(), 520u);  // never a burst, not even at the first request
  EXPECT_GT(*low.rbegin(), 400u);
  std::set<uint64_t> high;
  for (; t < 8 * kSec; t += kMs) high.insert(ws.NextKey(t, rng));  // 1000 req/s
  EXPECT_NEAR(double(ws.size()), 5000, 100);
  EXPECT_GT(*high.rbegin(), 4000u);
  WorkingSet idle(5, 100);
  idle.NextKey(0, rng);
  EXPECT_EQ(idle.size(), 100);
}

TEST(LruCache, HitsMissesAndEvictsTheLeastRecentlyUsed) {
  LruCache c(3, 64);
  EXPECT_FALSE(c.Lookup(1));
  EXPECT_FALSE(c.Lookup(2));
  EXPECT_FALSE(c.Lookup(3));
  EXPECT_TRUE(c.Lookup(1));   // 1 is now the most recent; 2 the least
  EXPECT_FALSE(c.Lookup(4));  // evicts 2
  EXPECT_EQ(c.evictions(), 1u);
  EXPECT_TRUE(c.Lookup(3));
  EXPECT_TRUE(c.Lookup(1));
  EXPECT_FALSE(c.Lookup(2));  // evicts 4
  EXPECT_FALSE(c.Lookup(4));
  EXPECT_EQ(c.hits(), 3u);
  EXPECT_EQ(c.misses(), 6u);
  EXPECT_EQ(c.evictions(), 3u);
  EXPECT_EQ(c.size(), 3);
}

TEST(LruCache, HitRatioIsCapacityOverWorkingSetWhenItDoesNotFit) {
  LruCache c(500, 16);
  FastRng rng(7);
  for (int i = 0; i < 20000; ++i) c.Lookup(rng.Next() % 2000);
  const uint64_t h0 = c.hits(), m0 = c.misses();
  for (int i = 0; i < 20000; ++i) c.Lookup(rng.Next() % 2000);
  const double ratio = double(c.hits() - h0) / double(c.hits() - h0 + c.misses() - m0);
  EXPECT_NEAR(ratio, 0.25, 0.03);
  EXPECT_EQ(c.size(), 500);
}

TEST(CacheMetrics, MicrometerNamesSummedOverThreads) {
  CacheOptions o;
  o.capacity = 4;
  o.value_bytes = 8;
  ThreadCache a(o, 2), b(o, 2);
  a.cache.Lookup(1);
  a.cache.Lookup(1);
  a.cache.Lookup(2);
  a.cache.Lookup(3);  // evicts 1 (capacity 2 per thread)
  b.cache.Lookup(9);
  const ThreadCache* both[] = {&a, &b};
  std::string text;
  AppendCacheMetrics(both, &text);
  EXPECT_THAT(text, HasSubstr("# TYPE cache_gets_total counter\n"));
  EXPECT_THAT(text, HasSubstr("\ncache_gets_total{cache=\"items\",result=\"hit\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\ncache_gets_total{cache=\"items\",result=\"miss\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("\ncache_evictions_total{cache=\"items\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE cache_size gauge\ncache_size{cache=\"items\"} 3\n"));
}

}  // namespace
}  // namespace vitals
