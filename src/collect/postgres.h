// PostgreSQL collector for `vitals check --postgres DSN`.
//
// Connects with libpq (DSN as URL "postgresql://user:pw@host:port/db" or
// "host=... dbname=..." text), read-only: the session sets
// default_transaction_read_only, statement_timeout and lock_timeout, and runs
// only catalog and statistics queries, each set-based (one round trip per
// check, whatever the number of tables).  Advice SQL in the facts
// (CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, pg_cancel_backend) is
// text for the user; vitals never runs it.
//
// Facts (component "postgres"; field units per docs/rules.md):
//   pg.connections  subject "server": connections, active, idle,
//                   idle_in_transaction, max_connections,
//                   superuser_reserved_connections, usable_connections,
//                   used_ratio (connections / usable_connections)
//   pg.cache        subject <db>: heap_hit_ratio, index_hit_ratio,
//                   heap_blks_total, idx_blks_total (hits + reads)
//   pg.statement    top statements of this database by total time:
//                   calls, total_time_s, mean_time_s, plan_time_s, read_time_s,
//                   rows, share_ratio (of the database's total),
//                   temp_bytes_written, temp_bytes_per_call; text query
//                   (literals masked, truncated), queryid, role
//   pg.table        subject "schema.table": seq_scan, idx_scan, n_live_tup,
//                   n_dead_tup, dead_ratio, size_bytes (main fork), last_vacuum_age_s
//                   (absent if never vacuumed); text filter_columns (from
//                   pg_stat_statements texts, may be empty), index_advice,
//                   last_vacuum ("never" or a timestamp)
//   pg.index        indexes that are unused (idx_scan = 0, not unique/primary,
//                   backing no constraint), redundant, or invalid:
//                   idx_scan, size_bytes, unused, duplicate, valid (0/1);
//                   text table, definition, covered_by, drop_sql, stats_since
//   pg.query        active statements running >= min(long_query_s, floor): duration_s,
//                   threshold_s, pid; text query, role, application, cancel_sql
//   pg.transaction  transactions open >= min(long_transaction_s, floor): xact_age_s,
//                   state_age_s, threshold_s, idle_in_transaction (0/1), pid;
//                   text state, query (last statement), role, end_sql
//   pg.blocked      sessions waiting on a lock held by others: wait_s, pid,
//                   blocker_pid, blocker_count; text blocked_query,
//                   blocker_query, blocker_state, blocking_pids, unblock_sql
//   pg.database     every database: xid_age, autovacuum_freeze_max_age,
//                   freeze_max_age_ratio, wraparound_ratio (xid_age / 2^31)
//   pg.plans        subject <db>: explained, analyzed, not_explained (texts
//                   whose parameter types cannot be inferred, cut texts); text
//                   not_explained (the first three reasons)
//   pg.plan         one per explained statement, subject "queryid <id>":
//                   calls, mean_time_s, total_cost, hottest_share, analyzed,
//                   execution_time_s (analysed); text queryid, query,
//                   fingerprint, hottest_node, plan_mode
//   pg.plan.seq_scan, pg.plan.sort_spill, pg.plan.nested_loop,
//   pg.plan.misestimate   problem nodes of those plans (postgres_plan.h)
//   pg.table_bloat  tables with statistics (largest 200): size_bytes,
//                   expected_bytes (live rows packed, from pg_stats),
//                   bloat_bytes, bloat_ratio, live_rows, dead_rows; text
//                   source ("estimate (pg_stats)" or "pgstattuple_approx",
//                   used when the extension is installed), vacuum_sql
//   pg.index_bloat  B-tree indexes (largest 200): size_bytes, expected_bytes,
//                   bloat_bytes, bloat_ratio; text table, source, reindex_sql
//   pg.relation_size the 20 largest tables, indexes and materialized views:
//                   total_bytes, main_bytes, index_bytes (tables), rank;
//                   text relkind, table (indexes)
//   pg.temp_files   subject <db>: temp_files, temp_bytes (since stats_since),
//                   temp_files_per_s, temp_bytes_per_s over the window, window_s
//   pg.sequence     used ratio of each readable sequence against the smaller
//                   of its own maximum and its column's type: used_ratio,
//                   last_value, max_value; text column, column_type, alter_sql
// Activity facts (query, transaction, blocked) and the cache and statement
// facts cover the database in the DSN (as pgHero does), connections and XID
// age cover the whole server.
//
// Limited checks (Collection::limited) instead of failures: a statement the
// role may not explain (its queryid and the server's message);
// pg_stat_statements
// not installed or not preloaded; a role without pg_read_all_stats/pg_monitor
// (other roles' sessions and statement texts are hidden); sequences the role
// cannot read; any single check query that failed (its message).
//
// Errors: Unavailable when the server cannot be reached or the session cannot
// be made read-only; the message names the DSN with its password masked and
// never contains the password.
//
// Thread-safety: CollectPostgres may run on any thread; calls share nothing.
#pragma once

#include <cstdint>
#include <string>

#include "collect/fact.h"
#include "core/status.h"

namespace vitals {

struct PostgresOptions {
  std::string dsn;
  // Sampling window of `vitals check`.  PostgreSQL's statistics are cumulative
  // since the last reset, so most checks read them once; only temporary files
  // (pg.temp_files) are a rate, sampled at the start and after the window.
  int64_t window_ns = 0;
  // Thresholds reported with each activity fact as `threshold_s`; the shipped
  // rules compare against it, so programs can tune them here and users can
  // replace the rule with a literal (`duration_s >= 5s`) in --rules.
  double long_query_s = 60;        // pgHero's long-running query threshold
  double long_transaction_s = 30;  // seed 002: transaction > 30 s
  // Sessions active (or in a transaction) at least this long become facts,
  // so that rules can use a lower threshold than the options above.
  double activity_floor_s = 1;
  int top_statements = 20;  // pg.statement facts, most total time first
  // Query plans (postgres_plan.h): EXPLAIN (FORMAT JSON) of this many of the
  // statements with the most total time (0: none).  Statements with $n
  // parameters get their generic plan (PREPARE, plan_cache_mode =
  // force_generic_plan, EXPLAIN EXECUTE with NULLs, in a rolled-back
  // transaction); nothing is executed.
  int explain_statements = 10;
  // --explain-analyze: EXPLAIN (ANALYZE, BUFFERS) for the statements that
  // IsSafeToAnalyze accepts (parameterless plain SELECTs), each inside
  // BEGIN READ ONLY with SET LOCAL statement_timeout, then ROLLBACK.
  bool explain_analyze = false;
  int64_t explain_timeout_ms = 5000;
  int64_t connect_timeout_ms = 5000;
  int64_t statement_timeout_ms = 10000;
};

Result<Collection> CollectPostgres(const PostgresOptions& options);

}  // namespace vitals
