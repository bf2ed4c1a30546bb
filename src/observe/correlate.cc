#include "observe/correlate.h"

#include <algorithm>
#include <cmath>

namespace vitals {
namespace {

// NaN where the series has no value yet.
std::vector<double> OnGrid(const std::vector<SeriesPoint>& pts, size_t n, double interval_s) {
  std::vector<double> sum(n, 0), out(n, std::nan(""));
  std::vector<int> count(n, 0);
  for (const SeriesPoint& p : pts) {
    if (p.t_s < 0) continue;
    size_t i = size_t(p.t_s / interval_s);
    if (i >= n) i = n - 1;
    sum[i] += p.value;
    ++count[i];
  }
  double last = std::nan("");
  for (size_t i = 0; i < n; ++i) {
    if (count[i] > 0) last = sum[i] / count[i];
    out[i] = last;
  }
  return out;
}

std::optional<double> Pearson(const std::vector<double>& a, const std::vector<double>& b, int lag) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  int n = 0;
  for (int i = 0; i < int(a.size()); ++i) {
    const int j = i + lag;
    if (j < 0 || j >= int(b.size())) continue;
    if (std::isnan(a[i]) || std::isnan(b[j])) continue;
    sa += a[i];
    sb += b[j];
    saa += a[i] * a[i];
    sbb += b[j] * b[j];
    sab += a[i] * b[j];
    ++n;
  }
  if (n < 10) return std::nullopt;
  const double va = saa - sa * sa / n, vb = sbb - sb * sb / n;
  if (va <= 1e-12 * std::max(1.0, saa) || vb <= 1e-12 * std::max(1.0, sbb)) return std::nullopt;
  return (sab - sa * sb / n) / std::sqrt(va * vb);
}

}  // namespace

std::vector<Correlation> Correlate(const std::vector<double>& client, double interval_s,
                                   const std::vector<ServerSeries>& series,
                                   const std::string& against, int max_lag) {
  std::vector<Correlation> out;
  if (client.empty() || interval_s <= 0) return out;
  for (const ServerSeries& s : series) {
    const std::vector<double> grid = OnGrid(s.points, client.size(), interval_s);
    std::optional<Correlation> best;
    for (int lag = -max_lag; lag <= max_lag; ++lag) {
      auto r = Pearson(grid, client, lag);
      if (!r) continue;
      const bool better = !best || std::fabs(*r) > std::fabs(best->r) + 1e-9 ||
                          (std::fabs(std::fabs(*r) - std::fabs(best->r)) <= 1e-9 &&
                           std::abs(lag) < std::abs(best->lag_intervals));
      if (better) {
        best = Correlation{SeriesLabel(s), against, *r, lag, lag * interval_s};
      }
    }
    if (best && std::fabs(best->r) >= 0.5) out.push_back(*best);
  }
  std::sort(out.begin(), out.end(), [](const Correlation& a, const Correlation& b) {
    return std::fabs(a.r) > std::fabs(b.r);
  });
  return out;
}

std::optional<double> RiseTime(const std::vector<double>& client, double interval_s,
                               double min_step) {
  const size_t head = std::max<size_t>(3, client.size() / 5);
  if (client.size() < head + 1) return std::nullopt;
  std::vector<double> first;
  for (size_t i = 0; i < head; ++i) {
    if (!std::isnan(client[i])) first.push_back(client[i]);
  }
  if (first.empty()) return std::nullopt;
  std::sort(first.begin(), first.end());
  const double base = first[first.size() / 2];
  for (size_t i = head; i < client.size(); ++i) {
    if (std::isnan(client[i])) continue;
    if (client[i] >= 2 * base && client[i] >= base + min_step) return double(i) * interval_s;
  }
  return std::nullopt;
}

std::vector<size_t> RankCauses(const std::vector<ObservedFinding>& findings,
                               std::optional<double> rise_s, double interval_s,
                               size_t* before_rise) {
  std::vector<size_t> first, rest;
  for (size_t i = 0; i < findings.size(); ++i) {
    if (rise_s && findings[i].onset_s <= *rise_s + interval_s) {
      first.push_back(i);
    } else {
      rest.push_back(i);
    }
  }
  auto by_onset = [&](size_t a, size_t b) { return findings[a].onset_s < findings[b].onset_s; };
  std::stable_sort(first.begin(), first.end(), by_onset);
  std::stable_sort(rest.begin(), rest.end(), by_onset);
  if (before_rise) *before_rise = first.size();
  first.insert(first.end(), rest.begin(), rest.end());
  return first;
}

}  // namespace vitals
