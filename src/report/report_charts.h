// The charts of the HTML report, built from ReportData (the data side; svg_chart.h draws):
//   * latency over time: p50 / p95 / p99, corrected (solid) and uncorrected (dashed), per
//     interval, with the phases as labelled bands; a log y axis when the values span more
//     than 50x (a stall would otherwise flatten everything else);
//   * throughput and errors over time: requests/s and errors/s per interval, phase bands;
//   * latency distribution: the HdrHistogram percentile plot of the whole run, corrected and
//     uncorrected; x is the percentile on the usual 1/(1-p) log axis (90%, 99%, 99.9%, ...),
//     y the latency on a log axis.
//   * load generator noise (load/noise.h): sched delay p99 and send lag p99 per interval;
//   * the machine: CPU pressure, steal and the generator's CPU share per interval.
// An uncorrected series is left out when the data has none (timeline read from summaries).
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "report/report_data.h"
#include "report/svg_chart.h"

namespace vitals {

Chart LatencyOverTimeChart(const ReportData& d);
Chart ThroughputChart(const ReportData& d);
Chart PercentileDistributionChart(const ReportData& d);
Chart NoiseDelayChart(const ReportData& d);
Chart NoiseCpuChart(const ReportData& d);

// Axis labels: "250us", "1.5ms", "2s"; "90s", "5m30s"; percentile odds 10 -> "90%".
std::string AxisDurationUs(double us);
std::string AxisSeconds(double s);
std::string AxisPercentileOdds(double odds);

}  // namespace vitals
