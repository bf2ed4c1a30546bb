#include "store/sqlite_util.h"

#include <fmt/format.h>

#include "store/store.h"

namespace vitals::detail {

Status SqliteError(sqlite3* db, int rc, const std::string& path, std::string_view what) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  // "run store 'PATH' <meaning> (<what>: <sqlite's words>): <how to fix>"
  auto say = [&](std::string_view meaning, std::string_view fix) {
    return fmt::format("run store '{}' {} ({}: {}): {}", path, meaning, what, detail, fix);
  };
  switch (rc & 0xff) {  // primary code; extended codes carry the same meaning
    case SQLITE_NOTADB:
      return Status::Io(say("is not a SQLite database",
                            "move it away, or pass another --store PATH / set VITALS_STORE"));
    case SQLITE_CORRUPT:
      return Status::Io(say("is corrupt",
                            "move it away and start a new store; `sqlite3 FILE .recover` may "
                            "save its runs"));
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Status::Io(say("cannot be written",
                            "check the permissions of the file and its directory, or pass a "
                            "writable --store PATH / set VITALS_STORE"));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(
          say(fmt::format("was locked by another process for more than {} ms", kBusyTimeoutMs),
              "retry when it has finished"));
    case SQLITE_FULL:
      return Status::Io(
          say("cannot grow: the disk is full", "free space or pass another --store PATH"));
    case SQLITE_IOERR:
      return Status::Io(say("had an I/O error", "check the disk and the file system"));
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return Status::InvalidArgument(fmt::format("run store '{}': {}: {}", path, what, detail));
    default:
      return Status::Internal(fmt::format("run store '{}': {}: {}", path, what, detail));
  }
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    path_ = o.path_;
    bind_rc_ = o.bind_rc_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Result<Stmt> Stmt::Prepare(sqlite3* db, const std::string& path, std::string_view sql) {
  Stmt s;
  s.db_ = db;
  s.path_ = &path;
  const int rc =
      sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s.stmt_, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, path, "preparing a statement");
  return s;
}

Stmt& Stmt::Bind(int i, int64_t v) {
  const int rc = sqlite3_bind_int64(stmt_, i, v);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::Bind(int i, double v) {
  const int rc = sqlite3_bind_double(stmt_, i, v);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::Bind(int i, std::string_view v) {
  const int rc = sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::BindNull(int i) {
  const int rc = sqlite3_bind_null(stmt_, i);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Stmt::Step() {
  if (bind_rc_ != SQLITE_OK) return SqliteError(db_, bind_rc_, *path_, "binding a value");
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, *path_, sqlite3_stmt_readonly(stmt_) ? "reading" : "writing");
}

Status Stmt::Run() {
  for (;;) {
    auto r = Step();
    if (!r.ok()) return r.status();
    if (!*r) return Status::Ok();
  }
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

std::string Stmt::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

Status Exec(sqlite3* db, const std::string& path, std::string_view sql) {
  const std::string text(sql);  // sqlite3_exec needs a NUL-terminated string
  char* err = nullptr;
  const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);  // sqlite3_errmsg(db) holds the same text
  if (rc != SQLITE_OK) return SqliteError(db, rc, path, "running SQL");
  return Status::Ok();
}

Result<WriteTxn> WriteTxn::Begin(sqlite3* db, const std::string& path) {
  const int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, path, "starting a write transaction");
  return WriteTxn(db, &path);
}

WriteTxn::~WriteTxn() {
  if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status WriteTxn::Commit() {
  const int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, *path_, "committing");
  open_ = false;
  return Status::Ok();
}

Result<ReadTxn> ReadTxn::Begin(sqlite3* db, const std::string& path) {
  const int rc = sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, path, "starting a read transaction");
  return ReadTxn(db);
}

ReadTxn::~ReadTxn() {
  if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace vitals::detail
