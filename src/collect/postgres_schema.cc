// Index and table checks: one catalog query each, whatever the number of
// relations (a 1,000-table, 3,000-index database must take well under 2 s).
#include <fmt/format.h>

#include "collect/postgres_checks.h"

namespace vitals::detail {
namespace {

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

}  // namespace

Status CheckIndexes(PgCheckContext& ctx, LeadingColumns& leading) {
  auto rows = ctx.conn->Query(
      "SELECT n.nspname, t.relname, c.relname, am.amname, i.indkey::text, i.indnkeyatts, "
      "i.indisunique, i.indisprimary, i.indisvalid, i.indexprs IS NOT NULL, "
      "i.indpred IS NOT NULL, COALESCE(s.idx_scan, 0), "
      // pg_relation_size opens the index (a relcache build per index: ~1 s for
      // 3,000 on a busy server), so measure exactly only candidates that are
      // at least 1 MB by pg_class.relpages (kept current by CREATE INDEX,
      // VACUUM and ANALYZE); the page count is close enough for the rest.
      "CASE WHEN (COALESCE(s.idx_scan, 0) = 0 AND NOT i.indisunique OR NOT i.indisvalid) "
      "AND c.relpages >= 128 THEN pg_catalog.pg_relation_size(i.indexrelid) "
      "ELSE c.relpages::int8 * current_setting('block_size')::int8 END, "
      "k.conindid IS NOT NULL, "
      // pg_get_indexdef costs ~0.2 ms per index on a cold backend: use it only
      // for expression and partial indexes; spell the plain ones from columns.
      "CASE WHEN i.indexprs IS NOT NULL OR i.indpred IS NOT NULL "
      "THEN pg_catalog.pg_get_indexdef(i.indexrelid) END, "
      "(SELECT a.attname FROM pg_catalog.pg_attribute a "
      " WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0]), "
      "array_to_string(ARRAY(SELECT pg_catalog.quote_ident(a.attname) "
      " FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS x(attnum, ord) "
      " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = x.attnum "
      " ORDER BY x.ord), ', ') "
      "FROM pg_catalog.pg_index i "
      "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
      "JOIN pg_catalog.pg_class t ON t.oid = i.indrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace "
      "JOIN pg_catalog.pg_am am ON am.oid = c.relam "
      "LEFT JOIN pg_catalog.pg_stat_user_indexes s ON s.indexrelid = i.indexrelid "
      "LEFT JOIN (SELECT DISTINCT conindid FROM pg_catalog.pg_constraint WHERE conindid <> 0) k "
      "  ON k.conindid = i.indexrelid "
      "WHERE c.relkind = 'i' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname !~ '^pg_(toast|temp_)' "
      "ORDER BY 1, 2, 3");
  if (!rows.ok()) return rows.status();
  const int n = rows->rows();
  std::vector<PgIndex> indexes(n);
  for (int r = 0; r < n; ++r) {
    PgIndex& x = indexes[r];
    x.schema = std::string(rows->Text(r, 0));
    x.table = std::string(rows->Text(r, 1));
    x.name = std::string(rows->Text(r, 2));
    x.method = std::string(rows->Text(r, 3));
    x.key_columns = ParseInt2Vector(rows->Text(r, 4));
    size_t nkey = static_cast<size_t>(rows->Num(r, 5).value_or(x.key_columns.size()));
    if (x.key_columns.size() > nkey) x.key_columns.resize(nkey);  // drop INCLUDE columns
    x.unique = rows->Bool(r, 6);
    x.primary = rows->Bool(r, 7);
    x.valid = rows->Bool(r, 8);
    x.has_expressions = rows->Bool(r, 9);
    x.has_predicate = rows->Bool(r, 10);
    if (x.valid && !rows->IsNull(r, 15)) {
      leading[x.schema + "." + x.table].insert(std::string(rows->Text(r, 15)));
    }
  }
  // Definitions as pg_get_indexdef would print them (INCLUDE columns join
  // the column list; opclasses and sort order are not shown).
  std::vector<std::string> definitions(n);
  for (int r = 0; r < n; ++r) {
    const PgIndex& x = indexes[r];
    definitions[r] =
        !rows->IsNull(r, 14)
            ? std::string(rows->Text(r, 14))
            : fmt::format("CREATE {}INDEX {} ON {}.{} USING {} ({})", x.unique ? "UNIQUE " : "",
                          QuoteIdent(x.name), QuoteIdent(x.schema), QuoteIdent(x.table), x.method,
                          rows->Text(r, 16));
  }
  std::vector<int> covering = FindCoveringIndexes(indexes);
  for (int r = 0; r < n; ++r) {
    const PgIndex& x = indexes[r];
    double scans = rows->Num(r, 11).value_or(0);
    bool constraint = rows->Bool(r, 13);
    bool unused = scans == 0 && !x.unique && !x.primary && !constraint && x.valid;
    bool duplicate = covering[r] >= 0;
    if (!unused && !duplicate && x.valid) continue;
    std::string qualified = QuoteIdent(x.schema) + "." + QuoteIdent(x.name);
    Fact& f = ctx.Add("pg.index", qualified);
    f.num["idx_scan"] = scans;
    f.num["size_bytes"] = rows->Num(r, 12).value_or(0);
    f.num["unused"] = unused ? 1 : 0;
    f.num["duplicate"] = duplicate ? 1 : 0;
    f.num["valid"] = x.valid ? 1 : 0;
    f.num["unique"] = x.unique ? 1 : 0;
    f.text["table"] = QuoteIdent(x.schema) + "." + QuoteIdent(x.table);
    f.text["definition"] = definitions[r];
    f.text["stats_since"] = ctx.stats_since;
    f.text["drop_sql"] = fmt::format("DROP INDEX CONCURRENTLY {};", qualified);
    f.text["reindex_sql"] = fmt::format("REINDEX INDEX CONCURRENTLY {};", qualified);
    if (duplicate) {
      const PgIndex& b = indexes[covering[r]];
      f.text["covered_by"] = QuoteIdent(b.schema) + "." + QuoteIdent(b.name);
      f.text["covered_by_definition"] = definitions[covering[r]];
    }
  }
  return Status::Ok();
}

Status CheckTables(PgCheckContext& ctx, const std::vector<QueryText>& texts,
                   const LeadingColumns& leading) {
  auto rows = ctx.conn->Query(
      "SELECT s.relid::text, s.schemaname, s.relname, s.seq_scan, COALESCE(s.idx_scan, 0), "
      "s.n_live_tup, s.n_dead_tup, pg_catalog.pg_relation_size(s.relid), "
      "EXTRACT(EPOCH FROM now() - GREATEST(s.last_vacuum, s.last_autovacuum))::float8, "
      "GREATEST(s.last_vacuum, s.last_autovacuum)::text, s.seq_tup_read "
      "FROM pg_catalog.pg_stat_user_tables s ORDER BY 2, 3");
  if (!rows.ok()) return rows.status();

  // Columns of the tables that are scanned sequentially more than through
  // indexes: only those can get missing-index advice.
  std::map<std::string, std::set<std::string>> table_columns;
  if (!texts.empty()) {
    auto cols = ctx.conn->Query(
        "SELECT s.schemaname || '.' || s.relname, a.attname "
        "FROM pg_catalog.pg_stat_user_tables s "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = s.relid "
        "WHERE a.attnum > 0 AND NOT a.attisdropped AND s.seq_scan > COALESCE(s.idx_scan, 0)");
    if (!cols.ok()) {
      if (!ctx.Limit("missing-index columns", cols.status())) return cols.status();
    } else {
      for (int r = 0; r < cols->rows(); ++r) {
        table_columns[std::string(cols->Text(r, 0))].insert(std::string(cols->Text(r, 1)));
      }
    }
  }
  auto filters = InferFilterColumns(texts, table_columns);

  for (int r = 0; r < rows->rows(); ++r) {
    std::string schema(rows->Text(r, 1)), table(rows->Text(r, 2));
    std::string key = schema + "." + table;
    std::string qualified = QuoteIdent(schema) + "." + QuoteIdent(table);
    Fact& f = ctx.Add("pg.table", qualified);
    f.num["seq_scan"] = rows->Num(r, 3).value_or(0);
    f.num["idx_scan"] = rows->Num(r, 4).value_or(0);
    double live = rows->Num(r, 5).value_or(0), dead = rows->Num(r, 6).value_or(0);
    f.num["n_live_tup"] = live;
    f.num["n_dead_tup"] = dead;
    if (live + dead > 0) f.num["dead_ratio"] = dead / (live + dead);
    f.num["size_bytes"] = rows->Num(r, 7).value_or(0);
    if (auto age = rows->Num(r, 8)) f.num["last_vacuum_age_s"] = *age;
    f.num["seq_tup_read"] = rows->Num(r, 10).value_or(0);
    f.text["last_vacuum"] = rows->IsNull(r, 9) ? "never" : std::string(rows->Text(r, 9));
    f.text["vacuum_sql"] = fmt::format("VACUUM (ANALYZE, VERBOSE) {};", qualified);

    // Columns already leading an index would not help as a new index.
    std::vector<std::string> cols;
    if (auto it = filters.find(key); it != filters.end()) {
      auto lead = leading.find(key);
      for (const auto& c : it->second) {
        if (lead == leading.end() || lead->second.count(c) == 0) cols.push_back(c);
      }
    }
    std::vector<std::string> quoted;
    for (const auto& c : cols) quoted.push_back(QuoteIdent(c));
    f.text["filter_columns"] = Join(quoted, ", ");
    if (!cols.empty()) {
      f.text["index_advice"] =
          fmt::format("CREATE INDEX CONCURRENTLY {} ON {} ({});",
                      QuoteIdent(SuggestIndexName(table, {cols[0]})), qualified, quoted[0]);
    } else {
      f.text["index_advice"] = fmt::format(
          "find the statements that read {} (pg_stat_statements, EXPLAIN) and index the columns "
          "of their WHERE clauses with CREATE INDEX CONCURRENTLY",
          qualified);
    }
  }
  return Status::Ok();
}

}  // namespace vitals::detail
