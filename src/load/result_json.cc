#include <cmath>

#include <nlohmann/json.hpp>

#include "core/hdr_log.h"
#include "load/result.h"

namespace vitals {

LatencySummary LatencySummary::From(const Histogram& h) {
  LatencySummary s;
  s.count = uint64_t(h.TotalCount());
  if (s.count == 0) return s;
  s.p50 = double(h.ValueAtPercentile(50));
  s.p90 = double(h.ValueAtPercentile(90));
  s.p95 = double(h.ValueAtPercentile(95));
  s.p99 = double(h.ValueAtPercentile(99));
  s.p999 = double(h.ValueAtPercentile(99.9));
  s.max = double(h.Max());
  s.min = double(h.Min());
  s.mean = h.Mean();
  s.stddev = h.Stddev();
  return s;
}

namespace {

// Nothing recorded (every request failed): the count is 0 and every figure is null, never
// a latency of 0.
nlohmann::json LatencyJson(const Histogram& h) {
  LatencySummary s = LatencySummary::From(h);
  if (s.count == 0) {
    nlohmann::json j = {{"count", 0}};
    for (const char* k : {"p50", "p90", "p95", "p99", "p999", "max", "min", "mean", "stddev"}) {
      j[k] = nullptr;
    }
    return j;
  }
  return {{"count", s.count}, {"p50", s.p50},      {"p90", s.p90}, {"p95", s.p95},
          {"p99", s.p99},     {"p999", s.p999},    {"max", s.max}, {"min", s.min},
          {"mean", s.mean},   {"stddev", s.stddev}};
}

// Intervals: the percentiles charts and compare read, without the rarer keys.
nlohmann::json IntervalLatencyJson(const Histogram& h) {
  if (h.TotalCount() == 0) return nullptr;
  return {{"p50", double(h.ValueAtPercentile(50))},
          {"p90", double(h.ValueAtPercentile(90))},
          {"p95", double(h.ValueAtPercentile(95))},
          {"p99", double(h.ValueAtPercentile(99))},
          {"max", double(h.Max())},
          {"mean", h.Mean()}};
}

nlohmann::json Finite(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

nlohmann::json NoiseSummaryJson(const NoiseSummary& s) {
  return {{"verdict", NoiseVerdict(s)},
          {"intervals", s.intervals},
          {"sched_delay_p99_us", Finite(s.sched_delay_p99_us)},
          {"sched_delay_max_us", Finite(s.sched_delay_max_us)},
          {"send_lag_p99_us", Finite(s.send_lag_p99_us)},
          {"gen_cpu_pct", Finite(s.gen_cpu_pct)},
          {"steal_pct", Finite(s.steal_pct)},
          {"psi_cpu_pct", Finite(s.psi_cpu_pct)},
          {"runnable_per_cpu", Finite(s.runnable_per_cpu)}};
}

nlohmann::json NoiseIntervalJson(const NoiseInterval& n) {
  return {{"start_s", n.start_s},
          {"length_s", n.length_s},
          {"probes", n.probes},
          {"sched_delay_p99_us", Finite(n.sched_delay_p99_us)},
          {"sched_delay_max_us", Finite(n.sched_delay_max_us)},
          {"send_lag_p99_us", Finite(n.send_lag_p99_us)},
          {"gen_cpu_pct", Finite(n.gen_cpu_pct)},
          {"steal_pct", Finite(n.steal_pct)},
          {"psi_cpu_pct", Finite(n.psi_cpu_pct)},
          {"runnable_per_cpu", Finite(n.runnable_per_cpu)}};
}

// The exact histograms of a segment's result (V2 compressed, base64), for `vitals merge`.
nlohmann::json HdrJson(const Histogram& corrected, const Histogram& uncorrected) {
  return {{"latency_us", EncodeCompressedV2(corrected)},
          {"latency_uncorrected_us", EncodeCompressedV2(uncorrected)}};
}

}  // namespace

const char* ResultStatus(const LoadResult& r) {
  if (!r.failure.empty()) return "failed";
  return r.stopped_by_caller ? "interrupted" : "completed";
}

std::string ToJson(const LoadResult& r, int indent) {
  nlohmann::json j;
  j["run_id"] = r.run_id;
  j["target"] = r.target;
  j["method"] = r.method;
  j["model"] = r.model;
  j["threads"] = r.threads;
  j["started_unix_ms"] = r.started_unix_ms;
  j["duration_s"] = r.duration_s;
  j["planned_s"] = r.planned_s;
  j["status"] = ResultStatus(r);
  if (!r.failure.empty()) j["failure"] = r.failure;
  j["interrupted"] = r.interrupted;
  j["requests"] = r.requests;
  j["completed"] = r.completed;
  j["errors"] = r.errors;
  j["error_rate"] = r.error_rate;
  j["rate"] = {{"asked", r.rate_asked}, {"achieved", r.rate_achieved}};
  j["late_sends"] = r.late_sends;
  j["dropped"] = r.dropped;
  j["latency_us"] = LatencyJson(r.latency_corrected);
  j["latency_uncorrected_us"] = LatencyJson(r.latency_uncorrected);
  j["timing_us"] = {{"connect", LatencyJson(r.connect_time)},
                    {"ttfb", LatencyJson(r.ttfb)},
                    {"send_lag", LatencyJson(r.send_lag)}};
  if (r.tls) {
    j["tls_handshake_us"] = LatencyJson(r.tls_handshake);
    j["tls_handshakes"] = {{"full", r.tls_full}, {"resumed", r.tls_resumed}};
    if (!r.tls_session.empty()) j["tls_session"] = r.tls_session;
  }
  if (r.http2) {
    j["http2"] = {{"streams", r.streams},
                  {"goaways", r.h2_goaways},
                  {"streams_retried", r.h2_streams_retried}};
  }
  j["connections"] = {{"asked", r.connections},         {"max", r.max_connections},
                      {"opened", r.connections_opened}, {"failed", r.connections_failed},
                      {"max_inflight", r.max_inflight}, {"pipeline", r.pipeline}};
  if (!r.pipeline_timing.empty()) j["connections"]["pipeline_timing"] = r.pipeline_timing;
  nlohmann::json codes = nlohmann::json::object();
  for (const auto& [code, n] : r.status_codes) codes[std::to_string(code)] = n;
  j["status_codes"] = codes;
  nlohmann::json kinds = nlohmann::json::object();
  for (const auto& [kind, n] : r.errors_by_kind) kinds[kind] = n;
  j["errors_by_kind"] = kinds;
  if (!r.error_details.empty()) {
    nlohmann::json details = nlohmann::json::object();
    for (const auto& [kind, text] : r.error_details) details[kind] = text;
    j["error_details"] = details;
  }
  j["bytes"] = {{"read", r.bytes_read}, {"written", r.bytes_written}};
  nlohmann::json phases = nlohmann::json::array();
  const bool segment = r.segment_count > 1;
  for (const PhaseResult& p : r.phases) {
    phases.push_back({{"name", p.name},
                      {"duration_s", p.duration_s},
                      {"level_start", p.level_start},
                      {"level_end", p.level_end},
                      {"model", p.model},
                      {"requests", p.requests},
                      {"errors", p.errors},
                      {"dropped", p.dropped},
                      {"latency_us", LatencyJson(p.latency_corrected)},
                      {"latency_uncorrected_us", LatencyJson(p.latency_uncorrected)}});
    if (segment) phases.back()["hdr"] = HdrJson(p.latency_corrected, p.latency_uncorrected);
  }
  j["phases"] = phases;
  nlohmann::json intervals = nlohmann::json::array();
  for (const IntervalSample& x : r.intervals) {
    intervals.push_back({{"start_s", x.start_s},
                         {"length_s", x.length_s},
                         {"phase", x.phase},
                         {"request", x.request},
                         {"requests", x.requests},
                         {"errors", x.errors},
                         {"rate", x.length_s > 0 ? double(x.requests) / x.length_s : 0.0},
                         {"latency_us", IntervalLatencyJson(x.latency_corrected)},
                         {"latency_uncorrected_us", IntervalLatencyJson(x.latency_uncorrected)}});
    if (segment) intervals.back()["hdr"] = HdrJson(x.latency_corrected, x.latency_uncorrected);
  }
  j["intervals"] = intervals;
  nlohmann::json noise = nlohmann::json::array();
  for (const NoiseInterval& n : r.noise) noise.push_back(NoiseIntervalJson(n));
  j["noise"] = noise;
  j["environment"] = NoiseSummaryJson(SummarizeNoise(r.noise));
  if (!r.noise_note.empty()) j["environment"]["note"] = r.noise_note;
  j["thresholds"] = nlohmann::json::array();
  if (!r.thresholds_json.empty()) {
    auto t = nlohmann::json::parse(r.thresholds_json, nullptr, false);
    if (!t.is_discarded() && t.is_array()) j["thresholds"] = t;
  }
  if (!r.verdict.empty()) j["verdict"] = r.verdict;
  if (!r.aborted_by.empty()) j["aborted_by"] = r.aborted_by;
  if (!r.scenario_fingerprint.empty()) {
    j["scenario"] = {{"name", r.scenario_name}, {"fingerprint", r.scenario_fingerprint}};
  }
  nlohmann::json tags = nlohmann::json::object();
  for (const auto& [k, v] : r.tags) tags[k] = v;
  j["tags"] = tags;
  if (!r.segments.empty()) {
    nlohmann::json segs = nlohmann::json::array();
    for (const SegmentProvenance& p : r.segments) {
      segs.push_back({{"number", p.index + 1},
                      {"count", p.count},
                      {"run_id", p.run_id},
                      {"host", p.host},
                      {"status", p.status},
                      {"requests", p.requests},
                      {"errors", p.errors},
                      {"planned_requests", p.planned_requests}});
      if (p.joined_unix_ms) segs.back()["joined_unix_ms"] = p.joined_unix_ms;
      if (p.left_unix_ms) segs.back()["left_unix_ms"] = p.left_unix_ms;
      if (p.lost) {
        segs.back()["lost"] = {{"at_s", p.lost_at_s}, {"reason", p.lost_reason}};
      }
    }
    j["segments"] = segs;
  }
  if (segment) {
    j["segment"] = {{"index", r.segment_index},
                    {"number", r.segment_index + 1},
                    {"count", r.segment_count},
                    {"host", r.segment_host},
                    {"planned_requests", r.planned_requests}};
    nlohmann::json hdr = HdrJson(r.latency_corrected, r.latency_uncorrected);
    hdr["connect_us"] = EncodeCompressedV2(r.connect_time);
    hdr["ttfb_us"] = EncodeCompressedV2(r.ttfb);
    hdr["send_lag_us"] = EncodeCompressedV2(r.send_lag);
    j["hdr"] = hdr;
  }
  return j.dump(indent);
}

}  // namespace vitals
