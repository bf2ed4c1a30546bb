// The PostgreSQL collector's logic that needs no server: which
// pg_stat_statements columns to read, which columns a workload filters on,
// which indexes are made redundant by others, and how SQL is shown safely.
// Split from postgres.cc so unit tests can feed it captured catalog output.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vitals::detail {

// ---- pg_stat_statements across versions -------------------------------------
// PG 13 split total_time into total_plan_time + total_exec_time (mean_time ->
// mean_exec_time); PG 17 renamed blk_read_time to shared_blk_read_time.  We
// read the view's columns on each connection and never assume a version.
struct PgssColumns {
  std::string total_time;  // "total_exec_time" or "total_time" (milliseconds)
  std::string mean_time;   // "mean_exec_time" or "mean_time"
  std::string plan_time;   // "total_plan_time" or "" (before PG 13)
  std::string read_time;   // "shared_blk_read_time", "blk_read_time" or ""
  bool toplevel = false;   // PG 14+: count top-level statements only
};

// Errors: Parse when neither total_exec_time nor total_time exists (names the
// columns seen), e.g. an unknown fork.
Result<PgssColumns> DetectPgssColumns(const std::vector<std::string>& columns);

// The statements query for the current database, most total time first.
// `schema` is the extension's schema, already a quoted identifier.
std::string PgssStatementsSql(const PgssColumns& cols, std::string_view schema, int limit);

// ---- showing SQL -------------------------------------------------------------
// Query text for display: string and dollar-quoted literals become '?' (so a
// utility statement's password or an email in a WHERE never shows), runs of
// whitespace become one space, and text longer than max_chars is cut at a
// UTF-8 boundary with "...".
std::string MaskSql(std::string_view sql, size_t max_chars);

// An identifier as PostgreSQL needs it written: bare when it is lower-case
// [a-z_][a-z0-9_]* and not a reserved word, else "double-quoted".
std::string QuoteIdent(std::string_view name);

// "idx_<table>_<col1>_<col2>", at most 63 bytes (NAMEDATALEN - 1).
std::string SuggestIndexName(std::string_view table, const std::vector<std::string>& columns);

// ---- missing-index advice: which columns does the workload filter on? --------
struct QueryText {
  std::string text;  // normalized statement text from pg_stat_statements
  double calls = 0;
  std::string queryid;
  double mean_ms = 0;
};

// For each table key ("schema.table") in `table_columns`, the columns that
// statements compare in WHERE / ON / AND / OR clauses (`col = $1`,
// `o.col IN (...)`, `col LIKE ...`, `col BETWEEN ...`, `col IS NULL`), for
// statements that read that table (FROM / JOIN / UPDATE / DELETE FROM, with or
// without schema, aliases resolved).  Weighted by calls, most first, at most
// `max_columns`; only real columns of the table are returned.  A deliberately
// simple tokenizer, not a parser: it never fails, and when it cannot tell, it
// says nothing.
std::map<std::string, std::vector<std::string>> InferFilterColumns(
    const std::vector<QueryText>& queries,
    const std::map<std::string, std::set<std::string>>& table_columns, size_t max_columns = 3);

// ---- duplicate indexes (pgHero's rule) ----------------------------------------
struct PgIndex {
  std::string schema, table, name;
  std::string method;            // "btree", "hash", ...
  std::vector<int> key_columns;  // attnums of the key columns (0 = expression)
  bool unique = false;
  bool primary = false;
  bool valid = true;
  bool has_expressions = false;
  bool has_predicate = false;
};

// For each index, the position of another index that makes it redundant, or
// -1.  Index A is redundant when it is a plain (not unique, not primary),
// valid index without expressions or predicate, and another valid index B on
// the same table, same access method, also without expressions or predicate,
// has key columns that start with A's key columns.  When both have the same
// columns, the one whose name sorts last is the redundant one (so exactly one
// of a pair is reported), unless B is unique or primary.
std::vector<int> FindCoveringIndexes(const std::vector<PgIndex>& indexes);

// ---- bloat estimates from planner statistics -----------------------------------
// The size the live rows of a table would take packed at its fillfactor: a
// heap tuple is its header (23 bytes + the null bitmap when a column has
// nulls, MAXALIGNed to 8) plus the average data width (pg_stats: sum of
// avg_width x (1 - null_frac), aligned to 8) plus a 4-byte line pointer; a
// page holds (block_size - 24) x fillfactor of them, at most 291.
struct TableShape {
  double rows = 0;   // live rows (reltuples)
  double bytes = 0;  // main fork on disk
  double block_size = 8192;
  double fillfactor = 100;  // percent
  double data_width = 0;
  bool has_nulls = false;
  int columns = 0;
};
double EstimateTableBytes(const TableShape& t);

// The same for a B-tree: 8-byte index tuple header + key width, MAXALIGNed,
// + a line pointer; (block_size - 24 - 16) x fillfactor per leaf page; one
// internal page per leaf page's worth of leaves, and the meta page.
struct IndexShape {
  double rows = 0;
  double bytes = 0;
  double block_size = 8192;
  double fillfactor = 90;
  double key_width = 0;
};
double EstimateBtreeBytes(const IndexShape& s);

// "1 3 0" (int2vector text) -> {1, 3, 0}; stops at the first non-number.
std::vector<int> ParseInt2Vector(std::string_view text);

}  // namespace vitals::detail
