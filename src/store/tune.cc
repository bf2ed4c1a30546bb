// `vitals tune` backups and audit log (schema version 11).  Writes are fsynced: the backup
// must be on disk before the first change it protects is made.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/redact.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {

using detail::Stmt;
using detail::WriteTxn;

namespace {

// synchronous=FULL for the writes made while it lives (WAL: the commit fsyncs the log), back
// to the store's NORMAL afterwards.  The pragma cannot change inside a transaction, so the
// guard wraps the whole WriteTxn.
class FullSync {
 public:
  FullSync(sqlite3* db, const std::string& path) : db_(db) {
    st_ = detail::Exec(db, path, "PRAGMA synchronous = FULL");
  }
  ~FullSync() { sqlite3_exec(db_, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr); }
  FullSync(const FullSync&) = delete;
  FullSync& operator=(const FullSync&) = delete;
  const Status& status() const { return st_; }

 private:
  sqlite3* db_;
  Status st_;
};

constexpr const char* kTuneColumns =
    "id, created_unix_ms, updated_unix_ms, components, targets_json, items, state, note, "
    "checksum";

TuneBackupInfo ReadInfo(const Stmt& st) {
  TuneBackupInfo b;
  b.id = st.Text(0);
  b.created_unix_ms = st.Int(1);
  b.updated_unix_ms = st.Int(2);
  b.components = st.Text(3);
  b.targets_json = st.Text(4);
  b.items = static_cast<int>(st.Int(5));
  b.state = st.Text(6);
  b.note = st.Text(7);
  b.checksum = st.Text(8);
  return b;
}

}  // namespace

Result<std::string> Store::SaveTuneBackup(const TuneBackupInfo& info,
                                          const std::string& backup_json) {
  auto parsed = nlohmann::json::parse(backup_json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Status::InvalidArgument(
        fmt::format("run store '{}': a tune backup must be a JSON object", path_));
  }
  if (!info.id.empty() && !detail::IsValidRunId(info.id)) {
    return Status::InvalidArgument(fmt::format(
        "run store '{}': tune backup id '{}' must be 1..64 characters of [A-Za-z0-9._:-]", path_,
        info.id));
  }
  FullSync sync(db_, path_);
  VITALS_RETURN_IF_ERROR(sync.status());
  auto txn = WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  const int64_t created = info.created_unix_ms > 0 ? info.created_unix_ms : detail::NowUnixMs();
  const std::string id = info.id.empty() ? detail::NewRecordId(created) : info.id;
  auto st = Stmt::Prepare(db_, path_,
                          "INSERT INTO tune_backups (id, created_unix_ms, updated_unix_ms, "
                          "components, targets_json, items, state, note, checksum, backup_json) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, id)
      .Bind(2, created)
      .Bind(3, created)
      .Bind(4, info.components)
      .Bind(5, RedactSecrets(info.targets_json))
      .Bind(6, info.items)
      .Bind(7, info.state.empty() ? std::string("saved") : info.state)
      .Bind(8, RedactSecrets(info.note))
      .Bind(9, info.checksum)
      .Bind(10, RedactSecrets(backup_json));
  VITALS_RETURN_IF_ERROR(st->Run());
  VITALS_RETURN_IF_ERROR(txn->Commit());
  return id;
}

Status Store::SetTuneBackupState(const std::string& id, const std::string& state,
                                 const std::string& note) {
  FullSync sync(db_, path_);
  VITALS_RETURN_IF_ERROR(sync.status());
  auto st = Stmt::Prepare(db_, path_,
                          note.empty() ? "UPDATE tune_backups SET state = ?, updated_unix_ms = ? "
                                         "WHERE id = ?"
                                       : "UPDATE tune_backups SET state = ?, updated_unix_ms = ?, "
                                         "note = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, state).Bind(2, detail::NowUnixMs());
  if (note.empty()) {
    st->Bind(3, id);
  } else {
    st->Bind(3, RedactSecrets(note)).Bind(4, id);
  }
  VITALS_RETURN_IF_ERROR(st->Run());
  if (sqlite3_changes(db_) == 0) {
    return Status::NotFound(fmt::format("run store '{}': no tune backup '{}'", path_, id));
  }
  return Status::Ok();
}

Status Store::AppendTuneAudit(const std::string& id, const TuneAuditEntry& entry) {
  FullSync sync(db_, path_);
  VITALS_RETURN_IF_ERROR(sync.status());
  auto txn = WriteTxn::Begin(db_, path_);
  if (!txn.ok()) return txn.status();
  auto next = Stmt::Prepare(db_, path_,
                            "SELECT (SELECT COUNT(*) FROM tune_backups WHERE id = ?1), "
                            "COALESCE(MAX(seq), 0) + 1 FROM tune_audit WHERE backup_id = ?1");
  if (!next.ok()) return next.status();
  next->Bind(1, id);
  auto row = next->Step();
  if (!row.ok()) return row.status();
  if (!*row || next->Int(0) == 0) {
    return Status::NotFound(fmt::format("run store '{}': no tune backup '{}'", path_, id));
  }
  const int64_t seq = next->Int(1);
  auto st = Stmt::Prepare(db_, path_,
                          "INSERT INTO tune_audit (backup_id, seq, unix_ms, component, statement, "
                          "result) VALUES (?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, id)
      .Bind(2, seq)
      .Bind(3, entry.unix_ms > 0 ? entry.unix_ms : detail::NowUnixMs())
      .Bind(4, entry.component)
      .Bind(5, RedactSecrets(entry.statement))
      .Bind(6, RedactSecrets(entry.result));
  VITALS_RETURN_IF_ERROR(st->Run());
  return txn->Commit();
}

Result<std::vector<TuneBackupInfo>> Store::ListTuneBackups() {
  auto st = Stmt::Prepare(
      db_, path_,
      fmt::format("SELECT {} FROM tune_backups ORDER BY created_unix_ms DESC, id DESC",
                  kTuneColumns));
  if (!st.ok()) return st.status();
  std::vector<TuneBackupInfo> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(ReadInfo(*st));
  }
  return out;
}

Result<StoredTuneBackup> Store::GetTuneBackup(const std::string& id) {
  auto st = Stmt::Prepare(
      db_, path_,
      fmt::format("SELECT {}, backup_json FROM tune_backups WHERE id = ?1 OR "
                  "(length(?1) > 0 AND substr(id, 1, length(?1)) = ?1) ORDER BY id = ?1 DESC",
                  kTuneColumns));
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  std::vector<StoredTuneBackup> found;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    StoredTuneBackup b;
    b.info = ReadInfo(*st);
    b.backup_json = st->Text(9);
    if (b.info.id == id) {  // an exact id wins over prefixes
      found.assign(1, std::move(b));
      break;
    }
    found.push_back(std::move(b));
  }
  if (found.empty()) {
    return Status::NotFound(fmt::format(
        "run store '{}': no tune backup '{}'; `vitals tune --list` shows the backups", path_, id));
  }
  if (found.size() > 1) {
    std::string ids;
    for (const auto& b : found) ids += (ids.empty() ? "" : ", ") + b.info.id;
    return Status::InvalidArgument(
        fmt::format("run store '{}': '{}' names several tune backups ({}); give more of the id",
                    path_, id, ids));
  }
  StoredTuneBackup out = std::move(found.front());
  auto audit = Stmt::Prepare(db_, path_,
                             "SELECT unix_ms, component, statement, result FROM tune_audit "
                             "WHERE backup_id = ? ORDER BY seq");
  if (!audit.ok()) return audit.status();
  audit->Bind(1, out.info.id);
  for (;;) {
    auto row = audit->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.audit.push_back({audit->Int(0), audit->Text(1), audit->Text(2), audit->Text(3)});
  }
  return out;
}

}  // namespace vitals
