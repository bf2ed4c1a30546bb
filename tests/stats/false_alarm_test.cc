// The gate's promise: noise alone rarely fails a build, a real regression almost always does.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "stats/tests.h"

namespace vitals::stats {
namespace {

constexpr double kAlpha = 0.01;

// Two samples of 30 per-interval p95s (us) from the same lognormal, B scaled by `shift`.
// Log-sd 0.2 means a steady run's interval p95s vary by about +-20 %.  The power to see a 30 %
// shift depends on that noise: at log-sd 0.2 it is ~0.99 for 30 vs 30 at alpha 0.01; at 0.25
// it falls to ~0.9 (18 of these 20 seeds), which is why the gate wants 30+ intervals per run.
MannWhitney Compare(uint64_t seed, double shift) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> p95(std::log(2000.0), 0.2);
  std::vector<double> a(30), b(30);
  for (double& x : a) x = p95(rng);
  for (double& x : b) x = p95(rng) * shift;
  auto r = MannWhitneyU(a, b);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : MannWhitney{};
}

TEST(FalseAlarmTest, NoiseRarelyLooksSignificant) {
  int alarms = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const MannWhitney r = Compare(seed, 1.0);
    EXPECT_GT(r.p_value, 0);
    if (r.p_value <= kAlpha) ++alarms;
  }
  EXPECT_LE(alarms, 1);
}

TEST(FalseAlarmTest, ThirtyPercentShiftIsDetected) {
  int detected = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const MannWhitney r = Compare(seed, 1.3);
    if (r.p_value <= kAlpha && r.rank_biserial < 0) ++detected;  // B larger: r < 0
  }
  EXPECT_GE(detected, 19);
}

}  // namespace
}  // namespace vitals::stats
