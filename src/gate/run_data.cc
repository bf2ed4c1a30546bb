#include "gate/run_data.h"

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "load/result.h"

namespace vitals::gate {
namespace {

using nlohmann::json;

// The scenario block `vitals load` writes into the run's config (or a result JSON's top
// level); a missing or malformed block leaves both strings empty: "not recorded".
void ReadScenario(const json& doc, RunData* r) {
  if (!doc.is_object()) return;
  auto it = doc.find("scenario");
  if (it == doc.end() || !it->is_object()) return;
  if (auto n = it->find("name"); n != it->end() && n->is_string()) r->scenario_name = *n;
  if (auto f = it->find("fingerprint"); f != it->end() && f->is_string()) {
    r->scenario_fingerprint = *f;
  }
}

double Num(const json& obj, const char* key, double fallback = 0) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<double>() : fallback;
}

bool IsRegularFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// A result JSON interval: latencies either in a "latency_us" object or flat ("p95_us" or
// "p95"), so that both the store's summary shape and the result shape read the same.
IntervalPoint IntervalFromJson(const json& j) {
  IntervalPoint p;
  if (auto it = j.find("phase"); it != j.end() && it->is_string()) p.phase = *it;
  p.length_s = Num(j, "length_s", 1);
  p.requests = uint64_t(Num(j, "requests"));
  p.errors = uint64_t(Num(j, "errors"));
  const json* lat = &j;
  if (auto it = j.find("latency_us"); it != j.end() && it->is_object()) lat = &*it;
  auto get = [&](const char* key) {
    const std::string with_unit = std::string(key) + "_us";
    return Num(*lat, key, Num(*lat, with_unit.c_str()));
  };
  p.p50_us = get("p50");
  p.p95_us = get("p95");
  p.p99_us = get("p99");
  p.mean_us = get("mean");
  p.start_s = Num(j, "start_s");
  return p;
}

double NumOrAbsent(const json& obj, const char* key) {
  return Num(obj, key, NoiseInterval::kAbsent);
}

NoiseInterval NoiseFromJson(const json& j) {
  NoiseInterval n;
  n.start_s = Num(j, "start_s");
  n.length_s = Num(j, "length_s", 1);
  n.probes = uint64_t(Num(j, "probes"));
  n.sched_delay_p99_us = NumOrAbsent(j, "sched_delay_p99_us");
  n.sched_delay_max_us = NumOrAbsent(j, "sched_delay_max_us");
  n.send_lag_p99_us = NumOrAbsent(j, "send_lag_p99_us");
  n.gen_cpu_pct = NumOrAbsent(j, "gen_cpu_pct");
  n.steal_pct = NumOrAbsent(j, "steal_pct");
  n.psi_cpu_pct = NumOrAbsent(j, "psi_cpu_pct");
  n.runnable_per_cpu = NumOrAbsent(j, "runnable_per_cpu");
  return n;
}

// Copies each interval's noise figures onto the points of the same start (every phase of it).
void AttachNoise(RunData* r) {
  std::map<double, const NoiseInterval*> by_start;
  for (const NoiseInterval& n : r->noise) by_start[n.start_s] = &n;
  for (IntervalPoint& p : r->intervals) {
    auto it = by_start.find(p.start_s);
    if (it == by_start.end()) continue;
    p.sched_delay_p99_us = it->second->sched_delay_p99_us;
    p.psi_cpu_pct = it->second->psi_cpu_pct;
  }
}

}  // namespace

const ScopeData* RunData::Phase(const std::string& name) const {
  for (const ScopeData& p : phases) {
    if (p.phase == name) return &p;
  }
  return nullptr;
}

void FillLatencyFromHistogram(ScopeData* scope) {
  if (!scope->latency) return;
  const LatencySummary s = LatencySummary::From(*scope->latency);
  scope->p50_us = s.p50;
  scope->p95_us = s.p95;
  scope->p99_us = s.p99;
  scope->mean_us = s.mean;
}

RunData FromStoredRun(const StoredRun& run, const std::string& label) {
  RunData r;
  r.id = run.info.id;
  r.label = label;
  r.tags = run.info.tags;
  r.started_unix_ms = run.info.started_unix_ms;
  r.server_series = run.series;
  ReadScenario(json::parse(run.config_json, nullptr, false), &r);
  ScopeData& all = r.overall;
  all.requests = run.info.requests;
  all.errors = run.info.errors;
  all.duration_s = run.info.duration_s;
  all.error_rate = run.info.error_rate;
  all.rate_per_s = run.info.rate_achieved;
  all.latency = run.latency_corrected;
  FillLatencyFromHistogram(&all);
  for (const PhaseResult& p : run.phases) {
    ScopeData s;
    s.phase = p.name;
    s.requests = p.requests;
    s.errors = p.errors;
    s.duration_s = p.duration_s;
    s.error_rate = p.requests ? double(p.errors) / double(p.requests) : 0;
    s.rate_per_s = p.duration_s > 0 ? double(p.requests) / p.duration_s : 0;
    s.latency = p.latency_corrected;
    FillLatencyFromHistogram(&s);
    r.phases.push_back(std::move(s));
  }
  for (const IntervalSummary& i : run.interval_summaries) {
    if (!i.request.empty()) continue;
    IntervalPoint p{i.phase,  i.length_s, i.requests, i.errors,
                    i.p50_us, i.p95_us,   i.p99_us,   i.mean_us};
    p.start_s = i.start_s;
    r.intervals.push_back(p);
  }
  r.noise = run.noise;
  AttachNoise(&r);
  return r;
}

Result<RunData> FromResultJson(const std::string& json_text, const std::string& file) {
  json doc = json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument(fmt::format(
        "{}: not a result JSON document (expected the object `vitals load --json FILE` writes)",
        file));
  }
  for (const char* key : {"latency_us", "requests", "error_rate", "rate"}) {
    if (!doc.contains(key)) {
      return Status::InvalidArgument(fmt::format(
          "{}: result JSON lacks \"{}\" (docs/result-json.md lists the keys; write it with "
          "`vitals load --json FILE`)",
          file, key));
    }
  }
  RunData r;
  r.from_json_file = true;
  r.label = file;
  if (auto it = doc.find("run_id"); it != doc.end() && it->is_string()) r.id = *it;
  if (r.id.empty()) r.id = file;
  r.started_unix_ms = int64_t(Num(doc, "started_unix_ms"));
  ReadScenario(doc, &r);
  if (auto it = doc.find("config"); it != doc.end()) ReadScenario(*it, &r);
  if (auto it = doc.find("tags"); it != doc.end() && it->is_object()) {
    for (auto& [k, v] : it->items()) {
      if (v.is_string()) r.tags.emplace_back(k, v.get<std::string>());
    }
  }
  auto scope_from = [](const json& j, std::string phase) {
    ScopeData s;
    s.phase = std::move(phase);
    s.requests = uint64_t(Num(j, "requests"));
    s.errors = uint64_t(Num(j, "errors"));
    s.duration_s = Num(j, "duration_s");
    const json& lat = j.contains("latency_us") ? j["latency_us"] : json();
    s.p50_us = Num(lat, "p50");
    s.p95_us = Num(lat, "p95");
    s.p99_us = Num(lat, "p99");
    s.mean_us = Num(lat, "mean");
    s.error_rate = s.requests ? double(s.errors) / double(s.requests) : 0;
    s.rate_per_s = s.duration_s > 0 ? double(s.requests) / s.duration_s : 0;
    return s;
  };
  r.overall = scope_from(doc, "");
  r.overall.error_rate = Num(doc, "error_rate");
  r.overall.rate_per_s = Num(doc["rate"], "achieved", r.overall.rate_per_s);
  if (auto it = doc.find("phases"); it != doc.end() && it->is_array()) {
    for (const json& p : *it) {
      if (!p.is_object() || !p.contains("name") || !p["name"].is_string()) continue;
      r.phases.push_back(scope_from(p, p["name"].get<std::string>()));
    }
  }
  auto iv = doc.find("intervals");
  r.has_intervals = iv != doc.end() && iv->is_array();
  if (r.has_intervals) {
    for (const json& j : *iv) {
      if (!j.is_object()) continue;
      if (auto req = j.find("request");
          req != j.end() && req->is_string() && !req->get<std::string>().empty()) {
        continue;
      }
      r.intervals.push_back(IntervalFromJson(j));
    }
  }
  if (auto it = doc.find("noise"); it != doc.end() && it->is_array()) {
    for (const json& j : *it) {
      if (j.is_object()) r.noise.push_back(NoiseFromJson(j));
    }
  }
  AttachNoise(&r);
  return r;
}

Result<RunData> LoadRun(Store* store, const std::string& name) {
  const bool looks_like_file = name.size() > 5 && name.substr(name.size() - 5) == ".json";
  if (looks_like_file || (name.find('/') != std::string::npos && IsRegularFile(name))) {
    std::ifstream in(name, std::ios::binary);
    if (!in) {
      return Status::NotFound(fmt::format(
          "result JSON file '{}' cannot be read (does it exist?); write one with `vitals load "
          "URL --json {}` or name a stored run instead",
          name, name));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return FromResultJson(ss.str(), name);
  }
  if (store == nullptr) {
    return Status::InvalidArgument(
        fmt::format("run '{}': no run store is open; give a result JSON file or --store", name));
  }
  auto run = store->GetRun(name);
  if (!run.ok()) {
    if (run.status().code() != Status::Code::kNotFound) return run.status();
    return Status::NotFound(run.status().message() +
                            "; compare and gate also accept a result JSON file (vitals load "
                            "--json FILE)");
  }
  // An interrupted run has a whole result; it is used only when named (never `latest`).
  if (run->info.status != RunStatus::kCompleted && run->info.status != RunStatus::kInterrupted) {
    return Status::InvalidArgument(fmt::format(
        "run {} is {}: compare and gate use completed runs, and interrupted runs named by id "
        "(see `vitals runs show {}`)",
        run->info.id, run->info.DisplayStatus(), run->info.id));
  }
  return FromStoredRun(*run, name);
}

Result<RunData> PoolRuns(const std::vector<RunData>& runs, const std::string& label) {
  if (runs.empty()) {
    return Status::InvalidArgument(fmt::format("group '{}' has no completed runs", label));
  }
  RunData g;
  g.label = label;
  g.id = label;
  g.runs = 0;
  g.scenario_name = runs.front().scenario_name;
  g.scenario_fingerprint = runs.front().scenario_fingerprint;
  g.has_intervals = true;
  auto add_scope = [](ScopeData* into, const ScopeData& from) {
    into->requests += from.requests;
    into->errors += from.errors;
    into->duration_s += from.duration_s;
    if (!from.latency) {
      into->latency.reset();
      return false;
    }
    if (into->latency && !into->latency->Add(*from.latency).ok()) into->latency.reset();
    return true;
  };
  std::map<std::string, size_t> phase_index;
  bool first = true;
  for (const RunData& r : runs) {
    g.runs += r.runs;
    g.has_intervals = g.has_intervals && r.has_intervals;
    if (first) {
      g.overall.latency = r.overall.latency ? std::optional<Histogram>(Histogram()) : std::nullopt;
    }
    add_scope(&g.overall, r.overall);
    for (const ScopeData& p : r.phases) {
      auto [it, inserted] = phase_index.emplace(p.phase, g.phases.size());
      if (inserted) {
        ScopeData s;
        s.phase = p.phase;
        if (p.latency) s.latency = Histogram();
        g.phases.push_back(std::move(s));
      }
      add_scope(&g.phases[it->second], p);
    }
    g.intervals.insert(g.intervals.end(), r.intervals.begin(), r.intervals.end());
    g.noise.insert(g.noise.end(), r.noise.begin(), r.noise.end());
    first = false;
  }
  auto finish = [](ScopeData* s) {
    s->error_rate = s->requests ? double(s->errors) / double(s->requests) : 0;
    s->rate_per_s = s->duration_s > 0 ? double(s->requests) / s->duration_s : 0;
    FillLatencyFromHistogram(s);
  };
  finish(&g.overall);
  for (ScopeData& p : g.phases) finish(&p);
  return g;
}

std::string DescribeScenario(const RunData& r) {
  if (r.scenario_fingerprint.empty()) return "an unrecorded scenario";
  return fmt::format("scenario '{}' (fingerprint {})",
                     r.scenario_name.empty() ? "?" : r.scenario_name, r.scenario_fingerprint);
}

Status CheckSameScenario(const RunData& a, const RunData& b) {
  if (a.scenario_fingerprint.empty() || b.scenario_fingerprint.empty()) return Status::Ok();
  if (a.scenario_fingerprint == b.scenario_fingerprint) return Status::Ok();
  return Status::InvalidArgument(fmt::format(
      "different scenarios: {} ran {} but {} ran {}; a comparison across scenarios measures the "
      "scenario change, not a regression: compare runs of the same scenario, or pass --force if "
      "that is what you mean",
      a.label, DescribeScenario(a), b.label, DescribeScenario(b)));
}

}  // namespace vitals::gate
