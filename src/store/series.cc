// AddSeries and reading the server-side series stored with a run (run_series).
#include <cmath>

#include "core/redact.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {

Status Store::AddSeries(const std::string& run_name, const std::vector<StoredSeries>& series) {
  auto txn = detail::WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  auto id = ResolveRunName(run_name);
  if (!id.ok()) return id.status();
  auto st = detail::Stmt::Prepare(db_, path_,
                                  "INSERT OR REPLACE INTO run_series (run_id, name, subject, "
                                  "component, unit, t_s, value) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  for (const StoredSeries& s : series) {
    const std::string subject = RedactSecrets(s.subject);
    for (const auto& [t, v] : s.points) {
      if (!std::isfinite(t) || !std::isfinite(v)) continue;
      st->Reset();
      st->Bind(1, *id).Bind(2, s.name).Bind(3, subject).Bind(4, s.component).Bind(5, s.unit);
      st->Bind(6, t).Bind(7, v);
      VITALS_RETURN_IF_ERROR(st->Run());
    }
  }
  return txn->Commit();
}

namespace detail {

Status ReadSeries(sqlite3* db, const std::string& path, StoredRun* run) {
  auto st = Stmt::Prepare(db, path,
                          "SELECT name, subject, component, unit, t_s, value FROM run_series "
                          "WHERE run_id = ? ORDER BY name, subject, t_s");
  if (!st.ok()) return st.status();
  st->Bind(1, run->info.id);
  run->series.clear();
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::string name = st->Text(0), subject = st->Text(1);
    if (run->series.empty() || run->series.back().name != name ||
        run->series.back().subject != subject) {
      StoredSeries s;
      s.name = std::move(name);
      s.subject = std::move(subject);
      s.component = st->Text(2);
      s.unit = st->Text(3);
      run->series.push_back(std::move(s));
    }
    run->series.back().points.emplace_back(st->Double(4), st->Double(5));
  }
  return Status::Ok();
}

}  // namespace detail
}  // namespace vitals
