#include "observe/timeline.h"

#include <gtest/gtest.h>

#include "observe/correlate.h"
#include "observe/series.h"
#include "rules/loader.h"

namespace vitals {
namespace {

std::vector<RuleSet> Rules(const std::string& yaml) {
  auto set = ParseRuleFile("test.yaml", yaml);
  EXPECT_TRUE(set.ok()) << set.status().message();
  return {*set};
}

constexpr const char* kHitRule = R"(rules:
  - id: redis.hit_ratio
    component: redis
    fact: redis.stats
    title: "hit ratio {value|pct}"
    value: "hit_ratio"
    warning: "hit_ratio < 80%"
    critical: "hit_ratio < 60%"
    runbook: "docs/runbooks/redis.md#hit-ratio"
)";

ObservedComponent RedisWithHitRatio(const std::vector<double>& ratios) {
  ObservedComponent c;
  c.component = "redis";
  for (size_t i = 0; i < ratios.size(); ++i) {
    ObservedSample s;
    s.t_s = double(i);
    s.collection.component = "redis";
    Fact f{"redis", "redis.stats", "127.0.0.1:6379", {{"hit_ratio", ratios[i]}}, {}};
    s.collection.facts.push_back(f);
    c.samples.push_back(std::move(s));
  }
  return c;
}

TEST(Timeline, OnsetEndAndPhaseOfAFinding) {
  // Healthy for 10 s, collapses at 12 s (in the spike that starts at 10 s), recovers at 20 s.
  std::vector<double> r(30, 0.95);
  for (int i = 12; i < 20; ++i) r[i] = i < 15 ? 0.7 : 0.4;
  auto found = EvaluateOverTime(Rules(kHitRule), {RedisWithHitRatio(r)},
                                {{"steady", 0, 10}, {"spike", 10, 20}, {"cool", 20, 30}});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_DOUBLE_EQ(found[0].onset_s, 12);
  EXPECT_DOUBLE_EQ(found[0].end_s, 19);
  EXPECT_EQ(found[0].phase, "spike");
  EXPECT_FALSE(found[0].active_at_end);
  EXPECT_EQ(found[0].samples, 8);
  EXPECT_EQ(found[0].finding.level, Level::kCritical);  // the worst sample is shown
  EXPECT_EQ(DescribeOnset(found[0]), "began at 12.0s in phase spike, last seen at 19.0s");
}

TEST(Timeline, ForNeedsTheConditionHeldThatLong) {
  std::string yaml = std::string(kHitRule) + "    for: 5s\n";
  std::vector<double> blips(30, 0.95);
  blips[5] = blips[6] = blips[7] = 0.5;  // 2 s held: under `for`
  EXPECT_TRUE(EvaluateOverTime(Rules(yaml), {RedisWithHitRatio(blips)}, {}).empty());
  std::vector<double> held(30, 0.95);
  for (int i = 10; i < 25; ++i) held[i] = 0.5;
  auto found = EvaluateOverTime(Rules(yaml), {RedisWithHitRatio(held)}, {});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_DOUBLE_EQ(found[0].onset_s, 10);  // when the condition began, as an alert's activeAt
}

TEST(Timeline, AQuietGapStartsANewEpisodeAndFlappingDoesNot) {
  std::vector<double> r(40, 0.95);
  r[2] = r[3] = r[4] = 0.7;  // cold at the start
  r[21] = r[22] = 0.5;       // collapses again 16 s later: a second finding
  r[24] = r[25] = 0.5;       // back after one healthy sample: the same episode
  auto found = EvaluateOverTime(Rules(kHitRule), {RedisWithHitRatio(r)},
                                {{"warm", 0, 10}, {"steady", 10, 20}, {"spike", 20, 40}}, 3);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_DOUBLE_EQ(found[0].onset_s, 2);
  EXPECT_DOUBLE_EQ(found[0].end_s, 4);
  EXPECT_EQ(found[0].phase, "warm");
  EXPECT_EQ(found[0].finding.level, Level::kWarning);
  EXPECT_DOUBLE_EQ(found[1].onset_s, 21);
  EXPECT_DOUBLE_EQ(found[1].end_s, 25);
  EXPECT_EQ(found[1].phase, "spike");
  EXPECT_EQ(found[1].finding.level, Level::kCritical);
  EXPECT_EQ(found[1].samples, 4);
}

TEST(Timeline, AMissingReadingEndsAStretch) {
  // Readings at 0..4 and 10..13 (the sampler failed in between): no stretch lasts `for: 5s`.
  std::string yaml = std::string(kHitRule) + "    for: 5s\n";
  ObservedComponent c = RedisWithHitRatio(std::vector<double>(9, 0.5));
  for (size_t i = 5; i < c.samples.size(); ++i) c.samples[i].t_s = double(i + 5);
  EXPECT_TRUE(EvaluateOverTime(Rules(yaml), {c}, {}).empty());
}

TEST(Timeline, ActiveAtTheEnd) {
  std::vector<double> r(10, 0.95);
  r[8] = r[9] = 0.5;
  auto found = EvaluateOverTime(Rules(kHitRule), {RedisWithHitRatio(r)}, {{"only", 0, 10}});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].active_at_end);
  EXPECT_EQ(DescribeOnset(found[0]), "began at 8.0s in phase only, still at the end");
}

TEST(Correlation, LagSignSaysWhichMovedFirst) {
  // The server series steps up at 20 s, the client's p95 at 23 s.
  std::vector<double> p95(60, 0.010);
  for (int i = 23; i < 45; ++i) p95[i] = 0.200;
  ServerSeries s;
  s.name = "pg_lock_waits";
  s.component = "postgres";
  for (int i = 0; i < 60; ++i) s.points.push_back({i + 0.5, (i >= 20 && i < 42) ? 12.0 : 0.0});
  auto c = Correlate(p95, 1.0, {s}, "p95 latency");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_GT(c[0].r, 0.9);
  EXPECT_EQ(c[0].lag_intervals, 3);  // the series moved 3 intervals before the latency
  auto rise = RiseTime(p95, 1.0, 0.005);
  ASSERT_TRUE(rise.has_value());
  EXPECT_DOUBLE_EQ(*rise, 23);
}

TEST(Correlation, UnrelatedOrFlatSeriesAreLeftOut) {
  std::vector<double> p95(60, 0.010);
  for (int i = 30; i < 40; ++i) p95[i] = 0.300;
  ServerSeries flat{"pg_connections", "postgres", "server", "count", {}};
  ServerSeries other{"redis_ops_per_s", "redis", "r", "per_s", {}};
  for (int i = 0; i < 60; ++i) {
    flat.points.push_back({double(i), 5});
    other.points.push_back({double(i), double((i * 7919) % 13)});
  }
  EXPECT_TRUE(Correlate(p95, 1.0, {flat, other}, "p95 latency").empty());
}

TEST(Correlation, CausesBeforeTheRiseComeFirst) {
  std::vector<ObservedFinding> f(3);
  f[0].onset_s = 40;  // after the rise
  f[1].onset_s = 18;  // before
  f[2].onset_s = 21;  // within one interval after: still a candidate
  size_t before = 0;
  auto order = RankCauses(f, 20.0, 1.0, &before);
  EXPECT_EQ(before, 2u);
  EXPECT_EQ(order, (std::vector<size_t>{1, 2, 0}));
}

TEST(Series, ExtractsDocumentedNamesFromFacts) {
  ObservedComponent c;
  c.component = "prometheus";
  ObservedSample s;
  s.t_s = 3;
  s.collection.facts.push_back(
      {"prometheus", "http.endpoint", "overall", {{"p95_s", 0.25}, {"error_ratio", 0.1}}, {}});
  s.collection.facts.push_back(
      {"prometheus", "http.endpoint", "/api", {{"p95_s", 0.5}}, {}});  // not "overall": skipped
  s.collection.facts.push_back({"prometheus", "prom.cache", "items", {{"hit_ratio", 0.4}}, {}});
  c.samples.push_back(s);
  auto series = ExtractSeries({c});
  std::map<std::string, double> got;
  for (const auto& x : series) {
    ASSERT_EQ(x.points.size(), 1u);
    got[SeriesLabel(x)] = x.points[0].value;
  }
  EXPECT_EQ(got.size(), 3u);
  EXPECT_DOUBLE_EQ(got["target_p95_s"], 0.25);
  EXPECT_DOUBLE_EQ(got["target_error_ratio"], 0.1);
  EXPECT_DOUBLE_EQ(got["cache_hit_ratio{items}"], 0.4);
}

}  // namespace
}  // namespace vitals
