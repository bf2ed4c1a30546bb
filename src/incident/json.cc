// The incident record as JSON (docs/incident.md "JSON"), and back for `vitals incident show`.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "incident/incident.h"

namespace vitals {
namespace {

using nlohmann::json;

json Latency(double us, bool has) { return has ? json(us) : json(nullptr); }

template <typename T>
T Get(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<T>();
}

}  // namespace

std::string IncidentToJson(const IncidentRecord& r) {
  json runs = json::array();
  for (const IncidentRun& x : r.runs) {
    runs.push_back({{"id", x.id},
                    {"target", x.target},
                    {"status", x.status},
                    {"started_unix_ms", x.started_unix_ms},
                    {"finished_unix_ms", x.finished_unix_ms},
                    {"requests", x.requests},
                    {"errors", x.errors},
                    {"p95_us", Latency(x.p95_us, x.has_latency)},
                    {"p99_us", Latency(x.p99_us, x.has_latency)},
                    {"verdict", x.verdict},
                    {"breached", x.breached}});
  }
  json slots = json::array();
  for (const IncidentSlot& s : r.slots) {
    const bool has = s.requests > 0;
    slots.push_back({{"run_id", s.run_id},
                     {"start_unix_ms", s.start_unix_ms},
                     {"end_unix_ms", s.end_unix_ms},
                     {"requests", s.requests},
                     {"errors", s.errors},
                     {"p50_us", Latency(s.p50_us, has)},
                     {"p95_us", Latency(s.p95_us, has)},
                     {"p99_us", Latency(s.p99_us, has)},
                     {"severity_us", Latency(s.severity_us, has)},
                     {"degraded", s.degraded},
                     {"reasons", s.reasons}});
  }
  const IncidentImpact& im = r.impact;
  json impact = {{"degraded", im.degraded}};
  if (im.degraded) {
    impact.update({{"start_unix_ms", im.start_unix_ms},
                   {"end_unix_ms", im.end_unix_ms},
                   {"seen_start_unix_ms", im.seen_start_unix_ms},
                   {"seen_end_unix_ms", im.seen_end_unix_ms},
                   {"duration_s", im.duration_s},
                   {"requests", im.requests},
                   {"failed", im.failed},
                   {"failed_share", im.failed_share},
                   {"worst_p95_us", im.worst_p95_us},
                   {"worst_p99_us", im.worst_p99_us},
                   {"worst_error_rate", im.worst_error_rate},
                   {"severity", im.severity.empty() ? json(nullptr) : json(im.severity)},
                   {"severity_basis", im.severity_basis},
                   {"degraded_intervals", im.degraded_slots}});
  }
  json timeline = json::array();
  for (const IncidentEvent& e : r.timeline) {
    timeline.push_back(
        {{"unix_ms", e.unix_ms}, {"source", e.source}, {"kind", e.kind}, {"text", e.text}});
  }
  json causes = json::array();
  for (const IncidentCause& c : r.causes) {
    causes.push_back({{"rank", c.rank},
                      {"id", c.id},
                      {"component", c.component},
                      {"level", c.level},
                      {"priority", c.priority},
                      {"title", c.title},
                      {"subject", c.subject},
                      {"evidence", c.evidence},
                      {"action", c.action},
                      {"runbook", c.runbook},
                      {"source", c.source},
                      {"first_seen_unix_ms", c.first_seen_unix_ms},
                      {"last_seen_unix_ms", c.last_seen_unix_ms},
                      {"onset_gap_s", c.onset_gap_s},
                      {"times_seen", c.times_seen},
                      {"seen_in", c.seen_in}});
  }
  const IncidentOptions& o = r.options;
  json doc = {
      {"incident_id", r.id.empty() ? json(nullptr) : json(r.id)},
      {"created_unix_ms", r.created_unix_ms},
      {"from_unix_ms", r.from_unix_ms},
      {"to_unix_ms", r.to_unix_ms},
      {"title", r.title},
      {"vitals_version", r.vitals_version},
      {"no_incident", r.no_incident()},
      {"criteria",
       {{"severity_levels_us", o.severity_levels_us},
        {"severity_percentile", o.severity_percentile},
        {"error_limit", o.error_limit}}},
      {"impact", impact},
      {"runs", runs},
      {"checks", r.checks},
      {"timeline", timeline},
      {"root_cause_candidates", causes},
      {"ranking", r.ranking},
      {"intervals", slots},
      {"warnings", r.warnings},
  };
  return doc.dump(2) + "\n";
}

Result<IncidentRecord> IncidentFromJson(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Parse("the stored incident record is not a JSON object");
  }
  try {
    IncidentRecord r;
    r.id = Get<std::string>(j, "incident_id", "");
    r.created_unix_ms = Get<int64_t>(j, "created_unix_ms", 0);
    r.from_unix_ms = Get<int64_t>(j, "from_unix_ms", 0);
    r.to_unix_ms = Get<int64_t>(j, "to_unix_ms", 0);
    r.title = Get<std::string>(j, "title", "");
    r.vitals_version = Get<std::string>(j, "vitals_version", "");
    if (auto c = j.find("criteria"); c != j.end() && c->is_object()) {
      r.options.severity_levels_us =
          Get<std::vector<double>>(*c, "severity_levels_us", r.options.severity_levels_us);
      r.options.severity_percentile = Get<double>(*c, "severity_percentile", 95);
      r.options.error_limit = Get<double>(*c, "error_limit", 0.05);
    }
    r.options.from_unix_ms = r.from_unix_ms;
    r.options.to_unix_ms = r.to_unix_ms;
    const json& im = j.at("impact");
    r.impact.degraded = Get<bool>(im, "degraded", false);
    r.impact.start_unix_ms = Get<int64_t>(im, "start_unix_ms", 0);
    r.impact.end_unix_ms = Get<int64_t>(im, "end_unix_ms", 0);
    r.impact.seen_start_unix_ms = Get<int64_t>(im, "seen_start_unix_ms", 0);
    r.impact.seen_end_unix_ms = Get<int64_t>(im, "seen_end_unix_ms", 0);
    r.impact.duration_s = Get<double>(im, "duration_s", 0);
    r.impact.requests = Get<uint64_t>(im, "requests", 0);
    r.impact.failed = Get<uint64_t>(im, "failed", 0);
    r.impact.failed_share = Get<double>(im, "failed_share", 0);
    r.impact.worst_p95_us = Get<double>(im, "worst_p95_us", 0);
    r.impact.worst_p99_us = Get<double>(im, "worst_p99_us", 0);
    r.impact.worst_error_rate = Get<double>(im, "worst_error_rate", 0);
    r.impact.severity = Get<std::string>(im, "severity", "");
    r.impact.severity_basis = Get<std::string>(im, "severity_basis", "");
    r.impact.degraded_slots = Get<int>(im, "degraded_intervals", 0);
    for (const json& x : j.value("runs", json::array())) {
      IncidentRun run;
      run.id = Get<std::string>(x, "id", "");
      run.target = Get<std::string>(x, "target", "");
      run.status = Get<std::string>(x, "status", "");
      run.started_unix_ms = Get<int64_t>(x, "started_unix_ms", 0);
      run.finished_unix_ms = Get<int64_t>(x, "finished_unix_ms", 0);
      run.requests = Get<uint64_t>(x, "requests", 0);
      run.errors = Get<uint64_t>(x, "errors", 0);
      run.has_latency = x.contains("p95_us") && !x["p95_us"].is_null();
      run.p95_us = Get<double>(x, "p95_us", 0);
      run.p99_us = Get<double>(x, "p99_us", 0);
      run.verdict = Get<std::string>(x, "verdict", "");
      run.breached = Get<std::vector<std::string>>(x, "breached", {});
      r.runs.push_back(std::move(run));
    }
    for (const json& x : j.value("intervals", json::array())) {
      IncidentSlot s;
      s.run_id = Get<std::string>(x, "run_id", "");
      s.start_unix_ms = Get<int64_t>(x, "start_unix_ms", 0);
      s.end_unix_ms = Get<int64_t>(x, "end_unix_ms", 0);
      s.requests = Get<uint64_t>(x, "requests", 0);
      s.errors = Get<uint64_t>(x, "errors", 0);
      s.p50_us = Get<double>(x, "p50_us", 0);
      s.p95_us = Get<double>(x, "p95_us", 0);
      s.p99_us = Get<double>(x, "p99_us", 0);
      s.severity_us = Get<double>(x, "severity_us", 0);
      s.degraded = Get<bool>(x, "degraded", false);
      s.reasons = Get<std::vector<std::string>>(x, "reasons", {});
      r.slots.push_back(std::move(s));
    }
    r.checks = Get<int>(j, "checks", 0);
    for (const json& x : j.value("timeline", json::array())) {
      r.timeline.push_back({Get<int64_t>(x, "unix_ms", 0), Get<std::string>(x, "source", ""),
                            Get<std::string>(x, "kind", ""), Get<std::string>(x, "text", "")});
    }
    for (const json& x : j.value("root_cause_candidates", json::array())) {
      IncidentCause c;
      c.rank = Get<int>(x, "rank", 0);
      c.id = Get<std::string>(x, "id", "");
      c.component = Get<std::string>(x, "component", "");
      c.level = Get<std::string>(x, "level", "");
      c.priority = Get<std::string>(x, "priority", "");
      c.title = Get<std::string>(x, "title", "");
      c.subject = Get<std::string>(x, "subject", "");
      c.evidence = Get<std::string>(x, "evidence", "");
      c.action = Get<std::string>(x, "action", "");
      c.runbook = Get<std::string>(x, "runbook", "");
      c.source = Get<std::string>(x, "source", "");
      c.first_seen_unix_ms = Get<int64_t>(x, "first_seen_unix_ms", 0);
      c.last_seen_unix_ms = Get<int64_t>(x, "last_seen_unix_ms", 0);
      c.onset_gap_s = Get<double>(x, "onset_gap_s", 0);
      c.times_seen = Get<int>(x, "times_seen", 0);
      c.seen_in = Get<std::string>(x, "seen_in", "");
      r.causes.push_back(std::move(c));
    }
    r.ranking = Get<std::string>(j, "ranking", "");
    r.warnings = Get<std::vector<std::string>>(j, "warnings", {});
    return r;
  } catch (const json::exception& e) {
    return Status::Parse(fmt::format("the stored incident record is malformed: {}", e.what()));
  }
}

}  // namespace vitals
