#include "collect/postgres.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "collect/dsn.h"
#include "collect/postgres_checks.h"

namespace vitals {
namespace detail {

Fact& PgCheckContext::Add(std::string kind, std::string subject) {
  Fact& f = out->facts.emplace_back();
  f.component = "postgres";
  f.kind = std::move(kind);
  f.subject = std::move(subject);
  return f;
}

bool PgCheckContext::Limit(const std::string& check, const Status& status) {
  out->limited.push_back(fmt::format("{}: {}", check, status.message()));
  return status.code() != Status::Code::kUnavailable;
}

Status CheckIdentity(PgCheckContext& ctx) {
  auto rows = ctx.conn->Query(
      "SELECT current_database(), current_user, "
      "COALESCE((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), false), "
      "pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'), "
      "COALESCE((SELECT stats_reset FROM pg_catalog.pg_stat_database "
      "          WHERE datname = current_database()), "
      "pg_catalog.pg_postmaster_start_time())::text");
  if (!rows.ok()) return rows.status();
  ctx.database = std::string(rows->Text(0, 0));
  ctx.role = std::string(rows->Text(0, 1));
  ctx.reads_all_stats = rows->Bool(0, 2) || rows->Bool(0, 3);
  ctx.stats_since = std::string(rows->Text(0, 4));
  if (!ctx.reads_all_stats) {
    ctx.out->limited.push_back(fmt::format(
        "activity and statement texts: role {} sees only its own sessions' queries and "
        "statements (long-running, idle-in-transaction and blocked checks cover its own "
        "sessions only); GRANT pg_monitor TO {}; to see all",
        ctx.role, QuoteIdent(ctx.role)));
  }
  return Status::Ok();
}

Status CheckConnections(PgCheckContext& ctx) {
  auto rows = ctx.conn->Query(
      "SELECT count(*) FILTER (WHERE backend_type = 'client backend'), "
      "count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active'), "
      "count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'idle'), "
      "count(*) FILTER (WHERE backend_type = 'client backend' AND state LIKE 'idle in "
      "transaction%'), "
      "current_setting('max_connections')::int, "
      "current_setting('superuser_reserved_connections')::int, "
      "COALESCE(current_setting('reserved_connections', true), '0')::int "
      "FROM pg_catalog.pg_stat_activity");
  if (!rows.ok()) return rows.status();
  Fact& f = ctx.Add("pg.connections", "server");
  const char* names[] = {"connections",         "active",          "idle",
                         "idle_in_transaction", "max_connections", "superuser_reserved_connections",
                         "reserved_connections"};
  for (int c = 0; c < 7; ++c) f.num[names[c]] = rows->Num(0, c).value_or(0);
  // Ordinary roles can use max_connections minus the reserved slots
  // (check_postgres counts the same way).
  double usable = f.num["max_connections"] - f.num["superuser_reserved_connections"] -
                  f.num["reserved_connections"];
  f.num["usable_connections"] = usable;
  if (usable > 0) f.num["used_ratio"] = f.num["connections"] / usable;
  return Status::Ok();
}

Status CheckCache(PgCheckContext& ctx) {
  auto rows = ctx.conn->Query(
      "SELECT h.hit, h.rd, i.hit, i.rd FROM "
      "(SELECT COALESCE(sum(heap_blks_hit), 0)::float8 AS hit, "
      "        COALESCE(sum(heap_blks_read), 0)::float8 AS rd "
      " FROM pg_catalog.pg_statio_user_tables) h, "
      "(SELECT COALESCE(sum(idx_blks_hit), 0)::float8 AS hit, "
      "        COALESCE(sum(idx_blks_read), 0)::float8 AS rd "
      " FROM pg_catalog.pg_statio_user_indexes) i");
  if (!rows.ok()) return rows.status();
  Fact& f = ctx.Add("pg.cache", ctx.database);
  double heap_hit = rows->Num(0, 0).value_or(0), heap_read = rows->Num(0, 1).value_or(0);
  double idx_hit = rows->Num(0, 2).value_or(0), idx_read = rows->Num(0, 3).value_or(0);
  f.num["heap_blks_total"] = heap_hit + heap_read;
  f.num["idx_blks_total"] = idx_hit + idx_read;
  if (heap_hit + heap_read > 0) f.num["heap_hit_ratio"] = heap_hit / (heap_hit + heap_read);
  if (idx_hit + idx_read > 0) f.num["index_hit_ratio"] = idx_hit / (idx_hit + idx_read);
  f.text["stats_since"] = ctx.stats_since;
  return Status::Ok();
}

Status CheckStatements(PgCheckContext& ctx, std::vector<QueryText>& texts) {
  const std::string check = "pg_stat_statements (slow queries, missing-index columns)";
  auto ext = ctx.conn->Query(
      "SELECT n.nspname FROM pg_catalog.pg_extension e "
      "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
      "WHERE e.extname = 'pg_stat_statements'");
  if (!ext.ok()) return ctx.Limit(check, ext.status()) ? Status::Ok() : ext.status();
  if (ext->rows() == 0) {
    ctx.out->limited.push_back(fmt::format(
        "{}: extension not installed in database {}; to enable: add pg_stat_statements to "
        "shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements;",
        check, ctx.database));
    return Status::Ok();
  }
  std::string schema = QuoteIdent(ext->Text(0, 0));
  auto cols = ctx.conn->Query(
      fmt::format("SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass({}) "
                  "AND attnum > 0 AND NOT attisdropped",
                  PgQuoteLiteral(schema + ".pg_stat_statements")));
  if (!cols.ok()) return ctx.Limit(check, cols.status()) ? Status::Ok() : cols.status();
  std::vector<std::string> names;
  for (int r = 0; r < cols->rows(); ++r) names.emplace_back(cols->Text(r, 0));
  auto detected = DetectPgssColumns(names);
  if (!detected.ok()) return ctx.Limit(check, detected.status()) ? Status::Ok() : detected.status();
  auto rows = ctx.conn->Query(PgssStatementsSql(*detected, schema, 500));
  if (!rows.ok()) return ctx.Limit(check, rows.status()) ? Status::Ok() : rows.status();

  int c_calls = rows->Col("calls"), c_total = rows->Col("total_ms"), c_mean = rows->Col("mean_ms"),
      c_plan = rows->Col("plan_ms"), c_read = rows->Col("read_ms"), c_rows = rows->Col("rows"),
      c_hit = rows->Col("shared_blks_hit"), c_blks_read = rows->Col("shared_blks_read"),
      c_db_total = rows->Col("db_total_ms"), c_query = rows->Col("query"),
      c_id = rows->Col("queryid"), c_role = rows->Col("rolname"),
      c_temp = rows->Col("temp_blks_written");
  for (int r = 0; r < rows->rows(); ++r) {
    std::string_view query = rows->Text(r, c_query);
    double calls = rows->Num(r, c_calls).value_or(0);
    texts.push_back({std::string(query), calls, std::string(rows->Text(r, c_id)),
                     rows->Num(r, c_mean).value_or(0)});
    if (r >= ctx.options->top_statements) continue;
    Fact& f = ctx.Add("pg.statement", MaskSql(query, 80));
    f.num["calls"] = calls;
    f.num["total_time_s"] = rows->Num(r, c_total).value_or(0) / 1e3;
    f.num["mean_time_s"] = rows->Num(r, c_mean).value_or(0) / 1e3;
    if (auto v = rows->Num(r, c_plan)) f.num["plan_time_s"] = *v / 1e3;
    if (auto v = rows->Num(r, c_read)) f.num["read_time_s"] = *v / 1e3;
    f.num["rows"] = rows->Num(r, c_rows).value_or(0);
    f.num["shared_blks_hit"] = rows->Num(r, c_hit).value_or(0);
    f.num["shared_blks_read"] = rows->Num(r, c_blks_read).value_or(0);
    // Temporary blocks are BLCKSZ (8 KiB on every build anyone runs).
    double temp_bytes = rows->Num(r, c_temp).value_or(0) * 8192;
    f.num["temp_bytes_written"] = temp_bytes;
    if (calls > 0) f.num["temp_bytes_per_call"] = temp_bytes / calls;
    double db_total = rows->Num(r, c_db_total).value_or(0);
    if (db_total > 0) f.num["share_ratio"] = rows->Num(r, c_total).value_or(0) / db_total;
    f.text["query"] = MaskSql(query, 500);
    f.text["queryid"] = std::string(rows->Text(r, c_id));
    f.text["role"] = std::string(rows->Text(r, c_role));
    f.text["stats_since"] = ctx.stats_since;
  }
  return Status::Ok();
}

Result<TempSample> ReadTempFiles(PgConn& conn) {
  auto rows = conn.Query(
      "SELECT temp_files::float8, temp_bytes::float8 FROM pg_catalog.pg_stat_database "
      "WHERE datname = current_database()");
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return Status::NotFound("no pg_stat_database row for this database");
  return TempSample{rows->Num(0, 0).value_or(0), rows->Num(0, 1).value_or(0),
                    std::chrono::steady_clock::now()};
}

Status CheckTempFiles(PgCheckContext& ctx, const TempSample& first) {
  auto last = ReadTempFiles(*ctx.conn);
  if (!last.ok()) {
    return ctx.Limit("temporary files", last.status()) ? Status::Ok() : last.status();
  }
  double window_s = std::chrono::duration<double>(last->at - first.at).count();
  Fact& f = ctx.Add("pg.temp_files", ctx.database);
  f.num["temp_files"] = last->files;
  f.num["temp_bytes"] = last->bytes;
  f.num["window_s"] = window_s;
  if (window_s > 0) {
    f.num["temp_files_per_s"] = std::max(0.0, last->files - first.files) / window_s;
    f.num["temp_bytes_per_s"] = std::max(0.0, last->bytes - first.bytes) / window_s;
  }
  f.text["stats_since"] = ctx.stats_since;
  return Status::Ok();
}

Status CheckDatabases(PgCheckContext& ctx) {
  auto rows = ctx.conn->Query(
      "SELECT datname, age(datfrozenxid)::float8, "
      "current_setting('autovacuum_freeze_max_age')::float8 "
      "FROM pg_catalog.pg_database WHERE datallowconn ORDER BY 2 DESC");
  if (!rows.ok())
    return ctx.Limit("transaction ID age", rows.status()) ? Status::Ok() : rows.status();
  for (int r = 0; r < rows->rows(); ++r) {
    Fact& f = ctx.Add("pg.database", std::string(rows->Text(r, 0)));
    double age = rows->Num(r, 1).value_or(0), freeze_max = rows->Num(r, 2).value_or(0);
    f.num["xid_age"] = age;
    f.num["autovacuum_freeze_max_age"] = freeze_max;
    if (freeze_max > 0) f.num["freeze_max_age_ratio"] = age / freeze_max;
    // Wraparound happens 2^31 transactions after the oldest unfrozen XID.
    f.num["wraparound_ratio"] = age / 2147483648.0;
    f.text["vacuum_sql"] =
        fmt::format("VACUUM (FREEZE, VERBOSE);  -- in database {}", QuoteIdent(rows->Text(r, 0)));
  }
  return Status::Ok();
}

Status CheckSequences(PgCheckContext& ctx) {
  const std::string check = "sequences";
  auto rows = ctx.conn->Query(
      "SELECT s.schemaname, s.sequencename, s.data_type::text, s.last_value::float8, "
      "s.min_value::float8, s.max_value::float8, s.increment_by, "
      "pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE'), "
      "pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(t.relname), "
      "pg_catalog.quote_ident(a.attname), pg_catalog.format_type(a.atttypid, NULL) "
      "FROM pg_catalog.pg_sequences s "
      "JOIN pg_catalog.pg_namespace sn ON sn.nspname = s.schemaname "
      "JOIN pg_catalog.pg_class c ON c.relnamespace = sn.oid AND c.relname = s.sequencename "
      "LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass "
      "  AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass "
      "  AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 "
      "LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid "
      "LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
      "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = "
      "d.refobjsubid");
  if (!rows.ok()) return ctx.Limit(check, rows.status()) ? Status::Ok() : rows.status();
  int unreadable = 0;
  for (int r = 0; r < rows->rows(); ++r) {
    if (!rows->Bool(r, 7)) {
      ++unreadable;
      continue;
    }
    auto last = rows->Num(r, 3);
    if (!last) continue;  // never used
    double min_v = rows->Num(r, 4).value_or(0), max_v = rows->Num(r, 5).value_or(0);
    double inc = rows->Num(r, 6).value_or(1);
    std::string column_type = rows->IsNull(r, 10) ? "" : std::string(rows->Text(r, 10));
    // The column may be narrower than the sequence (a bigint sequence feeding
    // an integer column): the smaller limit is the one that bites.
    if (column_type == "smallint") {
      max_v = std::min(max_v, 32767.0), min_v = std::max(min_v, -32768.0);
    } else if (column_type == "integer") {
      max_v = std::min(max_v, 2147483647.0), min_v = std::max(min_v, -2147483648.0);
    }
    std::string seq = QuoteIdent(rows->Text(r, 0)) + "." + QuoteIdent(rows->Text(r, 1));
    Fact& f = ctx.Add("pg.sequence", seq);
    f.num["last_value"] = *last;
    f.num["max_value"] = inc >= 0 ? max_v : min_v;
    if (inc >= 0 && max_v > 0) f.num["used_ratio"] = *last / max_v;
    if (inc < 0 && min_v < 0) f.num["used_ratio"] = *last / min_v;
    f.text["data_type"] = std::string(rows->Text(r, 2));
    f.text["column_type"] = column_type.empty() ? std::string(rows->Text(r, 2)) : column_type;
    if (!rows->IsNull(r, 8)) {
      std::string table(rows->Text(r, 8)), col(rows->Text(r, 9));
      f.text["column"] = table + "." + col;
      f.text["alter_sql"] =
          column_type == "bigint"
              ? fmt::format("-- {} is already bigint: check the sequence's INCREMENT and CACHE",
                            col)
              : fmt::format(
                    "ALTER TABLE {} ALTER COLUMN {} TYPE bigint; ALTER SEQUENCE {} AS bigint;",
                    table, col, seq);
    } else {
      f.text["column"] = "(not owned by a column)";
      f.text["alter_sql"] = fmt::format("ALTER SEQUENCE {} AS bigint;", seq);
    }
  }
  if (unreadable > 0) {
    ctx.out->limited.push_back(
        fmt::format("{}: {} sequence(s) not readable by role {} (needs SELECT or USAGE on them)",
                    check, unreadable, ctx.role));
  }
  return Status::Ok();
}

}  // namespace detail

Result<Collection> CollectPostgres(const PostgresOptions& options) {
  detail::PgConnectOptions connect;
  connect.connect_timeout_ms = options.connect_timeout_ms;
  connect.statement_timeout_ms = options.statement_timeout_ms;
  auto conn = detail::PgConn::Connect(options.dsn, connect);
  if (!conn.ok()) return conn.status();

  Collection out;
  out.component = "postgres";
  detail::PgCheckContext ctx;
  ctx.conn = &conn.value();
  ctx.options = &options;
  ctx.out = &out;
  Status st = detail::CheckIdentity(ctx);
  if (!st.ok()) {
    return Status::Unavailable(fmt::format("{}: {}", conn->display(), st.message()));
  }
  // Temporary files are a rate over the window: one sample now, one at the end.
  const auto started = std::chrono::steady_clock::now();
  auto temp_first = detail::ReadTempFiles(conn.value());
  if (!temp_first.ok() && !ctx.Limit("temporary files", temp_first.status())) {
    return temp_first.status();
  }
  std::vector<detail::QueryText> texts;
  detail::LeadingColumns leading;
  struct Check {
    const char* name;
    std::function<Status()> run;
  };
  const Check checks[] = {
      {"connections", [&] { return detail::CheckConnections(ctx); }},
      {"cache hit ratio", [&] { return detail::CheckCache(ctx); }},
      {"statements", [&] { return detail::CheckStatements(ctx, texts); }},
      {"indexes", [&] { return detail::CheckIndexes(ctx, leading); }},
      {"tables", [&] { return detail::CheckTables(ctx, texts, leading); }},
      {"activity", [&] { return detail::CheckActivity(ctx); }},
      {"transaction ID age", [&] { return detail::CheckDatabases(ctx); }},
      {"sequences", [&] { return detail::CheckSequences(ctx); }},
      {"query plans", [&] { return detail::CheckPlans(ctx, texts); }},
      {"bloat", [&] { return detail::CheckBloat(ctx); }},
      {"largest relations", [&] { return detail::CheckRelationSizes(ctx); }},
  };
  for (const Check& check : checks) {
    st = check.run();
    if (st.ok()) continue;
    // A lost connection ends the collection; anything else limits one check.
    if (!ctx.Limit(check.name, st)) return st;
  }
  if (temp_first.ok()) {
    std::this_thread::sleep_until(started + std::chrono::nanoseconds(options.window_ns));
    st = detail::CheckTempFiles(ctx, *temp_first);
    if (!st.ok() && !ctx.Limit("temporary files", st)) return st;
  }
  return out;
}

}  // namespace vitals
