// Shared by the PostgreSQL OBJECT change kinds (tune/pg_index.cc: create candidate indexes,
// drop unused ones; tune/pg_maintenance.cc: VACUUM, REINDEX): audited statements, the
// advisory lock that keeps two tunes from building indexes at once, the timeouts around
// CONCURRENTLY statements, and the deterministic names vitals gives its indexes.
//
// Thread-safety: functions over the one-thread TuneSession.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tune/session.h"

namespace vitals::tuneobj {

// pg_try_advisory_lock key of vitals tune's index work ("vita" in ASCII): a session that holds
// it is building, reindexing or dropping an index.  Advisory locks are per database.
inline constexpr int64_t kIndexLockKey = 0x76697461;

// Runs `sql` on the session's PostgreSQL connection and audits it (result "ok" or the error).
// Errors: Permission for 42501, else Unavailable, both naming the statement.
Status RunAudited(TuneSession& s, const std::string& sql);

// Takes kIndexLockKey for the session (re-entrant; held until the connection ends).  Errors:
// Unavailable "... held by another session (pid N, application_name X) ..." when another
// session holds it.
Status TryIndexLock(TuneSession& s);

// SETs lock_timeout and statement_timeout for the statements that follow, and puts the
// session's own values back when destroyed.
class ScopedTimeouts {
 public:
  ScopedTimeouts(TuneSession& s, int64_t lock_timeout_ms, int64_t statement_timeout_ms);
  ~ScopedTimeouts();
  ScopedTimeouts(const ScopedTimeouts&) = delete;
  ScopedTimeouts& operator=(const ScopedTimeouts&) = delete;
  const Status& status() const { return status_; }

 private:
  TuneSession& s_;
  std::string old_lock_, old_statement_;
  Status status_;
};

// "vitals_<table>_<col1>_<col2>_idx", cut so that it fits PostgreSQL's 63 bytes
// (NAMEDATALEN - 1) at a UTF-8 boundary.
std::string VitalsIndexName(std::string_view table, const std::vector<std::string>& columns);

// "~3 s" for an index build over `table_bytes` of heap (a sequential read and a sort at a
// conservative ~50 MB/s; at least 1 s).
std::string BuildTimeEstimate(double table_bytes);

// "\"schema\".\"name\"" with QuoteIdent on each part.
std::string Qualified(std::string_view schema, std::string_view name);

// "" when `name` can be an identifier read back from a backup (1..63 bytes, no NUL; it is
// always quoted with QuoteIdent), else why not.  `what` names it in the message ("schema").
std::string CheckIdentifier(std::string_view what, std::string_view name);

// The valid/invalid state of index schema.name: 1 valid, 0 invalid, -1 absent.
Result<int> IndexState(TuneSession& s, const std::string& schema, const std::string& name);

}  // namespace vitals::tuneobj
