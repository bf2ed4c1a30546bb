// SetFindings and reading the findings stored with a run (schema version 2, run_findings).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/redact.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {
namespace detail {

// The shape reports rely on: an object whose "findings" is an array when present.  Checked
// here so a report never has to guess what a stored document means.
Status ValidateFindings(const std::string& path, const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return Status::InvalidArgument(fmt::format(
        "run store '{}': the findings are not valid JSON (expected the `vitals check --format "
        "json` document): {}",
        path, RedactSecrets(text.substr(0, 200))));
  }
  if (!j.is_object()) {
    return Status::InvalidArgument(
        fmt::format("run store '{}': the findings must be a JSON object like {{\"findings\": "
                    "[...]}} (the `vitals check --format json` document), got a JSON {}",
                    path, j.type_name()));
  }
  auto it = j.find("findings");
  if (it != j.end() && !it->is_array()) {
    return Status::InvalidArgument(fmt::format(
        "run store '{}': the findings document's \"findings\" must be an array, got a JSON {}",
        path, it->type_name()));
  }
  return Status::Ok();
}

}  // namespace detail

Status Store::SetFindings(const std::string& run_name, const std::string& findings_json) {
  VITALS_RETURN_IF_ERROR(detail::ValidateFindings(path_, findings_json));
  const std::string redacted = RedactSecrets(findings_json);
  auto txn = detail::WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  auto id = ResolveRunName(run_name);
  if (!id.ok()) return id.status();
  auto st = detail::Stmt::Prepare(
      db_, path_,
      "INSERT INTO run_findings (run_id, findings_json, set_unix_ms) VALUES (?, ?, ?) "
      "ON CONFLICT (run_id) DO UPDATE SET findings_json = excluded.findings_json, "
      "set_unix_ms = excluded.set_unix_ms");
  if (!st.ok()) return st.status();
  st->Bind(1, *id).Bind(2, redacted).Bind(3, detail::NowUnixMs());
  VITALS_RETURN_IF_ERROR(st->Run());
  return txn->Commit();
}

namespace detail {

Status ReadFindings(sqlite3* db, const std::string& path, StoredRun* run) {
  auto st = Stmt::Prepare(db, path, "SELECT findings_json FROM run_findings WHERE run_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, run->info.id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  run->findings_json = *row ? st->Text(0) : std::string();
  return Status::Ok();
}

}  // namespace detail
}  // namespace vitals
