// Change points in a run history: e-divisive means with a Welch t-test as the significance
// check, as Hunter / Otava do.  Matteson & James test each split with a permutation test; a
// t-test is much cheaper, deterministic, and answers the question a history actually asks
// ("did the mean move?").
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "stats/detail.h"
#include "stats/tests.h"

namespace vitals::stats {
namespace {

double RelativeChange(double before, double after) {
  if (before == 0) {
    return after == 0 ? 0 : std::copysign(std::numeric_limits<double>::infinity(), after);
  }
  return (after - before) / std::abs(before);
}

// The change point at `index` between segments [from, index) and [index, to).
ChangePoint Evaluate(std::span<const double> x, size_t from, size_t index, size_t to) {
  ChangePoint cp;
  cp.index = index;
  const Result<WelchT> t = WelchTTest(x.subspan(from, index - from), x.subspan(index, to - index));
  if (!t.ok()) return cp;  // cannot happen for checked input; p = 1 keeps the point out
  cp.mean_before = t->mean_a;
  cp.mean_after = t->mean_b;
  cp.relative_change = RelativeChange(cp.mean_before, cp.mean_after);
  cp.p_value = t->p_value;
  return cp;
}

bool Passes(const ChangePoint& cp, const ChangePointOptions& o) {
  return cp.p_value <= o.max_p_value && std::abs(cp.relative_change) >= o.min_relative_change;
}

// Recursive bisection: a segment is split at its best energy split when that split passes;
// both halves are then searched again.  A rejected split ends the search in that segment.
std::vector<size_t> Search(std::span<const double> x, const ChangePointOptions& o,
                           size_t min_segment) {
  std::vector<size_t> found;
  std::vector<std::pair<size_t, size_t>> todo = {{0, x.size()}};
  while (!todo.empty()) {
    const auto [from, to] = todo.back();
    todo.pop_back();
    if (to - from < 2 * min_segment) continue;
    const detail::EnergySplit split =
        detail::BestEnergySplit(x.subspan(from, to - from), min_segment);
    const size_t at = from + split.index;
    if (!Passes(Evaluate(x, from, at, to), o)) continue;
    found.push_back(at);
    todo.emplace_back(from, at);
    todo.emplace_back(at, to);
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Each point was tested against the segment it split, which later splits may have narrowed.
// Re-test every point against its final neighbours and drop the weakest failing one (highest
// p) until all pass: dropping one widens its neighbours' segments, which can rescue them, so
// one at a time rather than all failing at once.
std::vector<ChangePoint> Confirm(std::span<const double> x, std::vector<size_t> indices,
                                 const ChangePointOptions& o) {
  while (true) {
    std::vector<ChangePoint> points;
    size_t weakest = indices.size();
    for (size_t i = 0; i < indices.size(); ++i) {
      const size_t from = i == 0 ? 0 : indices[i - 1];
      const size_t to = i + 1 == indices.size() ? x.size() : indices[i + 1];
      points.push_back(Evaluate(x, from, indices[i], to));
      if (!Passes(points.back(), o) &&
          (weakest == indices.size() || points.back().p_value > points[weakest].p_value)) {
        weakest = i;
      }
    }
    if (weakest == indices.size()) return points;
    indices.erase(indices.begin() + static_cast<std::ptrdiff_t>(weakest));
  }
}

Status CheckInput(std::span<const double> series, const ChangePointOptions& o) {
  if (!(o.max_p_value > 0 && o.max_p_value <= 1)) {
    return Status::InvalidArgument(fmt::format(
        "change points: max_p_value {} must be in (0, 1] (0.001 is usual)", o.max_p_value));
  }
  if (!(o.min_relative_change >= 0) || !std::isfinite(o.min_relative_change)) {
    return Status::InvalidArgument(
        fmt::format("change points: min_relative_change {} must be a finite fraction >= 0 (0.05 "
                    "for 5 %)",
                    o.min_relative_change));
  }
  for (size_t i = 0; i < series.size(); ++i) {
    if (!std::isfinite(series[i])) {
      return Status::InvalidArgument(
          fmt::format("change points: run #{} of the history is {}; drop runs without the "
                      "metric before searching",
                      i, std::isnan(series[i]) ? "NaN" : "infinite"));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<ChangePoint>> FindChangePointsChecked(std::span<const double> series,
                                                         const ChangePointOptions& options) {
  VITALS_RETURN_IF_ERROR(CheckInput(series, options));
  const size_t min_segment = std::max<size_t>(options.min_segment, 2);
  // size < 2 * min_segment, written so a huge min_segment cannot overflow.
  if (min_segment > series.size() / 2) return std::vector<ChangePoint>{};
  return Confirm(series, Search(series, options, min_segment), options);
}

std::vector<ChangePoint> FindChangePoints(std::span<const double> series,
                                          const ChangePointOptions& options) {
  Result<std::vector<ChangePoint>> r = FindChangePointsChecked(series, options);
  if (!r.ok()) return {};
  return std::move(r).value();
}

}  // namespace vitals::stats
