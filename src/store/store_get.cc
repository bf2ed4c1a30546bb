// GetRun: one run with its result, histograms, phases and intervals.
#include <fmt/format.h>

#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {
namespace {

using detail::Stmt;

Status ReadHistograms(sqlite3* db, const std::string& path, StoredRun* run) {
  auto st = Stmt::Prepare(db, path, "SELECT kind, hdr_v2 FROM run_histograms WHERE run_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, run->info.id);
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    const std::string kind = st->Text(0);
    auto h = detail::DecodeHistogram(st->Text(1), path, run->info.id, kind);
    if (!h.ok()) return h.status();
    if (kind == "latency_corrected") run->latency_corrected = std::move(h).value();
    if (kind == "latency_uncorrected") run->latency_uncorrected = std::move(h).value();
    if (kind == "connect") run->connect_time = std::move(h).value();
    if (kind == "ttfb") run->ttfb = std::move(h).value();
    if (kind == "send_lag") run->send_lag = std::move(h).value();
    if (kind == "tls_handshake") run->tls_handshake = std::move(h).value();
  }
}

Status ReadPhases(sqlite3* db, const std::string& path, StoredRun* run) {
  auto st = Stmt::Prepare(db, path,
                          "SELECT name, duration_s, level_start, level_end, requests, errors, "
                          "dropped, latency_corrected, latency_uncorrected FROM run_phases "
                          "WHERE run_id = ? ORDER BY idx");
  if (!st.ok()) return st.status();
  st->Bind(1, run->info.id);
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    PhaseResult p;
    p.name = st->Text(0);
    p.duration_s = st->Double(1);
    p.level_start = st->Double(2);
    p.level_end = st->Double(3);
    p.requests = uint64_t(st->Int(4));
    p.errors = uint64_t(st->Int(5));
    p.dropped = uint64_t(st->Int(6));
    auto c = detail::DecodeHistogram(st->Text(7), path, run->info.id, "phase " + p.name);
    if (!c.ok()) return c.status();
    auto u = detail::DecodeHistogram(st->Text(8), path, run->info.id, "phase " + p.name);
    if (!u.ok()) return u.status();
    p.latency_corrected = std::move(c).value();
    p.latency_uncorrected = std::move(u).value();
    run->phases.push_back(std::move(p));
  }
}

// Summaries always; decoded samples when asked; for a run that never completed, the merged
// latency of its all-requests intervals (decoded one at a time, so memory stays bounded).
Status ReadIntervals(sqlite3* db, const std::string& path, const ReadOptions& options,
                     StoredRun* run) {
  const bool merge = !run->info.has_result;
  const bool visit = static_cast<bool>(options.visit_interval);
  const bool decode = options.intervals || merge || visit;
  auto st = Stmt::Prepare(db, path,
                          "SELECT seq, start_s, length_s, phase, request, requests, errors, "
                          "p50_us, p90_us, p95_us, p99_us, max_us, mean_us, latency_corrected, "
                          "latency_uncorrected FROM run_intervals WHERE run_id = ? ORDER BY seq");
  if (!st.ok()) return st.status();
  st->Bind(1, run->info.id);
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    IntervalSummary s;
    s.seq = st->Int(0);
    s.start_s = st->Double(1);
    s.length_s = st->Double(2);
    s.phase = st->Text(3);
    s.request = st->Text(4);
    s.requests = uint64_t(st->Int(5));
    s.errors = uint64_t(st->Int(6));
    s.p50_us = st->Double(7);
    s.p90_us = st->Double(8);
    s.p95_us = st->Double(9);
    s.p99_us = st->Double(10);
    s.max_us = st->Double(11);
    s.mean_us = st->Double(12);
    if (decode) {
      const std::string what = fmt::format("interval {}", s.seq);
      auto c = detail::DecodeHistogram(st->Text(13), path, run->info.id, what);
      if (!c.ok()) return c.status();
      auto u = detail::DecodeHistogram(st->Text(14), path, run->info.id, what);
      if (!u.ok()) return u.status();
      if (merge && s.request.empty()) {
        // Histograms of different configs cannot merge; the engine uses one config, so a
        // mismatch means a damaged or foreign row: report it rather than drop counts.
        Status a = AddInto(&run->latency_corrected, *c);
        Status b = AddInto(&run->latency_uncorrected, *u);
        if (!a.ok() || !b.ok()) {
          return Status::Io(fmt::format(
              "run store '{}': run {}: interval {} has a histogram layout unlike the others", path,
              run->info.id, s.seq));
        }
      }
      if (options.intervals || visit) {
        IntervalSample sample;
        sample.start_s = s.start_s;
        sample.length_s = s.length_s;
        sample.phase = s.phase;
        sample.request = s.request;
        sample.requests = s.requests;
        sample.errors = s.errors;
        sample.latency_corrected = std::move(c).value();
        sample.latency_uncorrected = std::move(u).value();
        if (visit) options.visit_interval(sample);
        if (options.intervals) run->intervals.push_back(std::move(sample));
      }
    }
    run->interval_summaries.push_back(std::move(s));
  }
}

}  // namespace

Result<StoredRun> Store::GetRun(const std::string& name, const ReadOptions& options) {
  auto snapshot = detail::ReadTxn::Begin(db_, path_);
  if (!snapshot.ok()) return snapshot.status();
  auto id = ResolveRunName(name);
  if (!id.ok()) return id.status();
  auto st = Stmt::Prepare(db_, path_,
                          fmt::format("SELECT {}, r.config_json, COALESCE(r.result_json, ''), "
                                      "r.thresholds_json FROM runs r WHERE r.id = ?",
                                      detail::kRunInfoColumns));
  if (!st.ok()) return st.status();
  st->Bind(1, *id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound(fmt::format("run {} was deleted meanwhile", *id));
  StoredRun run;
  run.info = detail::ReadRunInfo(*st);
  run.config_json = st->Text(23);
  run.result_json = st->Text(24);
  run.thresholds_json = st->Text(25);
  run.partial = !run.info.has_result;
  VITALS_RETURN_IF_ERROR(detail::ReadTags(db_, path_, &run.info));
  VITALS_RETURN_IF_ERROR(ReadHistograms(db_, path_, &run));
  VITALS_RETURN_IF_ERROR(ReadPhases(db_, path_, &run));
  VITALS_RETURN_IF_ERROR(ReadIntervals(db_, path_, options, &run));
  VITALS_RETURN_IF_ERROR(detail::ReadNoise(db_, path_, &run));
  VITALS_RETURN_IF_ERROR(detail::ReadFindings(db_, path_, &run));
  VITALS_RETURN_IF_ERROR(detail::ReadAlerts(db_, path_, &run));
  VITALS_RETURN_IF_ERROR(detail::ReadSegments(db_, path_, &run));
  VITALS_RETURN_IF_ERROR(detail::ReadSeries(db_, path_, &run));
  return run;
}

}  // namespace vitals
