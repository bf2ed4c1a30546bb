// Bloat, the largest relations, and temporary files (CheckBloat,
// CheckRelationSizes, CheckTempFiles).
//
// Bloat is estimated from the planner's statistics (pg_stats average widths
// and null fractions, pg_class row counts): the size the live rows would need
// when packed at the table's fillfactor, against the size on disk.  This is
// the estimate the community's well-known bloat queries make, written here in
// our own words (EstimateTableBytes / EstimateBtreeBytes in postgres_logic.h).
// When the pgstattuple extension is installed, the tables the estimate flags
// are measured with pgstattuple_approx instead (dead tuples + free space),
// which reads the pages that are not all-visible.
#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "collect/index_bloat.h"
#include "collect/postgres_checks.h"

namespace vitals::detail {

Status CheckBloat(PgCheckContext& ctx) {
  const std::string check = "bloat";
  auto tables = ctx.conn->Query(
      "WITH w AS (SELECT schemaname, tablename, sum((1 - null_frac) * avg_width)::float8 AS "
      "width, bool_or(null_frac > 0) AS nulls, count(*) AS ncols FROM pg_catalog.pg_stats "
      "WHERE NOT inherited GROUP BY 1, 2) "
      "SELECT n.nspname, c.relname, c.oid::int8, "
      "CASE WHEN c.reltuples >= 0 THEN c.reltuples::float8 "
      "ELSE COALESCE(pg_catalog.pg_stat_get_live_tuples(c.oid), 0)::float8 END, "
      "pg_catalog.pg_relation_size(c.oid)::float8, "
      "current_setting('block_size')::float8, "
      "COALESCE((SELECT option_value FROM pg_catalog.pg_options_to_table(c.reloptions) "
      "          WHERE option_name = 'fillfactor'), '100')::float8, "
      "w.width, w.nulls, w.ncols, "
      "COALESCE(pg_catalog.pg_stat_get_dead_tuples(c.oid), 0)::float8 "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "JOIN w ON w.schemaname = n.nspname AND w.tablename = c.relname "
      "WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname NOT LIKE 'pg_toast%' "
      "AND pg_catalog.pg_relation_size(c.oid) >= 8 * current_setting('block_size')::int "
      "ORDER BY pg_catalog.pg_relation_size(c.oid) DESC LIMIT 200");
  if (!tables.ok()) return ctx.Limit(check, tables.status()) ? Status::Ok() : tables.status();

  auto ext = ctx.conn->Query(
      "SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n "
      "ON n.oid = e.extnamespace WHERE e.extname = 'pgstattuple'");
  std::string pgstattuple =
      ext.ok() && ext->rows() > 0 ? QuoteIdent(ext->Text(0, 0)) + ".pgstattuple_approx" : "";

  int measured = 0;
  for (int r = 0; r < tables->rows(); ++r) {
    TableShape t;
    t.rows = tables->Num(r, 3).value_or(0);
    t.bytes = tables->Num(r, 4).value_or(0);
    t.block_size = tables->Num(r, 5).value_or(8192);
    t.fillfactor = tables->Num(r, 6).value_or(100);
    t.data_width = tables->Num(r, 7).value_or(0);
    t.has_nulls = tables->Bool(r, 8);
    t.columns = static_cast<int>(tables->Num(r, 9).value_or(0));
    double expected = EstimateTableBytes(t);
    double bloat = std::max(0.0, t.bytes - expected);
    std::string name = QuoteIdent(tables->Text(r, 0)) + "." + QuoteIdent(tables->Text(r, 1));
    std::string source = "estimate (pg_stats)";
    // Measure what the estimate flags, at most 20 tables per check.
    if (!pgstattuple.empty() && bloat >= 0.2 * t.bytes && measured < 20) {
      ++measured;
      auto m = ctx.conn->Query(
          fmt::format("SELECT (dead_tuple_len + approx_free_space)::float8, table_len::float8 "
                      "FROM {}({}::oid::regclass)",
                      pgstattuple, std::string(tables->Text(r, 2))));
      if (m.ok() && m->rows() == 1) {
        bloat = m->Num(0, 0).value_or(bloat);
        source = "pgstattuple_approx";
      } else if (!m.ok()) {
        if (!ctx.Limit("bloat (pgstattuple_approx on " + name + ")", m.status())) {
          return m.status();
        }
        pgstattuple.clear();  // one message is enough
      }
    }
    Fact& f = ctx.Add("pg.table_bloat", name);
    f.num["size_bytes"] = t.bytes;
    f.num["expected_bytes"] = expected;
    f.num["bloat_bytes"] = bloat;
    f.num["bloat_ratio"] = t.bytes > 0 ? bloat / t.bytes : 0;
    f.num["live_rows"] = t.rows;
    f.num["dead_rows"] = tables->Num(r, 10).value_or(0);
    f.text["source"] = source;
    f.text["vacuum_sql"] = fmt::format("VACUUM (VERBOSE, ANALYZE) {};", name);
  }

  // B-tree indexes: key columns' widths from pg_stats of their table.
  auto indexes = ctx.conn->Query(
      BtreeIndexQuery("ORDER BY pg_catalog.pg_relation_size(ic.oid) DESC LIMIT 200"));
  if (!indexes.ok()) return ctx.Limit(check, indexes.status()) ? Status::Ok() : indexes.status();
  for (int r = 0; r < indexes->rows(); ++r) {
    const std::optional<IndexShape> shape = BtreeIndexShape(*indexes, r);
    if (!shape) continue;  // an expression column has no pg_stats row: no estimate
    const IndexShape& s = *shape;
    double expected = EstimateBtreeBytes(s);
    double bloat = std::max(0.0, s.bytes - expected);
    std::string name = QuoteIdent(indexes->Text(r, 0)) + "." + QuoteIdent(indexes->Text(r, 1));
    Fact& f = ctx.Add("pg.index_bloat", name);
    f.num["size_bytes"] = s.bytes;
    f.num["expected_bytes"] = expected;
    f.num["bloat_bytes"] = bloat;
    f.num["bloat_ratio"] = s.bytes > 0 ? bloat / s.bytes : 0;
    f.text["table"] = QuoteIdent(indexes->Text(r, 0)) + "." + QuoteIdent(indexes->Text(r, 2));
    f.text["source"] = "estimate (pg_stats)";
    f.text["reindex_sql"] = fmt::format("REINDEX INDEX CONCURRENTLY {};", name);
  }
  return Status::Ok();
}

Status CheckRelationSizes(PgCheckContext& ctx) {
  auto rows = ctx.conn->Query(
      "SELECT n.nspname, c.relname, c.relkind::text, "
      "pg_catalog.pg_total_relation_size(c.oid)::float8, "
      "pg_catalog.pg_relation_size(c.oid)::float8, "
      "CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_indexes_size(c.oid)::float8 END, "
      "CASE WHEN c.relkind = 'i' THEN (SELECT quote_ident(tn.nspname) || '.' || "
      "  quote_ident(t.relname) FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class t "
      "  ON t.oid = x.indrelid JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
      "  WHERE x.indexrelid = c.oid) END "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'i', 'm') AND n.nspname NOT IN ('pg_catalog', "
      "'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
      "ORDER BY pg_catalog.pg_total_relation_size(c.oid) DESC LIMIT 20");
  if (!rows.ok()) {
    return ctx.Limit("largest relations", rows.status()) ? Status::Ok() : rows.status();
  }
  for (int r = 0; r < rows->rows(); ++r) {
    std::string name = QuoteIdent(rows->Text(r, 0)) + "." + QuoteIdent(rows->Text(r, 1));
    Fact& f = ctx.Add("pg.relation_size", name);
    std::string_view kind = rows->Text(r, 2);
    f.text["relkind"] = kind == "i" ? "index" : kind == "m" ? "materialized view" : "table";
    f.num["total_bytes"] = rows->Num(r, 3).value_or(0);
    f.num["main_bytes"] = rows->Num(r, 4).value_or(0);
    if (auto v = rows->Num(r, 5)) f.num["index_bytes"] = *v;
    if (!rows->IsNull(r, 6)) f.text["table"] = std::string(rows->Text(r, 6));
    f.num["rank"] = r + 1;
  }
  return Status::Ok();
}

}  // namespace vitals::detail
