// RebuildLoadResult: a LoadResult from stored data, so reports render a stored run exactly as
// `vitals load` rendered it live.
#include <nlohmann/json.hpp>

#include "store/store.h"

namespace vitals {
namespace {

// Typed reads that tolerate missing keys and wrong types (an older or hand-edited document):
// the field keeps its default rather than throwing.
template <typename T>
void Get(const nlohmann::json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end()) return;
  if constexpr (std::is_same_v<T, std::string>) {
    if (it->is_string()) *out = it->template get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (it->is_boolean()) *out = it->template get<bool>();
  } else {
    if (it->is_number()) *out = it->template get<T>();
  }
}

const nlohmann::json& Child(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : kEmpty;
}

void FromResultJson(const nlohmann::json& j, LoadResult* r) {
  Get(j, "run_id", &r->run_id);
  Get(j, "target", &r->target);
  Get(j, "method", &r->method);
  Get(j, "model", &r->model);
  Get(j, "threads", &r->threads);
  Get(j, "started_unix_ms", &r->started_unix_ms);
  Get(j, "duration_s", &r->duration_s);
  Get(j, "planned_s", &r->planned_s);
  Get(j, "interrupted", &r->interrupted);
  Get(j, "failure", &r->failure);
  std::string status;
  Get(j, "status", &status);
  r->stopped_by_caller = status == "interrupted";
  Get(j, "requests", &r->requests);
  Get(j, "completed", &r->completed);
  Get(j, "errors", &r->errors);
  Get(j, "error_rate", &r->error_rate);
  Get(Child(j, "rate"), "asked", &r->rate_asked);
  Get(Child(j, "rate"), "achieved", &r->rate_achieved);
  Get(j, "late_sends", &r->late_sends);
  Get(j, "dropped", &r->dropped);
  const nlohmann::json& c = Child(j, "connections");
  Get(c, "asked", &r->connections);
  Get(c, "max", &r->max_connections);
  Get(c, "opened", &r->connections_opened);
  Get(c, "failed", &r->connections_failed);
  Get(c, "pipeline", &r->pipeline);
  Get(c, "pipeline_timing", &r->pipeline_timing);
  Get(c, "max_inflight", &r->max_inflight);
  Get(Child(j, "bytes"), "read", &r->bytes_read);
  Get(Child(j, "bytes"), "written", &r->bytes_written);
  for (const auto& [code, n] : Child(j, "status_codes").items()) {
    if (!n.is_number_unsigned()) continue;
    try {
      r->status_codes[std::stoi(code)] = n.get<uint64_t>();
    } catch (const std::exception&) {  // a non-numeric key: skip it
    }
  }
  for (const auto& [kind, n] : Child(j, "errors_by_kind").items()) {
    if (n.is_number_unsigned()) r->errors_by_kind[kind] = n.get<uint64_t>();
  }
  for (const auto& [kind, text] : Child(j, "error_details").items()) {
    if (text.is_string()) r->error_details[kind] = text.get<std::string>();
  }
  if (j.contains("tls_handshakes")) {
    const nlohmann::json& t = Child(j, "tls_handshakes");
    r->tls = true;
    r->tls_full = t.value("full", uint64_t(0));
    r->tls_resumed = t.value("resumed", uint64_t(0));
    Get(j, "tls_session", &r->tls_session);
  }
}

}  // namespace

LoadResult RebuildLoadResult(const StoredRun& run) {
  LoadResult r;
  const RunInfo& info = run.info;
  r.run_id = info.id;
  r.target = info.target;
  r.method = info.method;
  r.model = info.model;
  r.started_unix_ms = info.started_unix_ms;
  r.tags = info.tags;
  if (!run.result_json.empty()) {
    nlohmann::json j = nlohmann::json::parse(run.result_json, nullptr, false);
    if (j.is_object()) FromResultJson(j, &r);
  } else {
    // Never completed: what its intervals hold.
    r.interrupted = true;
    r.duration_s = info.duration_s;
    r.requests = info.requests;
    r.errors = info.errors;
    r.completed = info.requests >= info.errors ? info.requests - info.errors : 0;
    r.error_rate = info.error_rate;
    r.rate_achieved = info.duration_s > 0 ? double(info.requests) / info.duration_s : 0;
  }
  r.run_id = info.id;  // the store's name for it wins
  r.latency_corrected = run.latency_corrected;
  r.latency_uncorrected = run.latency_uncorrected;
  r.connect_time = run.connect_time;
  r.ttfb = run.ttfb;
  r.send_lag = run.send_lag;
  r.tls_handshake = run.tls_handshake;
  r.phases = run.phases;
  r.intervals = run.intervals;
  r.noise = run.noise;
  return r;
}

}  // namespace vitals
