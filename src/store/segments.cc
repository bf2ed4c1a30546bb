// AddSegments and reading the execution segments stored with a merged run (run_segments).
#include <fmt/format.h>

#include "core/redact.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {

Status Store::AddSegments(const std::string& run_name,
                          const std::vector<SegmentProvenance>& segments) {
  auto txn = detail::WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  auto id = ResolveRunName(run_name);
  if (!id.ok()) return id.status();
  auto st = detail::Stmt::Prepare(
      db_, path_,
      "INSERT OR REPLACE INTO run_segments (run_id, segment_index, segment_count, segment_run_id, "
      "host, status, requests, errors, planned_requests, joined_unix_ms, left_unix_ms, lost, "
      "lost_at_s, lost_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  for (const SegmentProvenance& p : segments) {
    st->Reset();
    st->Bind(1, *id).Bind(2, p.index).Bind(3, p.count).Bind(4, p.run_id);
    st->Bind(5, RedactSecrets(p.host)).Bind(6, p.status).Bind(7, p.requests).Bind(8, p.errors);
    st->Bind(9, p.planned_requests)
        .BindOptional(10, detail::OptionalIf(p.joined_unix_ms != 0, p.joined_unix_ms))
        .BindOptional(11, detail::OptionalIf(p.left_unix_ms != 0, p.left_unix_ms))
        .Bind(12, p.lost ? 1 : 0)
        .BindOptional(13, detail::OptionalIf(p.lost, p.lost_at_s))
        .BindOptional(14, detail::OptionalIf(p.lost, RedactSecrets(p.lost_reason)));
    VITALS_RETURN_IF_ERROR(st->Run());
  }
  return txn->Commit();
}

namespace detail {

Status ReadSegments(sqlite3* db, const std::string& path, StoredRun* run) {
  auto st = Stmt::Prepare(db, path,
                          "SELECT segment_index, segment_count, segment_run_id, host, status, "
                          "requests, errors, planned_requests, joined_unix_ms, left_unix_ms, "
                          "lost, lost_at_s, lost_reason FROM run_segments WHERE run_id = ? "
                          "ORDER BY segment_index");
  if (!st.ok()) return st.status();
  st->Bind(1, run->info.id);
  run->segments.clear();
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    SegmentProvenance p;
    p.index = int(st->Int(0));
    p.count = int(st->Int(1));
    p.run_id = st->Text(2);
    p.host = st->Text(3);
    p.status = st->Text(4);
    p.requests = uint64_t(st->Int(5));
    p.errors = uint64_t(st->Int(6));
    p.planned_requests = uint64_t(st->Int(7));
    p.joined_unix_ms = st->IsNull(8) ? 0 : st->Int(8);
    p.left_unix_ms = st->IsNull(9) ? 0 : st->Int(9);
    p.lost = st->Int(10) != 0;
    p.lost_at_s = st->IsNull(11) ? 0 : st->Double(11);
    p.lost_reason = st->IsNull(12) ? "" : st->Text(12);
    run->segments.push_back(std::move(p));
  }
  return Status::Ok();
}

}  // namespace detail
}  // namespace vitals
