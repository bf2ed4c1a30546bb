// Statistical tests for comparing runs (vitals compare / gate / history).
//
// Why these: per-interval latency samples are skewed and heavy-tailed, so the
// location test is the rank-based Mann-Whitney U (no normality assumption);
// the size of a percentile change comes from a bootstrap over the merged
// HdrHistograms; change points in a run history come from e-divisive means
// (Matteson & James) confirmed by Welch's t-test.  docs/gating.md explains
// them in plain words.  Distributions (normal, Student t) come from Boost.Math.
//
// Thread-safety: free functions, no shared state; safe to call concurrently.
// Errors: InvalidArgument naming what is wrong ("sample A has 2 values;
// Mann-Whitney needs at least 3 per side") - never a crash, never a silent
// pass.  Inputs are borrowed for the duration of the call only.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/histogram.h"
#include "core/status.h"

namespace vitals::stats {

// Smallest sample per side that MannWhitneyU accepts.
inline constexpr size_t kMinSamplesPerSide = 3;
// Largest sample per side for which MannWhitneyU uses the exact null distribution of U
// (when there are no ties); larger samples use the normal approximation.
inline constexpr size_t kMaxExactSamplesPerSide = 20;

struct MannWhitney {
  size_t n_a = 0, n_b = 0;
  double u_a = 0;      // U statistic of sample A (pairs where a > b, ties count 1/2)
  double z = 0;        // normal approximation, tie-corrected, with continuity correction;
                       // > 0 when A tends to be larger; 0 when every value is equal
  double p_value = 1;  // two-sided; exact distribution when n_a, n_b <= 20 and no ties
  bool exact = false;  // true when p_value comes from the exact distribution
  // Effect size: rank-biserial correlation r = 2 * u_a / (n_a n_b) - 1, in [-1, 1];
  // > 0 when A tends to be larger than B.
  double rank_biserial = 0;
  // Hodges-Lehmann estimate of the shift: median of all pairwise differences b - a
  // (> 0 when B tends to be larger; same unit as the samples).
  double hodges_lehmann = 0;
};
// Two-sided Mann-Whitney U test of A vs B.  Cost O((n_a + n_b) log(n_a + n_b)).
// InvalidArgument when a side has fewer than kMinSamplesPerSide values, when a value is NaN
// or infinite, or when two values differ by more than the largest double (no shift exists).
Result<MannWhitney> MannWhitneyU(std::span<const double> a, std::span<const double> b);

struct SignedRank {
  size_t n = 0;        // pairs with a non-zero difference (zeros are dropped, Wilcoxon's rule)
  size_t zeros = 0;    // pairs with b == a
  double w_plus = 0;   // sum of the ranks of |d| over pairs with d = b - a > 0
  double z = 0;        // normal approximation, tie-corrected, continuity-corrected; > 0 when
                       // B tends to be larger
  double p_value = 1;  // two-sided; exact when n <= kMaxExactSignedRank and no tied |d|
  bool exact = false;
  // Hodges-Lehmann estimate of the paired shift: the median of the Walsh averages
  // (d_i + d_j) / 2, i <= j, over every pair (zeros included); > 0 when B is larger.
  double shift = 0;
};
inline constexpr size_t kMaxExactSignedRank = 30;
// Wilcoxon signed-rank test of paired samples: pair i is (a[i], b[i]) - in vitals the same
// interval of a duet's two targets, which shared the machine's noise.  Pairing removes what
// both sides saw alike, so a small shift shows where Mann-Whitney on unpaired runs drowns.
// InvalidArgument when the sizes differ, when there are fewer than kMinSamplesPerSide
// pairs, or when a value is NaN or infinite.  Every difference zero: p = 1, shift 0.
Result<SignedRank> WilcoxonSignedRank(std::span<const double> a, std::span<const double> b);

struct WelchT {
  double t = 0, df = 0, p_value = 1;  // two-sided; t > 0 when mean_a > mean_b
  double mean_a = 0, mean_b = 0;
};
// InvalidArgument when either side has < 2 values or a value is NaN or infinite.  Two
// constant, equal samples give t = 0, p = 1; two constant, different samples give
// t = +-infinity, p = 0 (df is then n_a + n_b - 2).
Result<WelchT> WelchTTest(std::span<const double> a, std::span<const double> b);

// Most values drawn per side in one bootstrap resample (see BootstrapPercentileDiff).
inline constexpr int64_t kMaxBootstrapDraws = 20'000;

struct BootstrapInterval {
  double estimate = 0;       // percentile(B) - percentile(A) on the full histograms
  double low = 0, high = 0;  // the central `confidence` interval of the resampled difference
  double confidence = 0.95;
  int resamples = 0;
};
// Percentile difference B - A (same unit as the histograms' values) with a bootstrap
// confidence interval: each resample draws min(TotalCount(), kMaxBootstrapDraws) values from
// each histogram's distribution (multinomial over its buckets) and takes the percentile of
// each with Histogram::ValueAtPercentile's rule (highest equivalent value of the bucket; the
// lowest for percentile 0).  The cap makes the interval wider (conservative) for histograms
// holding more values: latency samples within one run are correlated, so their effective
// count is far below TotalCount() anyway.  Cost O(resamples * log(buckets)) after one pass
// over the buckets - independent of TotalCount().  Deterministic for a given seed (with the
// same standard library).  The histograms may have different configs.
// InvalidArgument when a histogram is empty, percentile is outside 0..100, resamples is outside
// 10..1,000,000, or confidence is outside (0, 1).
Result<BootstrapInterval> BootstrapPercentileDiff(const Histogram& a, const Histogram& b,
                                                  double percentile, int resamples = 1000,
                                                  double confidence = 0.95, uint64_t seed = 1);

struct ChangePointOptions {
  double max_p_value = 0.001;         // Welch t-test of the segments either side; in (0, 1]
  double min_relative_change = 0.05;  // |mean_after - mean_before| / |mean_before|; >= 0
  size_t min_segment = 5;  // no change point closer than this to another or an end; values
                           // below 2 act as 2 (Welch's test needs 2 points per side)
};

struct ChangePoint {
  size_t index = 0;  // first point of the new segment (0-based into the series)
  // Means of the segments between this change point and its neighbours (or the ends).
  double mean_before = 0, mean_after = 0;
  // (after - before) / |before|; +-infinity when before is 0 and after is not.
  double relative_change = 0;
  double p_value = 1;  // Welch's t-test between those two segments
};
// E-divisive means: recursively splits the series where the energy distance between the two
// sides is largest (alpha = 1); a split is kept when Welch's t-test between the adjacent
// segments has p <= max_p_value and the relative change is at least min_relative_change.
// After the search every kept point is re-tested against its final neighbours and the weakest
// failing one is dropped until all pass, so the reported means and p-values describe the
// segments as returned.  Returns the change points in index order (empty for a flat series or
// one shorter than 2 * min_segment).  Cost O(n^2) per level of the recursion, O(n) memory;
// fine for a few thousand runs.
// Bad input (a NaN or infinite value, options out of range) yields no change points; use
// FindChangePointsChecked to get the error instead.
std::vector<ChangePoint> FindChangePoints(std::span<const double> series,
                                          const ChangePointOptions& options = {});
// As FindChangePoints, but InvalidArgument for a NaN or infinite value (naming its index) or
// options out of range.
Result<std::vector<ChangePoint>> FindChangePointsChecked(std::span<const double> series,
                                                         const ChangePointOptions& options = {});

}  // namespace vitals::stats
