// Synthetic runs for report tests (unit and integration): LoadResults whose intervals hold
// latencies from a seeded generator, written into a store through the Store API.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "load/result.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals::testing {

struct SyntheticSpec {
  uint32_t seed = 1;
  int seconds = 12;
  uint64_t rate = 200;                                            // requests per 1 s interval
  std::vector<std::string> phases = {"ramp", "steady", "spike"};  // equal thirds
  std::vector<std::string> requests;  // named requests (each gets its own samples too)
  std::string target = "http://127.0.0.1:8080/api";
  double spike_factor = 8;  // latency multiplier in a phase named "spike"
};

// One interval: `n` latencies, log-normal around median_us, with a 1 % tail at 20x; the
// uncorrected latency is the corrected minus a random share of it (never above it).
inline IntervalSample SyntheticInterval(std::mt19937& rng, double start_s, uint64_t n,
                                        double median_us, const std::string& phase,
                                        const std::string& request = "") {
  std::lognormal_distribution<double> lat(std::log(median_us), 0.45);
  std::uniform_real_distribution<double> u(0, 1);
  IntervalSample s;
  s.start_s = start_s;
  s.length_s = 1;
  s.phase = phase;
  s.request = request;
  s.requests = n;
  for (uint64_t i = 0; i < n; ++i) {
    double v = lat(rng);
    if (u(rng) < 0.01) v *= 20;
    const auto c = int64_t(std::max(1.0, v));
    s.latency_corrected.Record(c);
    s.latency_uncorrected.Record(std::max<int64_t>(1, c - int64_t(u(rng) * 0.5 * double(c))));
    if (u(rng) < 0.02) ++s.errors;
  }
  return s;
}

inline LoadResult MakeSyntheticResult(const SyntheticSpec& spec) {
  std::mt19937 rng(spec.seed);
  LoadResult r = MakeResult(1, 1, 1000, spec.target);  // scalar fields; series rebuilt below
  r.intervals.clear();
  r.phases.clear();
  r.requests = r.errors = 0;
  r.latency_corrected = Histogram();
  r.latency_uncorrected = Histogram();
  r.duration_s = spec.seconds;
  r.planned_s = spec.seconds;
  r.rate_asked = double(spec.rate);
  const size_t nphases = std::max<size_t>(1, spec.phases.size());
  for (size_t p = 0; p < nphases; ++p) {
    PhaseResult phase;
    phase.name = spec.phases.empty() ? "main" : spec.phases[p];
    phase.level_start = p == 0 ? 0 : double(spec.rate);
    phase.level_end = double(spec.rate);
    r.phases.push_back(std::move(phase));
  }
  for (int i = 0; i < spec.seconds; ++i) {
    const size_t p = std::min(nphases - 1, size_t(i) * nphases / size_t(spec.seconds));
    PhaseResult& phase = r.phases[p];
    const double median = 1500.0 * (phase.name == "spike" ? spec.spike_factor : 1.0);
    IntervalSample all = SyntheticInterval(rng, i, spec.rate, median, phase.name);
    for (size_t q = 0; q < spec.requests.size(); ++q) {
      r.intervals.push_back(SyntheticInterval(rng, i, spec.rate / spec.requests.size() + 1,
                                              median * double(q + 1), phase.name,
                                              spec.requests[q]));
    }
    phase.duration_s += 1;
    phase.requests += all.requests;
    phase.errors += all.errors;
    (void)phase.latency_corrected.Add(all.latency_corrected);
    (void)phase.latency_uncorrected.Add(all.latency_uncorrected);
    r.requests += all.requests;
    r.errors += all.errors;
    (void)r.latency_corrected.Add(all.latency_corrected);
    (void)r.latency_uncorrected.Add(all.latency_uncorrected);
    r.intervals.push_back(std::move(all));
  }
  r.completed = r.requests - r.errors;
  r.error_rate = r.requests ? double(r.errors) / double(r.requests) : 0;
  r.rate_achieved = double(r.requests) / r.duration_s;
  r.status_codes = {{200, r.completed}, {503, r.errors}};
  r.errors_by_kind = {{"status_503", r.errors}, {"timeout", 3}};
  return r;
}

// Writes a completed run; returns its id ("" on failure, with the test failed by the caller's
// ASSERT on it).
inline std::string StoreCompletedRun(Store& store, const LoadResult& r, RunStart start,
                                     const std::string& thresholds_json = "",
                                     const std::string& verdict = "") {
  start.target = r.target;
  auto id = store.BeginRun(start);
  if (!id.ok()) return "";
  if (!store.CompleteRun(*id, r, thresholds_json, verdict).ok()) return "";
  return *id;
}

// Writes a run that never completes: BeginRun and its first `keep` intervals.
inline std::string StoreIncompleteRun(Store& store, const LoadResult& r, RunStart start,
                                      size_t keep) {
  start.target = r.target;
  auto id = store.BeginRun(start);
  if (!id.ok()) return "";
  std::vector<IntervalSample> part(r.intervals.begin(),
                                   r.intervals.begin() + std::min(keep, r.intervals.size()));
  if (!store.AppendIntervals(*id, part).ok()) return "";
  return *id;
}

// A threshold verdict array as `vitals load` stores it (load/thresholds.h ThresholdsJson).
inline std::string SampleThresholdsJson() {
  return R"json([
    {"expr": "p(95)<500ms", "ok": true, "value": 4200, "limit": 500000, "unit": "us",
     "message": "p(95) = 4.20ms (limit < 500ms)", "abort_on_fail": false},
    {"expr": "error_rate<1%", "ok": false, "value": 0.021, "limit": 0.01, "unit": "fraction",
     "message": "error_rate = 2.10% (limit < 1%)", "abort_on_fail": false},
    {"expr": "p(99)<20ms over 3s", "ok": false, "value": 31000, "limit": 20000, "unit": "us",
     "message": "p(99) = 31.0ms (limit < 20ms)", "abort_on_fail": false,
     "window": {"start_s": 8, "end_s": 11, "windows": 10, "failed": 3}}])json";
}

// The d attribute of every data path (<path class="data ..." ... d="...">) in `html`, in
// document order.  Plain string search: std::regex recurses per character and overflows the
// stack on paths of a few thousand points.
inline std::vector<std::string> DataPathsIn(const std::string& html) {
  std::vector<std::string> out;
  const std::string open = "<path class=\"data";
  for (size_t at = html.find(open); at != std::string::npos; at = html.find(open, at + 1)) {
    const size_t end = html.find('>', at);
    const size_t d = html.find(" d=\"", at);
    if (end == std::string::npos || d == std::string::npos || d > end) continue;
    const size_t close = html.find('"', d + 4);
    if (close == std::string::npos || close > end) continue;
    out.push_back(html.substr(d + 4, close - d - 4));
  }
  return out;
}

// ---- hostile input: every text a target or user controls tries to break out ----

inline SyntheticSpec HostileSpec() {
  SyntheticSpec spec;
  spec.seed = 7;
  spec.target = "http://127.0.0.1:8080/<script>alert(1)</script>?q=\"quotes\"&x='apos'</title>";
  spec.phases = {"<script>alert(2)</script>", "\"quotes\" & 'apos'",
                 "</title><img src=x onerror=alert(3)>"};
  spec.requests = {"<script>alert(4)</script>", "a|b\nc `tick` **bold**"};
  return spec;
}

inline RunStart HostileStart(int64_t started_unix_ms) {
  RunStart s = MakeStart(started_unix_ms);
  s.tags = {{"<script>k</script>", "\"v\" 'w' </title>"},
            {"commit", "<img src=x onerror=alert(5)>"},
            {"branch", "</style><script>alert(9)</script>"}};
  s.config_json = R"({"name": "<script>alert(10)</script>", "note": "</pre></details>"})";
  return s;
}

inline std::string HostileFindingsJson() {
  return R"json({"findings": [
    {"id": "postgres.slow_query", "component": "postgres", "level": "critical",
     "priority": "P1", "title": "<script>alert(6)</script> slow \"query\"",
     "subject": "</title><script>alert(11)</script>", "value": 2.5,
     "evidence": "SELECT * FROM t WHERE name = '<script>alert(7)</script>' AND a < b & c > d",
     "action": "Run:\n  EXPLAIN ANALYZE SELECT 1; -- \"quotes\" 'apos' | pipe",
     "runbook": "javascript:alert(8)", "source": "<b>seed</b>"},
    {"id": "host.cpu.busy", "component": "host", "level": "warning", "priority": "P3",
     "title": "CPU busy", "subject": "web-1", "evidence": "busy 91%",
     "action": "top", "runbook": "docs/runbooks/host.md#cpu-busy", "source": "seed 001"}],
   "summary": {"findings": 2}})json";
}

}  // namespace vitals::testing
