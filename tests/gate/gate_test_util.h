// Synthetic runs for the gate tests: seeded, per-interval latencies drawn from a lognormal
// around a base latency, stored through the real Store API (BeginRun / AppendIntervals /
// CompleteRun) so that compare / gate / history read exactly what `vitals load` would write.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "gate/run_data.h"
#include "load/result.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals::testing {

struct SynthRun {
  double base_us = 1000;  // median latency
  double sigma = 0.25;    // lognormal shape of single requests
  int seconds = 10;       // 1 s intervals
  int rate = 100;         // requests per interval
  double error_rate = 0;  // per request
  uint64_t seed = 1;
  std::vector<std::string> phases = {"steady"};  // intervals split evenly, in order
  std::string scenario = "url";
  std::string fingerprint = "00112233aabbccdd";
  std::vector<std::pair<std::string, std::string>> tags = {{"branch", "main"}};
  int64_t started_unix_ms = 1'700'000'000'000;
  // The generator's noise, one entry per interval (empty: the run did not measure it).
  std::vector<NoiseInterval> noise;
  // Intervals (by index) whose requests are all slower by the given microseconds: what a
  // CPU hog does to the latency of the seconds it runs in.
  std::vector<std::pair<int, double>> slow_intervals;
};

// A noise series of `seconds` intervals: sched delay p99 and CPU pressure as given, the
// intervals listed in `disturbed` with `disturbed_sched_us` and `disturbed_psi` instead.
inline std::vector<NoiseInterval> NoiseSeries(int seconds, double sched_us, double psi,
                                              const std::vector<int>& disturbed = {},
                                              double disturbed_sched_us = 0,
                                              double disturbed_psi = 0) {
  std::vector<NoiseInterval> out;
  for (int i = 0; i < seconds; ++i) {
    NoiseInterval n;
    n.start_s = i;
    n.probes = 200;
    const bool hit = std::find(disturbed.begin(), disturbed.end(), i) != disturbed.end();
    n.sched_delay_p99_us = hit ? disturbed_sched_us : sched_us + (i % 3) * 5;
    n.sched_delay_max_us = n.sched_delay_p99_us * 2;
    n.psi_cpu_pct = hit ? disturbed_psi : psi;
    n.gen_cpu_pct = 10;
    n.steal_pct = 0;
    out.push_back(n);
  }
  return out;
}

inline LoadResult MakeSynthResult(const SynthRun& s) {
  std::mt19937_64 rng(s.seed);
  std::lognormal_distribution<double> lat(std::log(s.base_us), s.sigma);
  std::bernoulli_distribution err(s.error_rate);
  LoadResult r;
  r.target = "http://127.0.0.1:8080/";
  r.method = "GET";
  r.model = "open";
  r.started_unix_ms = s.started_unix_ms;
  r.duration_s = s.seconds;
  r.planned_s = s.seconds;
  r.rate_asked = s.rate;
  const size_t per_phase = (size_t(s.seconds) + s.phases.size() - 1) / s.phases.size();
  for (const std::string& name : s.phases) {
    PhaseResult p;
    p.name = name;
    r.phases.push_back(std::move(p));
  }
  for (int i = 0; i < s.seconds; ++i) {
    IntervalSample iv;
    iv.start_s = i;
    iv.length_s = 1;
    PhaseResult& phase = r.phases[std::min(size_t(i) / per_phase, r.phases.size() - 1)];
    iv.phase = phase.name;
    double extra_us = 0;
    for (const auto& [index, us] : s.slow_intervals) {
      if (index == i) extra_us = us;
    }
    for (int k = 0; k < s.rate; ++k) {
      const auto v = int64_t(lat(rng) + extra_us);
      iv.latency_corrected.Record(v);
      iv.latency_uncorrected.Record(v);
      iv.errors += err(rng) ? 1 : 0;
    }
    iv.requests = uint64_t(s.rate);
    r.requests += iv.requests;
    r.errors += iv.errors;
    (void)r.latency_corrected.Add(iv.latency_corrected);
    (void)r.latency_uncorrected.Add(iv.latency_uncorrected);
    phase.requests += iv.requests;
    phase.errors += iv.errors;
    phase.duration_s += 1;
    (void)phase.latency_corrected.Add(iv.latency_corrected);
    (void)phase.latency_uncorrected.Add(iv.latency_uncorrected);
    r.intervals.push_back(std::move(iv));
  }
  r.completed = r.requests - r.errors;
  r.error_rate = r.requests ? double(r.errors) / double(r.requests) : 0;
  r.rate_achieved = double(r.requests) / r.duration_s;
  r.tags = s.tags;
  r.noise = s.noise;
  return r;
}

// Stores the run; returns its id (empty on failure, with ADD_FAILURE in the caller's test).
inline std::string StoreSynthRun(Store& store, const SynthRun& s) {
  RunStart start;
  start.target = "http://127.0.0.1:8080/";
  start.method = "GET";
  start.model = "open";
  start.config_json = fmt::format(R"({{"scenario": {{"name": "{}", "fingerprint": "{}"}}}})",
                                  s.scenario, s.fingerprint);
  if (s.fingerprint.empty()) start.config_json = "{}";
  start.tags = s.tags;
  start.started_unix_ms = s.started_unix_ms;
  start.env.vitals_version = "test";
  auto id = store.BeginRun(start);
  if (!id.ok()) return "";
  const LoadResult result = MakeSynthResult(s);
  if (!store.CompleteRun(*id, result, "", "").ok()) return "";
  return *id;
}

// Loads a stored run as RunData (label = id).
inline gate::RunData LoadSynth(Store& store, const std::string& id) {
  auto r = gate::LoadRun(&store, id);
  return r.ok() ? *r : gate::RunData{};
}

}  // namespace vitals::testing
