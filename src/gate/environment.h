// The environment check: before the gate judges latencies, it asks whether the baseline and
// the candidate ran on comparable machines, from the noise each run measured about its own
// generator (load/noise.h).  The model, its bounds and why they are what they are:
// docs/gating.md "Noise".
//
//   1. Disturbed intervals.  An interval whose generator sched-delay p99 is far above the
//      run's own median (> noisy_factor x median and > median + noisy_excess_us), or whose
//      CPU pressure is noisy_psi_points above the run's median, was hit by something else on
//      the machine.  It is excluded from the per-interval samples the statistical tests use
//      (IntervalPoint::excluded), and the count is reported.
//   2. Stability.  The verdict is UNSTABLE ENVIRONMENT when a side has more than
//      max_excluded_share of its intervals disturbed, when its generator was saturated
//      (median generator CPU >= saturated_gen_cpu_pct), or when the two sides' typical
//      intervals differ: CPU pressure by more than max_psi_diff_points, steal by more than
//      max_steal_diff_points, or sched-delay p99 by more than max_sched_ratio times and
//      min_sched_diff_us.
//   3. The calibrated floor.  A latency change no larger than what the environment itself
//      moves between identical runs is within noise: floor_us = |difference of the sides'
//      median sched-delay p99| + |difference of their send-lag p99| + a quarter of the
//      smaller sched-delay p99 (how far the generator's own timing moved between the runs,
//      plus the run-to-run wobble of a delay that size).  When the store holds repeated runs
//      of the baseline (same scenario, same tags), their spread gives a relative floor per
//      metric as well; the larger floor applies.
//   4. Power.  On a noisy machine (a side's summary verdict is not "quiet") a latency change
//      over the limit that is not significant is not judged either: the noise may hide it.
//
// A side without noise figures (a run recorded before vitals measured noise, a JSON file
// without "noise") is "not measured": it neither excludes intervals nor makes the verdict
// unstable, and the floor comes from the other side alone.
//
// Thread-safety: pure functions; CheckEnvironment mutates only the RunData it is given.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "gate/compare.h"
#include "gate/run_data.h"
#include "load/noise.h"
#include "store/store.h"

namespace vitals::gate {

struct EnvironmentBounds {
  double noisy_factor = 4;
  double noisy_excess_us = 500;
  double noisy_psi_points = 25;
  double max_excluded_share = 0.3;
  double saturated_gen_cpu_pct = 90;
  double max_psi_diff_points = 15;
  double max_steal_diff_points = 5;
  double max_sched_ratio = 3;
  double min_sched_diff_us = 300;
};

struct SideEnvironment {
  bool measured = false;
  size_t intervals = 0, excluded = 0;
  NoiseSummary summary;  // medians over all its intervals
};

struct EnvironmentCheck {
  SideEnvironment a, b;
  bool stable = true;
  std::vector<std::string> problems;  // one sentence each, with the figures
  double floor_us = 0;                // absolute floor for latency metrics (0: none)
  // Relative floors from repeated baselines (fraction: 0.08 = 8 %), by metric; empty when the
  // store has fewer than kMinRepeatRuns comparable runs.
  std::map<Metric, double> repeat_floor;
  int repeat_runs = 0;

  // The floor for metric m at baseline value `a` (same unit as the metric): the absolute
  // floor for latency metrics, or the repeat floor times |a|, whichever is larger.
  double FloorFor(Metric m, double a) const;
  // True when a measured side's summary is not "quiet" (load/noise.h NoiseVerdict): a
  // latency change over the limit that is not significant is then not judged either.
  bool Noisy() const;
  // What to do about an unstable environment or a change within noise.
  static const char* Advice();
};

inline constexpr int kMinRepeatRuns = 3;
inline constexpr int kMaxRepeatRuns = 20;  // the newest ones

// Marks disturbed intervals in both runs (IntervalPoint::excluded) and judges stability and
// the floor from the noise figures.  `paired` (a duet: both sides ran at the same time on the
// same machine): the sides cannot differ in environment, so only rule 1 and the per-side
// parts of rule 2 apply, and there is no floor - the paired test cancels what both shared.
EnvironmentCheck CheckEnvironment(RunData* a, RunData* b, const EnvironmentBounds& bounds = {},
                                  bool paired = false);

// Adds the repeat floor: the completed runs in `store` with the baseline's scenario and every
// one of its tags (the baseline included, `exclude_id` - the candidate - left out); with at
// least kMinRepeatRuns of them (the newest kMaxRepeatRuns), for each latency metric, the
// median of the relative differences between every two of them (relative to their median).
// Errors: store errors only.
Status AddRepeatFloor(Store& store, const RunData& baseline, const std::string& exclude_id,
                      EnvironmentCheck* env);

// "A: quiet, sched delay p99 62us, CPU pressure 1.2%, steal 0.0%, generator CPU 14.0%, 0 of
// 15 intervals excluded" (or "A: not measured").
std::string DescribeSide(const char* name, const SideEnvironment& s);

}  // namespace vitals::gate
