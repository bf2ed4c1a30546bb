#include "gate/series_compare.h"

#include <gtest/gtest.h>

namespace vitals::gate {
namespace {

StoredSeries Series(const std::string& name, const std::string& subject, const std::string& unit,
                    std::vector<double> values) {
  StoredSeries s;
  s.name = name;
  s.subject = subject;
  s.unit = unit;
  for (size_t i = 0; i < values.size(); ++i) s.points.emplace_back(double(i), values[i]);
  return s;
}

TEST(SeriesCompare, MeansAndChangeOfTheSeriesBothRunsHave) {
  RunData a, b;
  a.server_series = {Series("cache_hit_ratio", "items", "ratio", {0.4, 0.44, 0.42}),
                     Series("pg_lock_waits", "shop", "count", {3, 5})};
  b.server_series = {Series("cache_hit_ratio", "items", "ratio", {0.92, 0.94, 0.93}),
                     Series("redis_used_memory_bytes", "127.0.0.1:6379", "bytes", {2e6})};
  auto changes = CompareSeries(a, b);
  ASSERT_EQ(changes.size(), 3u);
  const SeriesChange& hit = changes[0];
  EXPECT_EQ(hit.name, "cache_hit_ratio");
  EXPECT_TRUE(hit.in_a && hit.in_b);
  EXPECT_NEAR(hit.a_mean, 0.42, 1e-9);
  EXPECT_NEAR(hit.b_mean, 0.93, 1e-9);
  EXPECT_NEAR(hit.change, (0.93 - 0.42) / 0.42, 1e-9);
  const std::string text = FormatSeriesChanges(changes);
  EXPECT_NE(text.find("cache_hit_ratio{items}"), std::string::npos) << text;
  EXPECT_NE(text.find("42.0% -> 93.0%  (+121.4%)"), std::string::npos) << text;
  EXPECT_NE(text.find("pg_lock_waits{shop}"), std::string::npos) << text;
  EXPECT_NE(text.find("only in A"), std::string::npos) << text;
  EXPECT_NE(text.find("only in B"), std::string::npos) << text;
  const auto j = SeriesChangesJson(changes);
  EXPECT_NEAR(j[0]["change"].get<double>(), hit.change, 1e-12);
  EXPECT_FALSE(j[1].contains("change"));
}

TEST(SeriesCompare, NothingObservedPrintsNothing) {
  EXPECT_TRUE(CompareSeries(RunData{}, RunData{}).empty());
  EXPECT_EQ(FormatSeriesChanges({}), "");
}

}  // namespace
}  // namespace vitals::gate
