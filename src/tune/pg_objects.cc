#include "tune/pg_objects.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "collect/postgres_conn.h"
#include "collect/postgres_logic.h"

namespace vitals::tuneobj {

using detail::PgQuoteLiteral;
using detail::QuoteIdent;

Status RunAudited(TuneSession& s, const std::string& sql) {
  auto r = s.pg()->Query(sql);
  VITALS_RETURN_IF_ERROR(s.Audit("postgres", sql, r.ok() ? "ok" : r.status().message()));
  if (!r.ok()) {
    return r.status().code() == Status::Code::kPermission
               ? Status::Permission(sql + ": " + r.status().message())
               : Status::Unavailable(sql + ": " + r.status().message());
  }
  return Status::Ok();
}

Status TryIndexLock(TuneSession& s) {
  auto got = s.pg()->Query(fmt::format("SELECT pg_try_advisory_lock({})", kIndexLockKey));
  if (!got.ok()) return got.status();
  if (got->Bool(0, 0)) return Status::Ok();
  // Who holds it (pg_locks: advisory locks of one bigint key have classid = high 32 bits,
  // objid = low 32 bits, objsubid = 1).
  auto who = s.pg()->Query(fmt::format(
      "SELECT l.pid, COALESCE(a.application_name, '') FROM pg_catalog.pg_locks l "
      "LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
      "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {} AND l.objid = {} "
      "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE "
      "datname = current_database()) LIMIT 1",
      kIndexLockKey >> 32, kIndexLockKey & 0xffffffff));
  std::string holder = "another session";
  if (who.ok() && who->rows() > 0) {
    holder = fmt::format("another session (pid {}, application_name '{}')", who->Text(0, 0),
                         who->Text(0, 1));
  }
  return Status::Unavailable(fmt::format(
      "vitals' index advisory lock (pg_try_advisory_lock({})) is held by {}: another vitals "
      "tune is building, reindexing or dropping an index in this database, and two never "
      "run at once; wait for it to finish, then run this again",
      kIndexLockKey, holder));
}

ScopedTimeouts::ScopedTimeouts(TuneSession& s, int64_t lock_timeout_ms,
                               int64_t statement_timeout_ms)
    : s_(s) {
  auto old =
      s.pg()->Query("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')");
  if (!old.ok()) {
    status_ = old.status();
    return;
  }
  old_lock_ = std::string(old->Text(0, 0));
  old_statement_ = std::string(old->Text(0, 1));
  status_ = RunAudited(s, fmt::format("SET lock_timeout = {}", lock_timeout_ms));
  if (status_.ok()) {
    status_ = RunAudited(s, fmt::format("SET statement_timeout = {}", statement_timeout_ms));
  }
}

ScopedTimeouts::~ScopedTimeouts() {
  if (old_lock_.empty()) return;
  (void)s_.pg()->Query("SET lock_timeout = " + PgQuoteLiteral(old_lock_));
  (void)s_.pg()->Query("SET statement_timeout = " + PgQuoteLiteral(old_statement_));
}

std::string CheckIdentifier(std::string_view what, std::string_view name) {
  if (name.empty()) return fmt::format("its {} name is empty", what);
  if (name.size() > 63) return fmt::format("its {} name is longer than 63 bytes", what);
  if (name.find('\0') != std::string_view::npos) {
    return fmt::format("its {} name contains a NUL byte", what);
  }
  return "";
}

std::string VitalsIndexName(std::string_view table, const std::vector<std::string>& columns) {
  std::string base = "vitals_" + std::string(table);
  for (const auto& c : columns) base += "_" + c;
  constexpr size_t kMax = 63 - 4;  // room for "_idx"
  if (base.size() > kMax) {
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(base[cut]) & 0xC0) == 0x80) --cut;
    base.resize(cut);
  }
  return base + "_idx";
}

std::string BuildTimeEstimate(double table_bytes) {
  constexpr double kBytesPerSecond = 50.0 * 1024 * 1024;
  const double s = std::max(1.0, std::ceil(table_bytes / kBytesPerSecond));
  if (s < 120) return fmt::format("~{:.0f} s", s);
  return fmt::format("~{:.0f} min", std::ceil(s / 60));
}

std::string Qualified(std::string_view schema, std::string_view name) {
  return QuoteIdent(schema) + "." + QuoteIdent(name);
}

Result<int> IndexState(TuneSession& s, const std::string& schema, const std::string& name) {
  auto r =
      s.pg()->Query(fmt::format("SELECT i.indisvalid FROM pg_catalog.pg_index i "
                                "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
                                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE n.nspname = {} AND c.relname = {}",
                                PgQuoteLiteral(schema), PgQuoteLiteral(name)));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return -1;
  return r->Bool(0, 0) ? 1 : 0;
}

}  // namespace vitals::tuneobj
