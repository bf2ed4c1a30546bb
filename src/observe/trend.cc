#include "observe/trend.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace vitals {
namespace {

constexpr double kZ99Two = 2.5758;  // two-sided 99 %: the slope's confidence bounds
constexpr double kAlpha = 0.01;

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + mid)) / 2;
  return m;
}

std::vector<SeriesPoint> Bucket(const std::vector<SeriesPoint>& pts) {
  if (pts.size() <= kMaxTrendPoints) return pts;
  std::vector<SeriesPoint> out;
  const size_t per = (pts.size() + kMaxTrendPoints - 1) / kMaxTrendPoints;
  for (size_t i = 0; i < pts.size(); i += per) {
    const size_t end = std::min(pts.size(), i + per);
    SeriesPoint p{0, 0};
    for (size_t j = i; j < end; ++j) {
      p.t_s += pts[j].t_s;
      p.value += pts[j].value;
    }
    p.t_s /= double(end - i);
    p.value /= double(end - i);
    out.push_back(p);
  }
  return out;
}

double SenSlope(const std::vector<SeriesPoint>& p) {
  std::vector<double> slopes;
  for (size_t i = 0; i < p.size(); ++i) {
    for (size_t j = i + 1; j < p.size(); ++j) {
      if (p[j].t_s > p[i].t_s) slopes.push_back((p[j].value - p[i].value) / (p[j].t_s - p[i].t_s));
    }
  }
  return Median(std::move(slopes));
}

struct TrendRule {
  const char* series;
  const char* what;  // words for the title
  double min_abs;    // the rise must reach this ...
  double min_rel;    // ... and this share of the level
  const char* action;
};

constexpr TrendRule kTrendRules[] = {
    {"process_resident_memory_bytes", "Resident memory", 1 << 20, 0.02,
     "Memory rises under steady load: take two heap profiles minutes apart and compare what "
     "grew (pprof -base, jcmd GC.class_histogram, heaptrack); look for caches without a bound, "
     "listeners never removed, per-request state kept in globals."},
    {"go_heap_inuse_bytes", "Go heap in use", 1 << 20, 0.02,
     "Compare two heap profiles (go tool pprof -base old.pb.gz new.pb.gz "
     "http://host/debug/pprof/heap): the types whose inuse_space grows are the leak."},
    {"jvm_heap_used_bytes", "JVM heap used", 1 << 20, 0.02,
     "Compare two class histograms (jcmd <pid> GC.class_histogram) or a heap dump after a full "
     "GC: the classes whose count grows are retained."},
    {"go_goroutines", "Goroutines", 10, 0.05,
     "Goroutines accumulate: dump them (curl host/debug/pprof/goroutine?debug=2) and look for "
     "many blocked at the same line (a channel never read, a request without a timeout)."},
    {"jvm_threads", "JVM threads", 10, 0.05,
     "Threads accumulate: take two thread dumps (jcmd <pid> Thread.print) and find the pool or "
     "executor that keeps creating them."},
    {"pg_connections", "PostgreSQL connections", 3, 0.10,
     "Connections grow without being returned: check the application's pool (max size, leak "
     "detection such as HikariCP leakDetectionThreshold) and put PgBouncer in front."},
    {"pg_dead_tuples", "PostgreSQL dead tuples", 1000, 0.10,
     "Autovacuum does not keep up with the updates: lower autovacuum_vacuum_scale_factor on the "
     "hot tables (ALTER TABLE ... SET (autovacuum_vacuum_scale_factor = 0.02)) and look for long "
     "transactions holding the xmin horizon."},
    {"redis_used_memory_bytes", "Redis memory", 1 << 20, 0.02,
     "Redis keeps growing: keys without a TTL accumulate (vitals check --redis shows the prefixes "
     "without TTL); set TTLs or a maxmemory with an evicting policy if it is a cache."},
};

std::string Rate(double per_s, const std::string& unit) {
  const double per_min = per_s * 60;
  if (unit == "bytes") return fmt::format("{:.1f} MB/min", per_min / 1e6);
  return fmt::format("{:.1f}/min", per_min);
}

}  // namespace

TrendFit FitTrend(const std::vector<SeriesPoint>& raw) {
  TrendFit fit;
  std::vector<SeriesPoint> p = Bucket(raw);
  fit.n = int(p.size());
  if (p.size() < 3) return fit;
  fit.span_s = p.back().t_s - p.front().t_s;
  std::vector<double> values;
  for (const auto& x : p) values.push_back(x.value);
  fit.level = Median(values);

  std::vector<double> slopes;
  slopes.reserve(p.size() * (p.size() - 1) / 2);
  double s = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    for (size_t j = i + 1; j < p.size(); ++j) {
      const double d = p[j].value - p[i].value;
      s += (d > 0) - (d < 0);
      if (p[j].t_s > p[i].t_s) slopes.push_back(d / (p[j].t_s - p[i].t_s));
    }
  }
  // Variance of S with the correction for tied values.
  const double n = double(p.size());
  double var = n * (n - 1) * (2 * n + 5) / 18;
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    const double t = double(j - i);
    if (t > 1) var -= t * (t - 1) * (2 * t + 5) / 18;
    i = j;
  }
  if (var > 0) {
    const double z = s > 0 ? (s - 1) / std::sqrt(var) : s < 0 ? (s + 1) / std::sqrt(var) : 0;
    fit.p_value = 0.5 * std::erfc(z / std::sqrt(2.0));
  }
  std::sort(slopes.begin(), slopes.end());
  if (!slopes.empty()) {
    fit.slope_per_s = Median(slopes);
    const double big_n = double(slopes.size());
    const double c = kZ99Two * std::sqrt(std::max(var, 0.0));
    const double m1 = (big_n - c) / 2, m2 = (big_n + c) / 2;
    auto at = [&](double k) {
      const long idx = std::clamp(long(std::lround(k)) - 1, 0L, long(slopes.size()) - 1);
      return slopes[size_t(idx)];
    };
    fit.lo_per_s = at(m1);
    fit.hi_per_s = at(m2 + 1);
  }
  const std::vector<SeriesPoint> second(p.begin() + long(p.size() / 2), p.end());
  fit.second_half_slope_per_s = SenSlope(second);
  return fit;
}

std::vector<ObservedFinding> TrendFindings(const std::vector<ServerSeries>& series,
                                           const std::vector<RunPhase>& phases,
                                           double run_duration_s) {
  std::vector<ObservedFinding> out;
  const double warmup_s = run_duration_s * 0.10;
  for (const ServerSeries& s : series) {
    const TrendRule* rule = nullptr;
    for (const TrendRule& r : kTrendRules) {
      if (s.name == r.series) rule = &r;
    }
    if (rule == nullptr) continue;
    std::vector<SeriesPoint> pts;
    for (const SeriesPoint& p : s.points) {
      if (p.t_s >= warmup_s) pts.push_back(p);
    }
    if (pts.size() < 20) continue;
    const TrendFit fit = FitTrend(pts);
    if (fit.span_s < 60) continue;
    const double rise = fit.slope_per_s * fit.span_s;
    const double floor = std::max(rule->min_abs, rule->min_rel * std::fabs(fit.level));
    if (!(fit.p_value < kAlpha && fit.lo_per_s > 0 && rise >= floor &&
          fit.second_half_slope_per_s >= 0.5 * fit.slope_per_s)) {
      continue;
    }
    ObservedFinding f;
    f.kind = "trend";
    f.onset_s = pts.front().t_s;
    f.end_s = pts.back().t_s;
    f.active_at_end = true;
    f.phase = PhaseAt(phases, f.onset_s);
    f.samples = fit.n;
    Finding& g = f.finding;
    g.id = std::string("trend.") + s.name;
    g.component = s.component;
    g.level = Level::kWarning;
    g.priority = 2;
    g.subject = s.subject;
    g.value = fit.slope_per_s * 60;
    const std::string p_text = fit.p_value < 0.001 ? "p < 0.001" : "p < 0.01";
    g.title = fmt::format("{} grows {} ({}, over {:.1f} min)", rule->what,
                          Rate(fit.slope_per_s, s.unit), p_text, fit.span_s / 60);
    g.evidence = fmt::format(
        "{}: Theil-Sen slope {} (99 % interval {} to {}), Mann-Kendall one-sided p = {:.2g}, "
        "{} points from {:.0f}s to {:.0f}s (the first 10 % of the run is warm-up and not "
        "fitted); second half {}; rise {:.3g} {} on a level of {:.3g}",
        s.name, Rate(fit.slope_per_s, s.unit), Rate(fit.lo_per_s, s.unit),
        Rate(fit.hi_per_s, s.unit), fit.p_value, fit.n, pts.front().t_s, pts.back().t_s,
        Rate(fit.second_half_slope_per_s, s.unit), rise, s.unit, fit.level);
    g.action = rule->action;
    g.runbook = "docs/runbooks/service.md#memory-growth";
    g.source =
        "ours: Theil-Sen / Mann-Kendall trend over the soak (seed 003: observe rising heap over "
        "soak)";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace vitals
