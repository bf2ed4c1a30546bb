#include "report/report_charts.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace vitals {
namespace {

// Bands for the time charts: one per phase span, unless the run had a single unnamed phase.
std::vector<ChartBand> PhaseBands(const ReportData& d) {
  std::vector<ChartBand> bands;
  for (const PhaseSpan& p : d.phase_spans) bands.push_back({p.start_s, p.end_s, p.name});
  if (bands.size() == 1 && bands[0].label.empty()) bands.clear();
  return bands;
}

ChartAxis TimeAxis(const ReportData& d) {
  ChartAxis x;
  x.title = "time since start";
  x.format = AxisSeconds;
  x.has_include = true;
  x.include_min = 0;
  x.include_max = 0;
  if (!d.timeline.empty()) x.include_max = d.timeline.back().start_s + d.timeline.back().length_s;
  return x;
}

double Mid(const TimelinePoint& p) { return p.start_s + p.length_s / 2; }

}  // namespace

std::string AxisDurationUs(double us) {
  if (us < 1000) return fmt::format("{:g}us", us);
  if (us < 1'000'000) return fmt::format("{:g}ms", std::round(us / 1000 * 1000) / 1000);
  return fmt::format("{:g}s", std::round(us / 1'000'000 * 1000) / 1000);
}

std::string AxisSeconds(double s) {
  if (s < 120 || std::fmod(s, 60) > 1e-6 * std::max(1.0, s)) {
    if (s >= 120) {
      const int m = int(s / 60);
      return fmt::format("{}m{:g}s", m, std::round((s - m * 60) * 10) / 10);
    }
    return fmt::format("{:g}s", s);
  }
  return fmt::format("{:g}m", s / 60);
}

std::string AxisPercentileOdds(double odds) {
  if (odds <= 1) return "0%";
  const double p = 100 * (1 - 1 / odds);
  // Enough decimals to tell 99.9% from 99.99%.
  const int decimals = std::max(0, int(std::ceil(std::log10(odds) - 1e-9)) - 2);
  return fmt::format("{:.{}f}%", p, decimals);
}

Chart LatencyOverTimeChart(const ReportData& d) {
  Chart c;
  c.id = "chart-latency";
  c.title = "Latency over time (corrected solid, uncorrected dashed)";
  c.x = TimeAxis(d);
  c.bands = PhaseBands(d);
  for (const AlertSpan& a : d.alert_spans) {
    c.bands.push_back({a.start_s, a.end_s, "firing: " + a.alert + " " + a.labels, true});
  }
  bool uncorrected = !d.timeline.empty();
  double lo = INFINITY, hi = 0;
  for (const TimelinePoint& p : d.timeline) {
    uncorrected = uncorrected && p.has_uncorrected;
    if (p.requests == 0 || !p.has_latency) continue;
    for (double v : {p.p50_us, p.p99_us, p.u_p50_us, p.u_p99_us}) {
      if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  }
  struct Def {
    const char* name;
    double TimelinePoint::*field;
    int color;
    bool dashed;
  };
  std::vector<Def> defs = {{"p50 corrected", &TimelinePoint::p50_us, 0, false},
                           {"p95 corrected", &TimelinePoint::p95_us, 1, false},
                           {"p99 corrected", &TimelinePoint::p99_us, 2, false}};
  if (uncorrected) {
    defs.push_back({"p50 uncorrected", &TimelinePoint::u_p50_us, 0, true});
    defs.push_back({"p95 uncorrected", &TimelinePoint::u_p95_us, 1, true});
    defs.push_back({"p99 uncorrected", &TimelinePoint::u_p99_us, 2, true});
  }
  for (const Def& def : defs) {
    ChartSeries s;
    s.name = def.name;
    s.color = def.color;
    s.dashed = def.dashed;
    for (const TimelinePoint& p : d.timeline) {
      if (p.requests > 0 && p.has_latency) s.points.push_back({Mid(p), p.*def.field});
    }
    c.series.push_back(std::move(s));
  }
  c.y.format = AxisDurationUs;
  c.y.log = hi > 0 && lo > 0 && hi / lo > 50;
  c.y.title = c.y.log ? "latency (log scale)" : "latency";
  if (!c.y.log) {
    c.y.has_include = true;  // a linear latency axis starts at 0
  }
  return c;
}

Chart ThroughputChart(const ReportData& d) {
  Chart c;
  c.id = "chart-throughput";
  c.title = "Throughput and errors over time";
  c.x = TimeAxis(d);
  c.bands = PhaseBands(d);
  ChartSeries rate{"requests/s", 0, false, true, {}};
  ChartSeries errors{"errors/s", 2, false, false, {}};
  for (const TimelinePoint& p : d.timeline) {
    const double len = p.length_s > 0 ? p.length_s : 1;
    rate.points.push_back({Mid(p), double(p.requests) / len});
    errors.points.push_back({Mid(p), double(p.errors) / len});
  }
  c.series = {std::move(rate), std::move(errors)};
  c.y.title = "per second";
  c.y.has_include = true;
  return c;
}

Chart PercentileDistributionChart(const ReportData& d) {
  Chart c;
  c.id = "chart-distribution";
  c.title = "Latency distribution (HdrHistogram percentile plot)";
  c.x.title = "percentile";
  c.x.log = true;
  c.y.log = true;
  c.y.title = "latency (log scale)";
  c.y.format = AxisDurationUs;
  double max_odds = 10;
  const struct {
    const char* name;
    const Histogram* h;
    int color;
    bool dashed;
  } defs[] = {{"corrected", &d.result.latency_corrected, 2, false},
              {"uncorrected", &d.result.latency_uncorrected, 0, true}};
  for (const auto& def : defs) {
    ChartSeries s;
    s.name = def.name;
    s.color = def.color;
    s.dashed = def.dashed;
    for (const Histogram::PercentilePoint& p : def.h->PercentileIteration(5)) {
      if (p.percentile >= 100) continue;  // 1/(1-p) is infinite there
      const double odds = 1 / (1 - p.percentile / 100);
      // A value recorded as 0 cannot sit on a log axis; show it at 1 us.
      s.points.push_back({odds, double(std::max<int64_t>(p.value, 1))});
      max_odds = std::max(max_odds, odds);
    }
    c.series.push_back(std::move(s));
  }
  const int decades = std::min(7, int(std::ceil(std::log10(max_odds) - 1e-9)));
  for (int e = 0; e <= decades; ++e) {
    const double odds = std::pow(10.0, e);
    c.x.ticks.push_back({odds, AxisPercentileOdds(odds)});
  }
  return c;
}

Chart NoiseDelayChart(const ReportData& d) {
  Chart c;
  c.id = "chart-noise-delay";
  c.title = "Load generator noise: how late its loop ran (sched delay p99) and sent (send lag p99)";
  c.x = TimeAxis(d);
  c.bands = PhaseBands(d);
  ChartSeries sched{"sched delay p99", 3, false, false, {}};
  ChartSeries lag{"send lag p99", 4, true, false, {}};
  for (const NoiseInterval& n : d.result.noise) {
    const double mid = n.start_s + n.length_s / 2;
    if (std::isfinite(n.sched_delay_p99_us)) sched.points.push_back({mid, n.sched_delay_p99_us});
    if (std::isfinite(n.send_lag_p99_us)) lag.points.push_back({mid, n.send_lag_p99_us});
  }
  c.series.push_back(std::move(sched));
  if (!lag.points.empty()) c.series.push_back(std::move(lag));
  c.y.title = "delay";
  c.y.format = AxisDurationUs;
  c.y.has_include = true;
  return c;
}

Chart NoiseCpuChart(const ReportData& d) {
  Chart c;
  c.id = "chart-noise-cpu";
  c.title = "Machine: CPU pressure (some task waiting), steal and the generator's CPU";
  c.x = TimeAxis(d);
  c.bands = PhaseBands(d);
  ChartSeries psi{"CPU pressure %", 2, false, true, {}};
  ChartSeries steal{"steal %", 5, true, false, {}};
  ChartSeries gen{"generator CPU %", 0, false, false, {}};
  for (const NoiseInterval& n : d.result.noise) {
    const double mid = n.start_s + n.length_s / 2;
    if (std::isfinite(n.psi_cpu_pct)) psi.points.push_back({mid, n.psi_cpu_pct});
    if (std::isfinite(n.steal_pct)) steal.points.push_back({mid, n.steal_pct});
    if (std::isfinite(n.gen_cpu_pct)) gen.points.push_back({mid, n.gen_cpu_pct});
  }
  c.series = {std::move(psi), std::move(steal), std::move(gen)};
  c.y.title = "percent";
  c.y.has_include = true;
  return c;
}

}  // namespace vitals
