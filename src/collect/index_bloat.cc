#include "collect/index_bloat.h"

namespace vitals::detail {

std::string BtreeIndexQuery(std::string_view order_limit) {
  return "SELECT n.nspname, ic.relname, t.relname, ic.reltuples::float8, "
         "pg_catalog.pg_relation_size(ic.oid)::float8, current_setting('block_size')::float8, "
         "COALESCE((SELECT option_value FROM pg_catalog.pg_options_to_table(ic.reloptions) "
         "          WHERE option_name = 'fillfactor'), '90')::float8, "
         "(SELECT sum(s.avg_width)::float8 FROM pg_catalog.pg_attribute a "
         " JOIN pg_catalog.pg_stats s ON s.schemaname = n.nspname AND s.tablename = t.relname "
         "  AND s.attname = a.attname AND NOT s.inherited "
         " WHERE a.attrelid = t.oid AND a.attnum = ANY (x.indkey::int2[])), "
         "(SELECT count(*) FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.oid "
         " AND a.attnum = ANY (x.indkey::int2[])), x.indnkeyatts "
         "FROM pg_catalog.pg_index x "
         "JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid "
         "JOIN pg_catalog.pg_class t ON t.oid = x.indrelid "
         "JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace "
         "JOIN pg_catalog.pg_am am ON am.oid = ic.relam AND am.amname = 'btree' "
         "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
         "AND n.nspname NOT LIKE 'pg_toast%' AND x.indisvalid AND ic.reltuples >= 0 "
         "AND pg_catalog.pg_relation_size(ic.oid) >= 8 * current_setting('block_size')::int " +
         std::string(order_limit);
}

std::optional<IndexShape> BtreeIndexShape(const PgRows& rows, int r) {
  if (rows.IsNull(r, 7) || rows.Num(r, 8).value_or(0) < rows.Num(r, 9).value_or(1)) {
    return std::nullopt;
  }
  IndexShape s;
  s.rows = rows.Num(r, 3).value_or(0);
  s.bytes = rows.Num(r, 4).value_or(0);
  s.block_size = rows.Num(r, 5).value_or(8192);
  s.fillfactor = rows.Num(r, 6).value_or(90);
  s.key_width = rows.Num(r, 7).value_or(0);
  return s;
}

}  // namespace vitals::detail
