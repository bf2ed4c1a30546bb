// The B-tree index bloat estimate that `vitals check` (fact pg.index_bloat) and `vitals tune`
// (kind pg.reindex) share: one catalog query over pg_index / pg_class / pg_stats, and the
// shape of each row for EstimateBtreeBytes (postgres_logic.h).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "collect/postgres_conn.h"
#include "collect/postgres_logic.h"

namespace vitals::detail {

// Valid B-tree indexes of user schemas of at least 8 blocks.  Columns: 0 schema, 1 index,
// 2 table, 3 reltuples, 4 size in bytes, 5 block_size, 6 fillfactor, 7 sum of the key
// columns' pg_stats avg_width, 8 key columns found, 9 key columns.  `order_limit` ends the
// statement ("ORDER BY 1, 2", "ORDER BY ... LIMIT 200").
std::string BtreeIndexQuery(std::string_view order_limit);

// Row `r` of that query as an IndexShape; nullopt when a key column has no pg_stats row
// (an expression, or never analysed): no estimate.
std::optional<IndexShape> BtreeIndexShape(const PgRows& rows, int r);

}  // namespace vitals::detail
