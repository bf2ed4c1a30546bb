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
//                   rows, share_ratio (of the database's total); text query
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
//   pg.sequence     used ratio of each readable sequence against the smaller
//                   of its own maximum and its column's type: used_ratio,
//                   last_value, max_value; text column, column_type, alter_sql
// Activity facts (query, transaction, blocked) and the cache and statement
// facts cover the database in the DSN (as pgHero does), connections and XID
// age cover the whole server.
//
// Limited checks (Collection::limited) instead of failures: pg_stat_statements
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
  // since the last reset, so this collector reads them once and ignores the
  // window; the field keeps collector options uniform.
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
  int64_t connect_timeout_ms = 5000;
  int64_t statement_timeout_ms = 10000;
};

Result<Collection> CollectPostgres(const PostgresOptions& options);

}  // namespace vitals
