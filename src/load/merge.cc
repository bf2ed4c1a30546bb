#include "load/merge.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/hdr_log.h"

namespace vitals {
namespace {

using json = nlohmann::json;

// Defensive readers: a missing or mistyped key reads as the default (the checks that matter
// are explicit below), so no library exception leaves this file.
double Num(const json& j, const char* key, double def = 0) {
  if (!j.is_object()) return def;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : def;
}
uint64_t Count(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}
std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
const json& Sub(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it != j.end() ? *it : kNull;
}

// The V2 histograms of an "hdr" object into `corrected` / `uncorrected`.
Status ReadHdr(const json& hdr, const std::string& where, Histogram* corrected,
               Histogram* uncorrected) {
  for (auto [key, into] :
       {std::pair{"latency_us", corrected}, std::pair{"latency_uncorrected_us", uncorrected}}) {
    const std::string b64 = Str(hdr, key);
    if (b64.empty()) {
      return Status::InvalidArgument(fmt::format("{}: no \"hdr\".\"{}\" histogram", where, key));
    }
    auto h = DecodeCompressedV2(b64);
    if (!h.ok()) {
      return Status::InvalidArgument(
          fmt::format("{}: \"hdr\".\"{}\": {}", where, key, h.status().message()));
    }
    *into = std::move(h).value();
  }
  return Status::Ok();
}

Result<Histogram> ReadOne(const json& hdr, const char* key, const std::string& where) {
  const std::string b64 = Str(hdr, key);
  if (b64.empty()) return Histogram();
  auto h = DecodeCompressedV2(b64);
  if (!h.ok()) {
    return Status::InvalidArgument(
        fmt::format("{}: \"hdr\".\"{}\": {}", where, key, h.status().message()));
  }
  return h;
}

std::string MergedRunId(int64_t started_unix_ms) {
  std::random_device rd;
  time_t secs = time_t(started_unix_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}-{:04x}", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, rd() & 0xffff);
}

}  // namespace

Result<SegmentResult> SegmentFromJson(const std::string& text, const std::string& origin) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("run_id")) {
    return Status::InvalidArgument(fmt::format(
        "{}: not a vitals result JSON (write one with vitals load --json FILE)", origin));
  }
  const json& seg = Sub(doc, "segment");
  if (!seg.is_object() || !Sub(doc, "hdr").is_object()) {
    return Status::InvalidArgument(
        fmt::format("{}: not a segment result (no \"segment\" and \"hdr\"): only runs made with "
                    "vitals load --segment I/N carry the exact histograms a merge needs",
                    origin));
  }
  SegmentResult s;
  s.origin = origin;
  LoadResult& r = s.result;
  r.segment_index = int(Num(seg, "index", -1));
  r.segment_count = int(Num(seg, "count", 0));
  r.planned_requests = Count(seg, "planned_requests");
  r.segment_host = Str(seg, "host");
  if (r.segment_count < 1 || r.segment_index < 0 || r.segment_index >= r.segment_count) {
    return Status::InvalidArgument(fmt::format("{}: \"segment\" has no valid index/count", origin));
  }
  r.run_id = Str(doc, "run_id");
  r.target = Str(doc, "target");
  r.method = Str(doc, "method");
  r.model = Str(doc, "model");
  r.threads = int(Num(doc, "threads"));
  r.started_unix_ms = int64_t(Num(doc, "started_unix_ms"));
  r.duration_s = Num(doc, "duration_s");
  r.planned_s = Num(doc, "planned_s");
  const std::string status = Str(doc, "status");
  r.failure = status == "failed" ? Str(doc, "failure") : "";
  if (status == "failed" && r.failure.empty()) r.failure = "a segment failed";
  r.stopped_by_caller = status == "interrupted";
  r.interrupted = Sub(doc, "interrupted").is_boolean() && Sub(doc, "interrupted").get<bool>();
  r.requests = Count(doc, "requests");
  r.completed = Count(doc, "completed");
  r.errors = Count(doc, "errors");
  r.rate_asked = Num(Sub(doc, "rate"), "asked");
  r.rate_achieved = Num(Sub(doc, "rate"), "achieved");
  r.late_sends = Count(doc, "late_sends");
  r.dropped = Count(doc, "dropped");
  const json& conns = Sub(doc, "connections");
  r.connections = int(Num(conns, "asked"));
  r.max_connections = int(Num(conns, "max"));
  r.connections_opened = Count(conns, "opened");
  r.connections_failed = Count(conns, "failed");
  r.max_inflight = Count(conns, "max_inflight");
  r.pipeline = int(Num(conns, "pipeline", 1));
  r.pipeline_timing = Str(conns, "pipeline_timing");
  r.bytes_read = Count(Sub(doc, "bytes"), "read");
  r.bytes_written = Count(Sub(doc, "bytes"), "written");
  if (const json& codes = Sub(doc, "status_codes"); codes.is_object()) {
    for (const auto& [code, n] : codes.items()) {
      if (n.is_number_unsigned()) r.status_codes[std::atoi(code.c_str())] = n.get<uint64_t>();
    }
  }
  if (const json& kinds = Sub(doc, "errors_by_kind"); kinds.is_object()) {
    for (const auto& [kind, n] : kinds.items()) {
      if (n.is_number_unsigned()) r.errors_by_kind[kind] = n.get<uint64_t>();
    }
  }
  if (const json& d = Sub(doc, "error_details"); d.is_object()) {
    for (const auto& [kind, text] : d.items()) {
      if (text.is_string()) r.error_details[kind] = text.get<std::string>();
    }
  }
  const json& hdr = Sub(doc, "hdr");
  VITALS_RETURN_IF_ERROR(ReadHdr(hdr, origin, &r.latency_corrected, &r.latency_uncorrected));
  for (auto [key, into] : {std::pair{"connect_us", &r.connect_time}, std::pair{"ttfb_us", &r.ttfb},
                           std::pair{"send_lag_us", &r.send_lag}}) {
    auto h = ReadOne(hdr, key, origin);
    if (!h.ok()) return h.status();
    *into = std::move(h).value();
  }
  if (const json& phases = Sub(doc, "phases"); phases.is_array()) {
    for (const json& p : phases) {
      PhaseResult ph;
      ph.name = Str(p, "name");
      ph.duration_s = Num(p, "duration_s");
      ph.level_start = Num(p, "level_start");
      ph.level_end = Num(p, "level_end");
      ph.model = Str(p, "model");
      ph.requests = Count(p, "requests");
      ph.errors = Count(p, "errors");
      ph.dropped = Count(p, "dropped");
      VITALS_RETURN_IF_ERROR(ReadHdr(Sub(p, "hdr"), origin + " phase '" + ph.name + "'",
                                     &ph.latency_corrected, &ph.latency_uncorrected));
      r.phases.push_back(std::move(ph));
    }
  }
  if (const json& ivs = Sub(doc, "intervals"); ivs.is_array()) {
    for (const json& x : ivs) {
      IntervalSample is;
      is.start_s = Num(x, "start_s");
      is.length_s = Num(x, "length_s");
      is.phase = Str(x, "phase");
      is.request = Str(x, "request");
      is.requests = Count(x, "requests");
      is.errors = Count(x, "errors");
      VITALS_RETURN_IF_ERROR(ReadHdr(Sub(x, "hdr"),
                                     fmt::format("{} interval at {:.3f} s", origin, is.start_s),
                                     &is.latency_corrected, &is.latency_uncorrected));
      r.intervals.push_back(std::move(is));
    }
  }
  if (const json& tags = Sub(doc, "tags"); tags.is_object()) {
    for (const auto& [k, v] : tags.items()) {
      if (v.is_string()) r.tags.emplace_back(k, v.get<std::string>());
    }
  }
  r.scenario_name = Str(Sub(doc, "scenario"), "name");
  r.scenario_fingerprint = Str(Sub(doc, "scenario"), "fingerprint");
  if (const json& ts = Sub(doc, "thresholds"); ts.is_array()) {
    for (const json& t : ts) {
      if (std::string e = Str(t, "expr"); !e.empty()) s.threshold_exprs.push_back(e);
    }
  }
  return s;
}

Status AddIntervalInto(IntervalSample* into, const IntervalSample& x) {
  into->length_s = std::max(into->length_s, x.length_s);
  into->requests += x.requests;
  into->errors += x.errors;
  VITALS_RETURN_IF_ERROR(AddInto(&into->latency_corrected, x.latency_corrected));
  return AddInto(&into->latency_uncorrected, x.latency_uncorrected);
}

Result<LoadResult> MergeSegments(const std::vector<SegmentResult>& segments,
                                 const MergeOptions& options, std::vector<int>* missing_out) {
  if (segments.empty()) return Status::InvalidArgument("no segment results to merge");
  const LoadResult& first = segments.front().result;
  const std::string& first_origin = segments.front().origin;
  const int count = first.segment_count;
  std::map<int, const SegmentResult*> by_index;
  for (const SegmentResult& s : segments) {
    const LoadResult& r = s.result;
    if (r.segment_count != count) {
      return Status::InvalidArgument(
          fmt::format("{} is segment {}/{} but {} is of {} segments: not the segments of one plan",
                      s.origin, r.segment_index + 1, r.segment_count, first_origin, count));
    }
    if (r.scenario_fingerprint != first.scenario_fingerprint) {
      return Status::InvalidArgument(fmt::format(
          "{} ran another plan than {} (scenario fingerprints {} and {}): merge only the "
          "segments of one plan",
          s.origin, first_origin, r.scenario_fingerprint, first.scenario_fingerprint));
    }
    if (r.started_unix_ms != first.started_unix_ms) {
      return Status::InvalidArgument(fmt::format(
          "{} started at unix ms {} but {} at {}: segments must share one time zero; start "
          "them with the same --start-at TIME",
          s.origin, r.started_unix_ms, first_origin, first.started_unix_ms));
    }
    if (r.phases.size() != first.phases.size()) {
      return Status::InvalidArgument(fmt::format("{} has {} phases but {} has {}", s.origin,
                                                 r.phases.size(), first_origin,
                                                 first.phases.size()));
    }
    if (auto [it, fresh] = by_index.emplace(r.segment_index, &s); !fresh) {
      return Status::InvalidArgument(fmt::format("segment {}/{} is given twice: {} and {}",
                                                 r.segment_index + 1, count, it->second->origin,
                                                 s.origin));
    }
  }
  std::vector<int> missing_indexes;
  std::string missing;
  for (int i = 0; i < count; ++i) {
    if (by_index.count(i)) continue;
    missing_indexes.push_back(i);
    missing += fmt::format("{}{}/{}", missing.empty() ? "" : ", ", i + 1, count);
  }
  if (!missing_indexes.empty() && !options.allow_missing) {
    return Status::InvalidArgument(fmt::format(
        "segment{} {} missing: a merge needs all {} segments of the plan (--allow-missing "
        "merges the others into a run marked partial)",
        missing_indexes.size() > 1 ? "s" : "", missing, count));
  }

  LoadResult m;
  m.run_id = MergedRunId(first.started_unix_ms);
  m.target = first.target;
  m.method = first.method;
  m.model = first.model;
  m.connections = first.connections;
  m.max_connections = first.max_connections;
  m.pipeline = first.pipeline;
  m.pipeline_timing = first.pipeline_timing;
  m.started_unix_ms = first.started_unix_ms;
  m.planned_s = first.planned_s;
  m.tags = first.tags;
  m.scenario_name = first.scenario_name;
  m.scenario_fingerprint = first.scenario_fingerprint;
  m.phases = first.phases;
  for (PhaseResult& p : m.phases) {
    p.requests = p.errors = p.dropped = 0;
    p.latency_corrected = Histogram();
    p.latency_uncorrected = Histogram();
  }
  // Intervals keyed by (start, phase position, request), in time order.
  std::map<std::string, int> phase_order;
  for (size_t i = 0; i < first.phases.size(); ++i) phase_order[first.phases[i].name] = int(i);
  std::map<std::tuple<double, int, std::string, std::string>, IntervalSample> slots;
  for (const auto& [index, s] : by_index) {
    const LoadResult& r = s->result;
    m.threads += r.threads;
    m.duration_s = std::max(m.duration_s, r.duration_s);
    m.requests += r.requests;
    m.completed += r.completed;
    m.errors += r.errors;
    m.rate_asked += r.rate_asked;
    m.rate_achieved += r.rate_achieved;
    m.late_sends += r.late_sends;
    m.dropped += r.dropped;
    m.connections_opened += r.connections_opened;
    m.connections_failed += r.connections_failed;
    m.max_inflight += r.max_inflight;
    m.bytes_read += r.bytes_read;
    m.bytes_written += r.bytes_written;
    for (const auto& [code, n] : r.status_codes) m.status_codes[code] += n;
    for (const auto& [kind, n] : r.errors_by_kind) m.errors_by_kind[kind] += n;
    for (const auto& [kind, text] : r.error_details) m.error_details.emplace(kind, text);
    for (auto [into, from] : {std::pair{&m.latency_corrected, &r.latency_corrected},
                              std::pair{&m.latency_uncorrected, &r.latency_uncorrected},
                              std::pair{&m.connect_time, &r.connect_time},
                              std::pair{&m.ttfb, &r.ttfb}, std::pair{&m.send_lag, &r.send_lag}}) {
      if (Status st = AddInto(into, *from); !st.ok()) {
        return Status::InvalidArgument(s->origin + ": " + st.message());
      }
    }
    for (size_t i = 0; i < r.phases.size(); ++i) {
      PhaseResult& p = m.phases[i];
      p.requests += r.phases[i].requests;
      p.errors += r.phases[i].errors;
      p.dropped += r.phases[i].dropped;
      VITALS_RETURN_IF_ERROR(AddInto(&p.latency_corrected, r.phases[i].latency_corrected));
      VITALS_RETURN_IF_ERROR(AddInto(&p.latency_uncorrected, r.phases[i].latency_uncorrected));
    }
    for (const IntervalSample& x : r.intervals) {
      auto po = phase_order.find(x.phase);
      auto key =
          std::make_tuple(x.start_s, po == phase_order.end() ? -1 : po->second, x.request, x.phase);
      auto [it, fresh] = slots.try_emplace(key, x);
      if (fresh) continue;
      VITALS_RETURN_IF_ERROR(AddIntervalInto(&it->second, x));
    }
    if (!r.failure.empty() && m.failure.empty()) {
      m.failure = fmt::format("segment {}/{}: {}", index + 1, count, r.failure);
    }
    m.stopped_by_caller |= r.stopped_by_caller;
    m.interrupted |= r.interrupted;
    if (m.aborted_by.empty() && !r.aborted_by.empty()) m.aborted_by = r.aborted_by;
    SegmentProvenance p;
    p.index = index;
    p.count = count;
    p.run_id = r.run_id;
    p.host = r.segment_host;
    p.requests = r.requests;
    p.errors = r.errors;
    p.planned_requests = r.planned_requests;
    p.status = ResultStatus(r);
    m.segments.push_back(std::move(p));
  }
  for (auto& [key, x] : slots) m.intervals.push_back(std::move(x));
  if (!missing_indexes.empty()) {
    // A partial run: never a whole run (stored as interrupted, never `latest`).
    m.interrupted = true;
    m.stopped_by_caller = true;
  }
  m.error_rate = m.requests ? double(m.errors) / double(m.requests) : 0;
  for (const auto& p : m.segments) m.planned_requests += p.planned_requests;
  if (missing_out) *missing_out = missing_indexes;
  return m;
}

std::string MergedJson(const LoadResult& merged, const std::vector<int>& missing, int count) {
  if (missing.empty() || count < 1) return ToJson(merged);
  json j = json::parse(ToJson(merged), nullptr, /*allow_exceptions=*/false);
  json numbers = json::array();
  for (int i : missing) numbers.push_back(i + 1);
  j["partial"] = {{"missing_segments", numbers},
                  {"missing_share", double(missing.size()) / double(count)}};
  return j.dump(2);
}

}  // namespace vitals
