#include "promql/sample_store.h"

#include <gtest/gtest.h>

#include "promql/engine.h"
#include "promql/parser.h"

namespace vitals::promql {
namespace {

Labels Up(const std::string& job) { return Labels({{"__name__", "up"}, {"job", job}}); }

std::vector<Matcher> NameIs(const std::string& name) {
  Matcher m;
  m.name = "__name__";
  m.value = name;
  return {m};
}

TEST(SampleStore, RetentionEvictsOldSamples) {
  SampleStore store(SampleStoreOptions{.retention_ms = 10'000, .max_series = 10});
  for (int64_t t = 0; t <= 30'000; t += 1000) ASSERT_TRUE(store.Append(Up("a"), t, 1).ok());
  std::vector<StoredSeries> s = store.Select(NameIs("up"), 0, 100'000);
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].points.size(), 11u);  // 20 s .. 30 s
  EXPECT_EQ(s[0].points.front().t_ms, 20'000);
  EXPECT_EQ(s[0].points.back().t_ms, 30'000);
}

TEST(SampleStore, OutOfOrderSamplesAreCountedNotStored) {
  SampleStore store;
  ASSERT_TRUE(store.Append(Up("a"), 2000, 1).ok());
  ASSERT_TRUE(store.Append(Up("a"), 1000, 2).ok());
  EXPECT_EQ(store.out_of_order(), 1u);
  EXPECT_EQ(store.Select(NameIs("up"), 0, 10'000)[0].points.size(), 1u);
}

TEST(SampleStore, SeriesCapRefusesWholeScrapeWithClearMessage) {
  SampleStore store(SampleStoreOptions{.retention_ms = 60'000, .max_series = 2});
  std::vector<ScrapedSample> page = {{Up("a"), 1, {}}, {Up("b"), 1, {}}, {Up("c"), 1, {}}};
  Status st = store.AddScrape("127.0.0.1:9100", page, 1000);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(
      st.message(),
      "target 127.0.0.1:9100 would hold 3 series, more than the sample store's cap of 2; "
      "nothing of this scrape was stored. Raise the cap (--max-series) or scrape fewer series");
  EXPECT_EQ(store.series_count(), 0u);
  ASSERT_TRUE(store.Append(Up("a"), 1, 1).ok());
  ASSERT_TRUE(store.Append(Up("b"), 1, 1).ok());
  EXPECT_FALSE(store.Append(Up("c"), 1, 1).ok());
}

TEST(SampleStore, SeriesMissingFromAScrapeGoStale) {
  SampleStore store;
  ASSERT_TRUE(store.AddScrape("t", {{Up("a"), 1, {}}, {Up("b"), 1, {}}}, 1000).ok());
  ASSERT_TRUE(store.AddScrape("t", {{Up("a"), 1, {}}}, 2000).ok());
  Result<ExprPtr> e = Parse("up");
  ASSERT_TRUE(e.ok());
  Result<Value> v = EvalInstant(*e.value(), store, 3000);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(std::get<Vector>(v.value()).size(), 1u);  // b ended at 2 s, not 5 m later
  store.MarkTargetDown("t", 4000);
  Result<Value> down = EvalInstant(*e.value(), store, 5000);
  ASSERT_TRUE(down.ok());
  EXPECT_TRUE(std::get<Vector>(down.value()).empty());
  EXPECT_GT(store.MemoryBytes(), 0u);
}

}  // namespace
}  // namespace vitals::promql
