// The comparison model behind `vitals compare` and `vitals gate`: for each metric (p50, p95,
// p99 and mean corrected latency, error rate, achieved throughput), overall and per phase,
// the value on each side, the delta, and a statistical verdict.
//
// Verdict (per metric and scope):
//   - samples: the metric's per-interval values (each all-requests interval's p95, its
//     errors/requests, its requests/length_s, ...); per phase, the intervals of that phase;
//     intervals without requests carry no latency and are left out of latency metrics;
//     intervals shorter than half the run's longest (the drain sliver at the end) are left out.
//   - Mann-Whitney U (two-sided) on A's vs B's samples; "significant" means p <= alpha.
//   - significant and B worse than A -> kRegression; significant and B better -> kImprovement;
//     otherwise kNoChange ("no significant change" is a verdict).  Worse means higher for
//     latency and error rate, lower for throughput.  The direction is the sign of the
//     Hodges-Lehmann shift (the median pairwise difference B - A).
//   - kNotTestable with a reason when fewer than stats::kMinSamplesPerSide intervals are on
//     a side ("runs too short to test: A has 2 intervals, need at least 3"), when the sides
//     are so small that even complete separation could not reach p <= alpha (4 and 4
//     intervals at alpha 0.01: the smallest p is 0.029), or when a side has no
//     per-interval samples at all (a result JSON file without "intervals").
//   - For p50/p95/p99, when both sides carry histograms: a bootstrap confidence interval of
//     the percentile difference B - A from the merged histograms (supporting evidence; it
//     does not change the verdict).
//
// Thread-safety: pure functions.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "gate/run_data.h"
#include "stats/tests.h"

namespace vitals::gate {

enum class Metric { kP50, kP95, kP99, kMean, kErrorRate, kRate };

// "p50" "p95" "p99" "mean" "error_rate" "rate".
const char* MetricName(Metric m);
// Parses MetricName's output; nullopt for anything else.
std::optional<Metric> ParseMetric(const std::string& name);
// "p50 p95 p99 mean error_rate rate": for messages.
const char* MetricNamesList();
// Latency metrics: microseconds, higher is worse.
bool IsLatency(Metric m);
// Error rate and latency: higher is worse.  Throughput: lower is worse.
bool HigherIsWorse(Metric m);
// The metric's headline value for a scope.
double ScopeValue(const ScopeData& s, Metric m);
// The metric's per-interval samples for `phase` ("" = every interval of the run); intervals
// marked excluded (disturbed, gate/environment.h) are left out.
std::vector<double> IntervalValues(const RunData& r, Metric m, const std::string& phase);
// The same for a duet: the values of the intervals present, valid and not excluded on both
// sides, paired by start time (a[i] and b[i] are the same interval).
void PairedIntervalValues(const RunData& a, const RunData& b, Metric m, const std::string& phase,
                          std::vector<double>* va, std::vector<double>* vb);
// Human form of a value: "1.25ms", "0.12%", "998.3/s".
std::string FormatValue(Metric m, double v);

enum class Verdict { kRegression, kImprovement, kNoChange, kNotTestable };
// "regression", "improvement", "no significant change", "not testable".
const char* VerdictName(Verdict v);

struct MetricComparison {
  Metric metric = Metric::kP95;
  std::string phase;  // "" = the whole run
  double a = 0, b = 0;
  double delta = 0;      // b - a (error rate: as a fraction; 0.01 = 1 point)
  double delta_pct = 0;  // 100 * (b - a) / a; valid only when has_delta_pct
  bool has_delta_pct = false;
  Verdict verdict = Verdict::kNoChange;
  std::string not_testable_reason;        // set with kNotTestable
  size_t n_a = 0, n_b = 0;                // per-interval samples used (pairs, when paired)
  size_t excluded_a = 0, excluded_b = 0;  // disturbed intervals left out (gate/environment.h)
  // The medians of the per-interval samples the test used (NaN without samples): a typical
  // interval, which a few disturbed ones cannot inflate the way they inflate a whole-run
  // percentile.  The gate's limits look at both (gate/gate.h).
  double a_median = NAN, b_median = NAN;
  std::optional<stats::MannWhitney> mann_whitney;
  // Paired comparison (a duet: CompareOptions::paired): Wilcoxon signed-rank on the
  // same intervals of both sides, instead of Mann-Whitney.
  std::optional<stats::SignedRank> signed_rank;
  // Effect size with B's side positive: -rank_biserial (> 0 when B tends to be larger).
  double effect_r = 0;
  std::optional<stats::BootstrapInterval> bootstrap;  // percentiles with histograms
  std::string bootstrap_note;  // why it is absent, when it could have been there
};

// The p-value of whichever test ran (1 when none did) and its name ("Mann-Whitney" or
// "Wilcoxon signed-rank").
double PValue(const MetricComparison& c);
const char* TestName(const MetricComparison& c);

struct CompareOptions {
  double alpha = 0.01;
  // A duet (vitals load --duet): A and B ran at the same time, interval by interval, so
  // the test pairs interval i of A with interval i of B (same start) - Wilcoxon signed-rank.
  bool paired = false;
  bool bootstrap = true;
  int bootstrap_resamples = 1000;
  double confidence = 0.95;
  uint64_t seed = 1;
  bool per_phase = true;  // also compare each phase present on both sides
};

struct Comparison {
  std::string a_label, b_label, a_id, b_id;
  double alpha = 0.01;
  bool paired = false;                    // CompareOptions::paired (a duet)
  std::vector<MetricComparison> metrics;  // overall first (every metric), then per phase
  std::vector<std::string> notes;         // phases on one side only, unrecorded scenario, ...

  // The entry for (metric, phase), or nullptr.
  const MetricComparison* Find(Metric m, const std::string& phase = "") const;
};

// Compares A (before / baseline) with B (after / candidate).  Does NOT check the scenario:
// call CheckSameScenario first.
Comparison Compare(const RunData& a, const RunData& b, const CompareOptions& options = {});

// One metric in one scope; exposed for the gate and tests.
MetricComparison CompareMetric(const RunData& a, const RunData& b, Metric m,
                               const std::string& phase, const CompareOptions& options);

}  // namespace vitals::gate
