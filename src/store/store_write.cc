// Writing runs: BeginRun, AppendIntervals, CompleteRun, MarkFailed.
//
// Histograms are encoded before a write transaction starts, so the write lock is held only
// for the inserts (other processes writing the same store wait on it).
#include <ctime>
#include <random>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/redact.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {
namespace {

using detail::Stmt;
using detail::WriteTxn;

struct EncodedInterval {
  const IntervalSample* sample;
  LatencySummary summary;
  std::string corrected, uncorrected;
};

std::vector<EncodedInterval> EncodeIntervals(const std::vector<IntervalSample>& samples,
                                             size_t from) {
  std::vector<EncodedInterval> out;
  if (from >= samples.size()) return out;
  out.reserve(samples.size() - from);
  for (size_t i = from; i < samples.size(); ++i) {
    const IntervalSample& s = samples[i];
    out.push_back({&s, LatencySummary::From(s.latency_corrected),
                   detail::EncodeHistogram(s.latency_corrected),
                   detail::EncodeHistogram(s.latency_uncorrected)});
  }
  return out;
}

// The run's status, NotFound when there is no such run.
Result<RunStatus> StatusOf(sqlite3* db, const std::string& path, const std::string& run_id) {
  auto st = Stmt::Prepare(db, path, "SELECT status FROM runs WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, run_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return Status::NotFound(fmt::format("run store '{}': no run with id '{}'", path, run_id));
  }
  const std::string s = st->Text(0);
  if (s == "completed") return RunStatus::kCompleted;
  if (s == "failed") return RunStatus::kFailed;
  if (s == "interrupted") return RunStatus::kInterrupted;
  return RunStatus::kRunning;
}

}  // namespace

Status detail::RequireRunning(sqlite3* db, const std::string& path, const std::string& run_id,
                              const char* doing) {
  auto status = StatusOf(db, path, run_id);
  if (!status.ok()) return status.status();
  if (*status != RunStatus::kRunning) {
    return Status::InvalidArgument(fmt::format("run store '{}': cannot {} run {}: it is {}", path,
                                               doing, run_id, RunStatusName(*status)));
  }
  return Status::Ok();
}

namespace {

using detail::RequireRunning;

// Intervals are numbered 0.. without gaps, so MAX(seq) + 1 is the count: an index lookup, where
// COUNT(*) would read every stored interval of the run on each append.
Result<int64_t> IntervalCount(sqlite3* db, const std::string& path, const std::string& run_id) {
  auto st = Stmt::Prepare(db, path,
                          "SELECT COALESCE(MAX(seq) + 1, 0) FROM run_intervals WHERE run_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, run_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return st->Int(0);
}

Status InsertIntervals(sqlite3* db, const std::string& path, const std::string& run_id,
                       int64_t first_seq, const std::vector<EncodedInterval>& rows) {
  if (rows.empty()) return Status::Ok();
  auto st = Stmt::Prepare(db, path,
                          "INSERT INTO run_intervals (run_id, seq, start_s, length_s, phase, "
                          "request, requests, errors, p50_us, p90_us, p95_us, p99_us, max_us, "
                          "mean_us, latency_corrected, latency_uncorrected) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  int64_t seq = first_seq;
  for (const EncodedInterval& e : rows) {
    const IntervalSample& s = *e.sample;
    st->Reset();
    st->Bind(1, run_id)
        .Bind(2, seq++)
        .Bind(3, s.start_s)
        .Bind(4, s.length_s)
        .Bind(5, s.phase)
        .Bind(6, s.request)
        .Bind(7, s.requests)
        .Bind(8, s.errors)
        .Bind(9, e.summary.p50)
        .Bind(10, e.summary.p90)
        .Bind(11, e.summary.p95)
        .Bind(12, e.summary.p99)
        .Bind(13, e.summary.max)
        .Bind(14, e.summary.mean)
        .Bind(15, e.corrected)
        .Bind(16, e.uncorrected);
    VITALS_RETURN_IF_ERROR(st->Run());
  }
  return Status::Ok();
}

// The result document as stored: ToJson with the store's run id, the thresholds and the
// verdict, passed through RedactSecrets.
Result<std::string> StoredResultJson(const LoadResult& result, const std::string& run_id,
                                     const nlohmann::json& thresholds, const std::string& verdict) {
  nlohmann::json j = nlohmann::json::parse(ToJson(result, -1), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Internal("ToJson(LoadResult) did not produce a JSON object");
  }
  j["run_id"] = run_id;
  if (!thresholds.empty()) j["thresholds"] = thresholds;
  if (!verdict.empty()) j["verdict"] = verdict;
  return RedactSecrets(j.dump(2));
}

}  // namespace

Result<std::string> Store::BeginRun(const RunStart& start) {
  std::string config = start.config_json.empty() ? "{}" : start.config_json;
  if (nlohmann::json::parse(config, nullptr, false).is_discarded()) {
    return Status::InvalidArgument(
        fmt::format("run store '{}': the run's config is not valid JSON: {}", path_,
                    RedactSecrets(config.substr(0, 200))));
  }
  std::set<std::string> keys;
  for (const auto& [k, v] : start.tags) {
    if (k.empty()) return Status::InvalidArgument("tag with an empty key: expected key=value");
    if (!keys.insert(k).second) {
      return Status::InvalidArgument(fmt::format("tag '{}' given twice: keep one", k));
    }
  }
  if (!start.run_id.empty() && !detail::IsValidRunId(start.run_id)) {
    return Status::InvalidArgument(
        fmt::format("run id '{}': expected 1..64 characters of A-Z a-z 0-9 . _ : -", start.run_id));
  }
  RunEnvironment env = start.env;
  if (env.host.empty()) env = CurrentEnvironment(env.vitals_version);
  if (env.vitals_version.empty()) env.vitals_version = "unknown";
  const int64_t started = start.started_unix_ms != 0 ? start.started_unix_ms : detail::NowUnixMs();

  auto txn = WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  auto ins = Stmt::Prepare(db_, path_,
                           "INSERT INTO runs (id, status, started_unix_ms, target, method, model, "
                           "config_json, host, cores, kernel, vitals_version) "
                           "VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                           "ON CONFLICT (id) DO NOTHING");
  if (!ins.ok()) return ins.status();
  std::string id;
  // A generated id collides only when two runs start in the same second and draw the same
  // 16 bits; draw again.
  for (int attempt = 0;; ++attempt) {
    id = start.run_id.empty() ? detail::NewRecordId(started) : start.run_id;
    ins->Reset();
    ins->Bind(1, id)
        .Bind(2, started)
        .Bind(3, RedactSecrets(start.target))
        .Bind(4, start.method)
        .Bind(5, start.model)
        .Bind(6, RedactSecrets(config))
        .Bind(7, env.host)
        .Bind(8, env.cores)
        .Bind(9, env.kernel)
        .Bind(10, env.vitals_version);
    VITALS_RETURN_IF_ERROR(ins->Run());
    if (sqlite3_changes(db_) == 1) break;
    if (!start.run_id.empty()) {
      return Status::InvalidArgument(fmt::format(
          "run store '{}': a run with id '{}' already exists: pick another id", path_, id));
    }
    if (attempt == 20) return Status::Internal("could not draw a unique run id");
  }
  auto tag =
      Stmt::Prepare(db_, path_, "INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)");
  if (!tag.ok()) return tag.status();
  for (const auto& [k, v] : start.tags) {
    tag->Reset();
    tag->Bind(1, id).Bind(2, RedactSecrets(k)).Bind(3, RedactSecrets(v));
    VITALS_RETURN_IF_ERROR(tag->Run());
  }
  VITALS_RETURN_IF_ERROR(txn->Commit());
  return id;
}

Status Store::AppendIntervals(const std::string& run_id,
                              const std::vector<IntervalSample>& samples) {
  std::vector<EncodedInterval> rows = EncodeIntervals(samples, 0);
  auto txn = WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  VITALS_RETURN_IF_ERROR(RequireRunning(db_, path_, run_id, "append intervals to"));
  auto next = IntervalCount(db_, path_, run_id);
  if (!next.ok()) return next.status();
  VITALS_RETURN_IF_ERROR(InsertIntervals(db_, path_, run_id, *next, rows));
  return txn->Commit();
}

Status Store::CompleteRun(const std::string& run_id, const LoadResult& result,
                          const std::string& thresholds_json, const std::string& verdict) {
  if (verdict != "" && verdict != "pass" && verdict != "fail") {
    return Status::InvalidArgument(
        fmt::format("verdict '{}': expected \"pass\", \"fail\" or \"\"", verdict));
  }
  nlohmann::json thresholds = nlohmann::json::array();
  if (!thresholds_json.empty()) {
    thresholds = nlohmann::json::parse(thresholds_json, nullptr, false);
    if (thresholds.is_discarded() || !thresholds.is_array()) {
      return Status::InvalidArgument("thresholds JSON must be an array ([...]), got: " +
                                     thresholds_json.substr(0, 200));
    }
  }
  auto json = StoredResultJson(result, run_id, thresholds, verdict);
  if (!json.ok()) return json.status();

  // Encode outside the transaction (see the top of this file).
  struct NamedHistogram {
    const char* kind;
    std::string data;
    int64_t total;
  };
  const NamedHistogram merged[] = {
      {"latency_corrected", detail::EncodeHistogram(result.latency_corrected),
       result.latency_corrected.TotalCount()},
      {"latency_uncorrected", detail::EncodeHistogram(result.latency_uncorrected),
       result.latency_uncorrected.TotalCount()},
      {"connect", detail::EncodeHistogram(result.connect_time), result.connect_time.TotalCount()},
      {"ttfb", detail::EncodeHistogram(result.ttfb), result.ttfb.TotalCount()},
      {"send_lag", detail::EncodeHistogram(result.send_lag), result.send_lag.TotalCount()},
      {"tls_handshake", detail::EncodeHistogram(result.tls_handshake),
       result.tls_handshake.TotalCount()},
  };
  std::vector<std::pair<std::string, std::string>> phase_data;
  phase_data.reserve(result.phases.size());
  for (const PhaseResult& p : result.phases) {
    phase_data.emplace_back(detail::EncodeHistogram(p.latency_corrected),
                            detail::EncodeHistogram(p.latency_uncorrected));
  }
  auto stored_before = IntervalCount(db_, path_, run_id);
  if (!stored_before.ok()) return stored_before.status();
  std::vector<EncodedInterval> tail = EncodeIntervals(result.intervals, size_t(*stored_before));

  auto txn = WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  VITALS_RETURN_IF_ERROR(RequireRunning(db_, path_, run_id, "complete"));
  auto stored = IntervalCount(db_, path_, run_id);
  if (!stored.ok()) return stored.status();
  if (*stored != *stored_before) {  // someone appended in between: rare, encode under the lock
    tail = EncodeIntervals(result.intervals, size_t(*stored));
  }
  VITALS_RETURN_IF_ERROR(InsertIntervals(db_, path_, run_id, *stored, tail));
  VITALS_RETURN_IF_ERROR(detail::InsertNoise(db_, path_, run_id, result.noise));

  auto hist = Stmt::Prepare(
      db_, path_,
      "INSERT INTO run_histograms (run_id, kind, total_count, hdr_v2) VALUES (?, ?, ?, ?)");
  if (!hist.ok()) return hist.status();
  for (const NamedHistogram& h : merged) {
    if (h.total == 0 && std::string_view(h.kind) == "tls_handshake") continue;  // plain http
    hist->Reset();
    hist->Bind(1, run_id).Bind(2, h.kind).Bind(3, h.total).Bind(4, h.data);
    VITALS_RETURN_IF_ERROR(hist->Run());
  }
  auto phase = Stmt::Prepare(db_, path_,
                             "INSERT INTO run_phases (run_id, idx, name, duration_s, level_start, "
                             "level_end, requests, errors, dropped, latency_corrected, "
                             "latency_uncorrected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!phase.ok()) return phase.status();
  for (size_t i = 0; i < result.phases.size(); ++i) {
    const PhaseResult& p = result.phases[i];
    phase->Reset();
    phase->Bind(1, run_id)
        .Bind(2, int64_t(i))
        .Bind(3, p.name)
        .Bind(4, p.duration_s)
        .Bind(5, p.level_start)
        .Bind(6, p.level_end)
        .Bind(7, p.requests)
        .Bind(8, p.errors)
        .Bind(9, p.dropped)
        .Bind(10, phase_data[i].first)
        .Bind(11, phase_data[i].second);
    VITALS_RETURN_IF_ERROR(phase->Run());
  }

  const LatencySummary lat = LatencySummary::From(result.latency_corrected);
  auto upd = Stmt::Prepare(
      db_, path_,
      "UPDATE runs SET status = ?, failure_reason = ?, finished_unix_ms = ?, duration_s = ?, "
      "requests = ?, errors = ?, error_rate = ?, rate_asked = ?, rate_achieved = ?, p50_us = ?, "
      "p95_us = ?, p99_us = ?, result_json = ?, thresholds_json = ?, verdict = ?, "
      "target = CASE WHEN ? = '' THEN target ELSE ? END, "
      "method = CASE WHEN ? = '' THEN method ELSE ? END, "
      "model = CASE WHEN ? = '' THEN model ELSE ? END "
      "WHERE id = ?");
  if (!upd.ok()) return upd.status();
  const std::string target = RedactSecrets(result.target);
  upd->Bind(1, ResultStatus(result))
      .Bind(2, RedactSecrets(result.failure))
      .Bind(3, detail::NowUnixMs())
      .Bind(4, result.duration_s)
      .Bind(5, result.requests)
      .Bind(6, result.errors)
      .Bind(7, result.error_rate)
      .Bind(8, result.rate_asked)
      .Bind(9, result.rate_achieved);
  // Nothing succeeded: there is no latency, not a latency of 0.
  const bool has_latency = lat.count > 0;
  upd->BindOptional(10, detail::OptionalIf(has_latency, lat.p50))
      .BindOptional(11, detail::OptionalIf(has_latency, lat.p95))
      .BindOptional(12, detail::OptionalIf(has_latency, lat.p99))
      .Bind(13, *json)
      .Bind(14, thresholds.dump())
      .Bind(15, verdict)
      .Bind(16, target)
      .Bind(17, target)
      .Bind(18, result.method)
      .Bind(19, result.method)
      .Bind(20, result.model)
      .Bind(21, result.model)
      .Bind(22, run_id);
  VITALS_RETURN_IF_ERROR(upd->Run());
  return txn->Commit();
}

Status Store::MarkFailed(const std::string& run_id, const std::string& reason) {
  auto txn = WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  VITALS_RETURN_IF_ERROR(RequireRunning(db_, path_, run_id, "mark failed"));
  auto upd = Stmt::Prepare(db_, path_,
                           "UPDATE runs SET status = 'failed', finished_unix_ms = ?, "
                           "failure_reason = ? WHERE id = ?");
  if (!upd.ok()) return upd.status();
  upd->Bind(1, detail::NowUnixMs()).Bind(2, RedactSecrets(reason)).Bind(3, run_id);
  VITALS_RETURN_IF_ERROR(upd->Run());
  return txn->Commit();
}

namespace detail {

// Same format as the load engine's run ids: UTC start time + 16 random bits.
std::string NewRecordId(int64_t unix_ms) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  const time_t secs = time_t(unix_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}-{:04x}", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, rng() & 0xffff);
}

}  // namespace detail
}  // namespace vitals
