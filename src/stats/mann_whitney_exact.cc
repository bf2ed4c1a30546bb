// Exact null distribution of the Mann-Whitney U statistic for small samples without ties.
#include <algorithm>
#include <vector>

#include "stats/detail.h"
#include "stats/tests.h"

namespace vitals::stats::detail {

double ExactMannWhitneyUpperTail(size_t n_a, size_t n_b, int64_t u) {
  const size_t max_u = n_a * n_b;
  if (u <= 0) return 1.0;
  if (static_cast<size_t>(u) > max_u) return 0.0;
  // f(i, j, v): arrangements of i A-values and j B-values with U_a = v.  The largest value is
  // either an A (beating all j B-values: f(i-1, j, v-j)) or a B (f(i, j-1, v)).  Counts reach
  // C(40, 20) ~ 1.4e11, exact in a double.  prev holds row i-1, cur row i, each (j, v).
  const size_t width = max_u + 1;
  std::vector<double> prev((n_b + 1) * width, 0.0), cur((n_b + 1) * width, 0.0);
  for (size_t j = 0; j <= n_b; ++j) prev[j * width] = 1.0;  // i = 0: U is 0
  for (size_t i = 1; i <= n_a; ++i) {
    std::fill(cur.begin(), cur.end(), 0.0);
    cur[0] = 1.0;  // j = 0: U is 0
    for (size_t j = 1; j <= n_b; ++j) {
      for (size_t v = 0; v <= i * j; ++v) {
        double ways = cur[(j - 1) * width + v];
        if (v >= j) ways += prev[j * width + v - j];
        cur[j * width + v] = ways;
      }
    }
    std::swap(prev, cur);
  }
  const double* f = &prev[n_b * width];
  double total = 0, tail = 0;
  for (size_t v = 0; v <= max_u; ++v) {
    total += f[v];
    if (v >= static_cast<size_t>(u)) tail += f[v];
  }
  return tail / total;
}

}  // namespace vitals::stats::detail
