// Thin RAII helpers over the SQLite C API for the store: prepared statements, transactions,
// and the one place that turns SQLite result codes into Status messages naming the store path.
// Internal to src/store (namespace vitals::detail).
//
// Thread-safety: none; every object belongs to the Store (connection) that made it.
#pragma once

#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vitals::detail {

// Status for a failed SQLite call `rc` while doing `what` on the store at `path`.  Says what
// the code means for a user (not a database, corrupt, read-only, locked, disk full) and how
// to fix it.
Status SqliteError(sqlite3* db, int rc, const std::string& path, std::string_view what);

// A prepared statement.  Move-only; finalized on destruction.
class Stmt {
 public:
  Stmt() = default;
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_), path_(o.path_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }

  // `path` is borrowed (the Store's path string outlives its statements).
  static Result<Stmt> Prepare(sqlite3* db, const std::string& path, std::string_view sql);

  // Bind by 1-based index.  Text and blobs are copied (SQLITE_TRANSIENT).
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, int v) { return Bind(i, int64_t{v}); }
  Stmt& Bind(int i, uint64_t v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& BindNull(int i);
  // A column that may be absent: binds `*v`, or NULL when `v` is empty.  T is any type Bind()
  // takes.  (OptionalIf / Finite below make the optional from the caller's own "absent".)
  template <typename T>
  Stmt& BindOptional(int i, const std::optional<T>& v) {
    return v ? Bind(i, *v) : BindNull(i);
  }

  // Runs one step: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion (for statements without rows).
  Status Run();
  // Clears bindings and rewinds for reuse.
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const;  // "" for NULL
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string* path_ = nullptr;
  int bind_rc_ = SQLITE_OK;  // first failing bind, reported by Step()
};

// `v` when `present`, else empty: for BindOptional of a value whose absence is a flag, a 0 or
// an empty string (OptionalIf(ms != 0, ms)).
template <typename T>
std::optional<T> OptionalIf(bool present, T v) {
  return present ? std::optional<T>(std::move(v)) : std::nullopt;
}

// `v` unless it is NaN or infinite (a measurement that was not taken): stored as NULL.
inline std::optional<double> Finite(double v) { return OptionalIf(std::isfinite(v), v); }

// Runs `sql` (one or more statements, no rows).
Status Exec(sqlite3* db, const std::string& path, std::string_view sql);

// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless Commit() succeeded.
// IMMEDIATE takes the write lock up front so the busy timeout applies (a deferred
// transaction that upgrades from read to write fails at once with SQLITE_BUSY in WAL mode).
class WriteTxn {
 public:
  static Result<WriteTxn> Begin(sqlite3* db, const std::string& path);
  WriteTxn(WriteTxn&& o) noexcept : db_(o.db_), path_(o.path_), open_(o.open_) { o.open_ = false; }
  WriteTxn& operator=(WriteTxn&&) = delete;
  WriteTxn(const WriteTxn&) = delete;
  ~WriteTxn();
  Status Commit();

 private:
  WriteTxn(sqlite3* db, const std::string* path) : db_(db), path_(path), open_(true) {}
  sqlite3* db_;
  const std::string* path_;
  bool open_;
};

// BEGIN (deferred) ... ROLLBACK around several reads so they see one snapshot (WAL): a run
// completing in another process meanwhile is seen entirely or not at all.
class ReadTxn {
 public:
  static Result<ReadTxn> Begin(sqlite3* db, const std::string& path);
  ReadTxn(ReadTxn&& o) noexcept : db_(o.db_), open_(o.open_) { o.open_ = false; }
  ReadTxn& operator=(ReadTxn&&) = delete;
  ReadTxn(const ReadTxn&) = delete;
  ~ReadTxn();

 private:
  explicit ReadTxn(sqlite3* db) : db_(db), open_(true) {}
  sqlite3* db_;
  bool open_;
};

}  // namespace vitals::detail
