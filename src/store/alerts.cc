// AddAlerts and reading the alert state changes stored with a run (run_alerts).
#include <fmt/format.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "net/url.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {
namespace {

Status CheckObject(const std::string& path, const std::string& what, const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(
        fmt::format("run store '{}': alert {} must be a JSON object of strings, got: {}", path,
                    what, RedactSecrets(text.substr(0, 200))));
  }
  return Status::Ok();
}

}  // namespace

Status Store::AddAlerts(const std::string& run_name, const std::vector<StoredAlert>& alerts) {
  for (const StoredAlert& a : alerts) {
    VITALS_RETURN_IF_ERROR(CheckObject(path_, "labels", a.labels_json));
    VITALS_RETURN_IF_ERROR(CheckObject(path_, "annotations", a.annotations_json));
  }
  auto txn = detail::WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  auto id = ResolveRunName(run_name);
  if (!id.ok()) return id.status();
  auto next = detail::Stmt::Prepare(
      db_, path_, "SELECT COALESCE(MAX(seq) + 1, 0) FROM run_alerts WHERE run_id = ?");
  if (!next.ok()) return next.status();
  next->Bind(1, *id);
  auto row = next->Step();
  if (!row.ok()) return row.status();
  int64_t seq = next->Int(0);
  auto st = detail::Stmt::Prepare(
      db_, path_,
      "INSERT INTO run_alerts (run_id, seq, t_unix_ms, alert, from_state, to_state, labels_json, "
      "annotations_json, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  for (const StoredAlert& a : alerts) {
    st->Reset();
    st->Bind(1, *id).Bind(2, seq++).Bind(3, a.t_unix_ms).Bind(4, a.alert).Bind(5, a.from);
    st->Bind(6, a.to)
        .Bind(7, RedactSecrets(a.labels_json))
        .Bind(8, RedactSecrets(a.annotations_json))
        .BindOptional(9, detail::Finite(a.value));
    VITALS_RETURN_IF_ERROR(st->Run());
  }
  return txn->Commit();
}

namespace detail {

Status ReadAlerts(sqlite3* db, const std::string& path, StoredRun* run) {
  auto st = Stmt::Prepare(db, path,
                          "SELECT t_unix_ms, alert, from_state, to_state, labels_json, "
                          "annotations_json, value FROM run_alerts WHERE run_id = ? ORDER BY seq");
  if (!st.ok()) return st.status();
  st->Bind(1, run->info.id);
  run->alerts.clear();
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    StoredAlert a;
    a.t_unix_ms = st->Int(0);
    a.alert = st->Text(1);
    a.from = st->Text(2);
    a.to = st->Text(3);
    a.labels_json = st->Text(4);
    a.annotations_json = st->Text(5);
    a.value = st->IsNull(6) ? std::numeric_limits<double>::quiet_NaN() : st->Double(6);
    run->alerts.push_back(std::move(a));
  }
  return Status::Ok();
}

}  // namespace detail
}  // namespace vitals
