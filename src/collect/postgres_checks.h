// The individual checks of the PostgreSQL collector (internal).
//
// Each check runs one or two set-based queries on an open read-only session
// and appends facts to the collection.  A check whose query fails records
// why in `limited` and returns; it never stops the other checks.  Only a lost
// connection is returned as an error.
//
// Thread-safety: a PgCheckContext is used by one thread.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "collect/fact.h"
#include "collect/postgres.h"
#include "collect/postgres_conn.h"
#include "collect/postgres_logic.h"

namespace vitals::detail {

struct PgCheckContext {
  PgConn* conn = nullptr;
  const PostgresOptions* options = nullptr;
  Collection* out = nullptr;
  std::string database;
  std::string role;
  bool reads_all_stats = false;  // superuser or member of pg_read_all_stats
  std::string stats_since;       // when the statistics started counting

  Fact& Add(std::string kind, std::string subject);
  // Records "<check>: <message>" in limited; returns false for a lost
  // connection (the caller must stop).
  bool Limit(const std::string& check, const Status& status);
};

// Leading column of each valid index, per table key "schema.table".
using LeadingColumns = std::map<std::string, std::set<std::string>>;

Status CheckIdentity(PgCheckContext& ctx);
Status CheckConnections(PgCheckContext& ctx);
Status CheckCache(PgCheckContext& ctx);
// Also returns the statement texts (for missing-index advice).
Status CheckStatements(PgCheckContext& ctx, std::vector<QueryText>& texts);
Status CheckIndexes(PgCheckContext& ctx, LeadingColumns& leading);
Status CheckTables(PgCheckContext& ctx, const std::vector<QueryText>& texts,
                   const LeadingColumns& leading);
Status CheckActivity(PgCheckContext& ctx);
Status CheckDatabases(PgCheckContext& ctx);
Status CheckSequences(PgCheckContext& ctx);
// Table and B-tree bloat (estimate, or pgstattuple_approx when installed) and
// the 20 largest relations (postgres_bloat.cc).
Status CheckBloat(PgCheckContext& ctx);
Status CheckRelationSizes(PgCheckContext& ctx);
// pg_stat_database temp_files / temp_bytes: one sample at the start of the
// collection and one after the window.
struct TempSample {
  double files = 0, bytes = 0;
  std::chrono::steady_clock::time_point at;
};
Result<TempSample> ReadTempFiles(PgConn& conn);
Status CheckTempFiles(PgCheckContext& ctx, const TempSample& first);
// EXPLAIN of the statements with the most total time (postgres_plans.cc).
Status CheckPlans(PgCheckContext& ctx, const std::vector<QueryText>& statements);

}  // namespace vitals::detail
