// Hodges-Lehmann shift without materialising the n_a * n_b pairwise differences: per-interval
// samples of long runs have thousands of values per side, and a buffer of every pair would
// cost hundreds of megabytes.  Instead, bisect on the value d, counting the pairs with
// b - a <= d in one linear pass over the sorted samples.
#include <numeric>

#include "stats/detail.h"

namespace vitals::stats::detail {
namespace {

struct Probe {
  int64_t count_at_most = 0;   // pairs with b_j - a_i <= d
  double largest_at_most = 0;  // the largest such difference (valid when count_at_most > 0)
  double smallest_above = 0;   // the smallest difference > d (valid when one exists)
};

// For ascending a_i the differences b_j - a_i shrink, so the number of qualifying b_j only
// grows: one forward pointer.  Comparisons use the rounded difference itself, so the values
// returned are exactly the differences the median is defined over.
Probe ProbeAt(std::span<const double> a, std::span<const double> b, double d) {
  Probe p;
  bool have_le = false, have_gt = false;
  size_t j = 0;
  for (double ai : a) {
    while (j < b.size() && b[j] - ai <= d) ++j;
    p.count_at_most += static_cast<int64_t>(j);
    if (j > 0 && (!have_le || b[j - 1] - ai > p.largest_at_most)) {
      p.largest_at_most = b[j - 1] - ai;
      have_le = true;
    }
    if (j < b.size() && (!have_gt || b[j] - ai < p.smallest_above)) {
      p.smallest_above = b[j] - ai;
      have_gt = true;
    }
  }
  return p;
}

// The k-th smallest difference (1-based).  Invariant: lo and hi are differences, fewer than
// k differences are below lo and at least k are <= hi; each probe moves one of them to the
// nearest difference past the midpoint, so they meet at the answer after about
// log2(range / smallest gap) probes.
double KthDifference(std::span<const double> a, std::span<const double> b, int64_t k) {
  double lo = b.front() - a.back();
  double hi = b.back() - a.front();
  while (lo < hi) {
    double mid = std::midpoint(lo, hi);  // no overflow even for +-1e308
    if (!(mid < hi)) mid = lo;           // adjacent doubles rounded up: probe lo itself
    const Probe p = ProbeAt(a, b, mid);
    if (p.count_at_most >= k) {
      hi = p.largest_at_most;  // <= mid < hi
    } else {
      lo = p.smallest_above;  // > mid >= lo
    }
  }
  return hi;
}

}  // namespace

double HodgesLehmannSorted(std::span<const double> a_sorted, std::span<const double> b_sorted) {
  const auto pairs = static_cast<int64_t>(a_sorted.size() * b_sorted.size());
  const int64_t upper = pairs / 2 + 1;  // 1-based rank of the upper median
  const double hi = KthDifference(a_sorted, b_sorted, upper);
  if (pairs % 2 == 1) return hi;
  const double lo = KthDifference(a_sorted, b_sorted, upper - 1);
  return std::midpoint(lo, hi);
}

}  // namespace vitals::stats::detail
