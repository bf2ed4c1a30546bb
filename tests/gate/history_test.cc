#include "gate/history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "gate/gate_test_util.h"

namespace vitals::gate {
namespace {

using ::testing::HasSubstr;
using testing::StoreSynthRun;
using testing::SynthRun;
using testing::TempDir;

std::vector<HistoryPoint> Series(int n, int step_at, double step, double noise, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, noise);
  std::vector<HistoryPoint> out;
  for (int i = 0; i < n; ++i) {
    const double level = i >= step_at ? 1000 * (1 + step) : 1000;
    out.push_back(
        {"run" + std::to_string(i), 1'700'000'000'000 + i * 60'000, level * (1 + z(rng))});
  }
  return out;
}

TEST(History, StepOfFifteenPercentAtRunThirtyIsFoundOnce) {
  for (uint64_t seed : {1, 2, 3}) {
    const History h = AnalyzeHistory(Metric::kP95, Series(60, 30, 0.15, 0.03, seed), {});
    ASSERT_EQ(h.change_points.size(), 1u) << "seed " << seed;
    EXPECT_NEAR(double(h.change_points[0].index), 30, 2) << "seed " << seed;
    EXPECT_NEAR(h.change_points[0].relative_change, 0.15, 0.04);
    EXPECT_LE(h.change_points[0].p_value, 0.001);
    const std::string text = FormatHistoryText(h);
    EXPECT_THAT(text, HasSubstr("1 change point(s)"));
    EXPECT_THAT(text, HasSubstr("---- change point: mean "));
  }
}

TEST(History, FlatNoisyHistoryHasNoChangePoints) {
  for (uint64_t seed : {4, 5, 6}) {
    const History h = AnalyzeHistory(Metric::kP95, Series(60, 60, 0, 0.03, seed), {});
    EXPECT_TRUE(h.change_points.empty()) << "seed " << seed;
    EXPECT_THAT(FormatHistoryText(h), HasSubstr("no change points"));
  }
}

TEST(History, TooFewRunsSaysHowManyAreNeeded) {
  const History h = AnalyzeHistory(Metric::kP95, Series(6, 3, 0.5, 0.01, 1), {});
  EXPECT_TRUE(h.change_points.empty());
  EXPECT_THAT(FormatHistoryText(h), HasSubstr("too few runs to look for change points: 6 runs, "
                                              "need at least 10"));
}

TEST(History, FromTheStoreOldestFirstOneScenarioAndTags) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok());
  std::mt19937_64 rng(42);
  std::normal_distribution<double> z(0, 0.02);
  for (int i = 0; i < 24; ++i) {
    SynthRun s;
    s.seconds = 3;
    s.rate = 200;
    s.sigma = 0.05;
    s.seed = uint64_t(i) + 1;
    s.base_us = (i >= 12 ? 1150 : 1000) * (1 + z(rng));
    s.started_unix_ms += i * 60'000;
    ASSERT_FALSE(StoreSynthRun(*store, s).empty());
  }
  // Noise that must stay out: another scenario, another branch.
  SynthRun other;
  other.fingerprint = "ffffffffffffffff";
  other.started_unix_ms = 1'600'000'000'000;
  ASSERT_FALSE(StoreSynthRun(*store, other).empty());
  SynthRun feature;
  feature.tags = {{"branch", "feature"}};
  feature.base_us = 5000;
  feature.started_unix_ms = 1'800'000'000'000;
  ASSERT_FALSE(StoreSynthRun(*store, feature).empty());

  HistoryOptions o;
  o.tags = {{"branch", "main"}};
  auto h = LoadHistory(*store, Metric::kP50, o);
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->points.size(), 24u);
  EXPECT_EQ(h->skipped_other_scenario, 1);
  EXPECT_LT(h->points.front().started_unix_ms, h->points.back().started_unix_ms);
  ASSERT_EQ(h->change_points.size(), 1u);
  EXPECT_NEAR(double(h->change_points[0].index), 12, 2);
  auto j = nlohmann::json::parse(HistoryJson(*h));
  EXPECT_EQ(j["points"].size(), 24u);
  EXPECT_EQ(j["change_points"][0]["run_id"], h->points[h->change_points[0].index].id);
}

}  // namespace
}  // namespace vitals::gate
