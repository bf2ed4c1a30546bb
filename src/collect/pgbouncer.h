// PgBouncer collector for `vitals check --pgbouncer DSN`.
//
// Connects with libpq to PgBouncer's admin console (the DSN's database must be `pgbouncer`
// and its user one of admin_users or stats_users) and sends SHOW commands only: POOLS,
// DATABASES, STATS, LISTS and CONFIG.  Read-only by construction: the console's SET, PAUSE,
// KILL, RELOAD ... are never sent.
//
// Facts (component "pgbouncer"; units per docs/rules.md):
//   pgbouncer.pool      one per database/user pool (subject "db/user"): cl_active,
//                       cl_waiting, sv_active, sv_idle, sv_used, sv_tested, sv_login,
//                       server_connections (their sum), maxwait_s (the oldest waiting
//                       client's wait), pool_size (the database's, else default_pool_size),
//                       server_used_ratio (server_connections / pool_size); text
//                       pool_mode, database, user
//   pgbouncer.database  one per [databases] entry: pool_size, reserve_pool,
//                       max_connections (0: no max_db_connections), current_connections,
//                       used_ratio (only with a max), paused, disabled; text pool_mode
//   pgbouncer.stats     one per database: avg_query_s, avg_xact_s, avg_wait_s,
//                       queries_per_s, xacts_per_s (PgBouncer's averages over its last
//                       stats_period)
//   pgbouncer.clients   subject "host:port": clients (used_clients of SHOW LISTS),
//                       max_client_conn, used_ratio, default_pool_size, max_db_connections;
//                       text pool_mode
// Limited: a SHOW command refused (a stats_users login cannot SHOW CONFIG) -> its facts
// are absent, with the reason.
//
// Errors: Unavailable when PgBouncer cannot be reached or refuses the login (the message says
// to connect to the `pgbouncer` database as an admin or stats user); messages show the DSN
// with its password masked.
//
// Thread-safety: CollectPgBouncer may run on any thread; calls share nothing.
#pragma once

#include <cstdint>
#include <string>

#include "collect/fact.h"
#include "core/status.h"

namespace vitals {

struct PgBouncerOptions {
  std::string dsn;  // postgresql://USER@HOST:6432/pgbouncer
  int64_t timeout_ms = 5000;
};

Result<Collection> CollectPgBouncer(const PgBouncerOptions& options);

}  // namespace vitals
