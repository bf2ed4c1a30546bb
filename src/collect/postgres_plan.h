// Query plans for `vitals check --postgres` (server-free logic): which
// pg_stat_statements texts may be explained or analysed, what an
// EXPLAIN (FORMAT JSON) plan says (the node that costs most, the problem
// nodes), the plan's fingerprint, and what changed between two fingerprints.
// The SQL that runs EXPLAIN is in postgres_plans.cc.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "collect/fact.h"
#include "core/status.h"

namespace vitals::detail {

// ---- which statements --------------------------------------------------------
// True for statements EXPLAIN accepts: SELECT, WITH, INSERT, UPDATE, DELETE,
// VALUES, TABLE (first keyword after comments and opening parentheses).
bool IsExplainable(std::string_view sql);

// Highest $n placeholder outside literals and comments (0 for none).
int CountParams(std::string_view sql);

// Whether `EXPLAIN ANALYZE` may run the statement: a single SELECT (or WITH
// ... SELECT) without parameters, without INTO, FOR UPDATE/SHARE, data-
// modifying words (INSERT, UPDATE, DELETE, MERGE, ...) anywhere, and without
// calls of functions outside a short list of built-ins known to have no side
// effects.  Deliberately conservative: when unsure it says no and `why` says
// which token decided.
bool IsSafeToAnalyze(std::string_view sql, std::string* why);

// ---- what a plan says --------------------------------------------------------
// One node of a plan, flattened in pre-order.
struct PlanNode {
  std::string type;      // "Seq Scan", "Index Scan", "Nested Loop", "Sort", ...
  std::string relation;  // "public.orders" (scan nodes), else ""
  std::string index;     // index name (index scans), else ""
  std::string filter;    // the node's Filter, else ""
  int depth = 0;
  int parent = -1;           // index of the parent node, -1 for the root
  double total_cost = 0;     // the node's Total Cost (children included)
  double self_cost = 0;      // total cost minus its children's
  double plan_rows = 0;      // estimated rows per loop
  double plan_width = 0;     // estimated bytes per row
  bool analyzed = false;     // the node carries Actual Rows/Loops
  double actual_rows = 0;    // rows per loop
  double loops = 0;          // Actual Loops
  double self_time_ms = 0;   // exclusive actual time (all loops)
  double total_time_ms = 0;  // inclusive actual time (all loops)
  double removed_by_filter = 0;
  std::string sort_method;  // "external merge", "quicksort", ...
  double sort_space_kb = 0;
  std::string sort_space_type;  // "Disk" | "Memory"
  double hash_batches = 0;
};

struct PlanSummary {
  std::vector<PlanNode> nodes;  // pre-order
  int hottest = -1;             // node with the largest self time (analysed) or self cost
  double hottest_share = 0;     // its share of the whole plan's time or cost
  double total_cost = 0;        // root Total Cost
  double execution_ms = 0;      // Execution Time (analysed only)
  bool analyzed = false;
  // "Nested Loop(Seq Scan public.orders,Index Scan public.customers customers_pkey)":
  // node types, relations and indexes in tree order; no costs or rows.
  std::string fingerprint;
};

// Parses the JSON of EXPLAIN (..., FORMAT JSON).  Errors: Parse (names what is
// missing) for text that is not such a document.
Result<PlanSummary> ParsePlanJson(std::string_view json);

// "Seq Scan on public.orders", "Index Scan using orders_pkey on public.orders",
// "Sort", "Nested Loop".
std::string DescribeNode(const PlanNode& node);

// How each relation is read in a fingerprint: "public.orders" -> "Index Scan
// using orders_customer_idx" (the first scan of it in tree order).
std::map<std::string, std::string> AccessPaths(std::string_view fingerprint);

// What changed between two fingerprints, for people: "Index Scan using
// idx_orders_customer -> Seq Scan on public.orders"; several relations are
// joined with "; ".  When no relation's access changed (a join order or join
// method changed), "plan shape changed: <old> -> <new>" cut to a sane length.
std::string DescribePlanChange(std::string_view before, std::string_view after);

// ---- facts from a plan ---------------------------------------------------------
// What the collector knows about the statement and its tables.
struct PlanContext {
  std::string queryid;
  std::string query;  // masked for display
  double calls = 0;
  double mean_time_s = 0;
  double work_mem_bytes = 4 << 20;
  // Rows in each relation (reltuples, or n_live_tup when never analysed).
  std::map<std::string, double> table_rows;
};

// Appends the problem-node facts of one plan (component "postgres"):
//   pg.plan.seq_scan      a Seq Scan with a Filter: table_rows, rows (kept by
//                         the filter; per loop x loops when analysed),
//                         selectivity_ratio (rows / table_rows), cost_share
//   pg.plan.sort_spill    a Sort that spilled (analysed: Sort Space Type Disk;
//                         Hash Batches > 1 likewise) or whose estimated input
//                         exceeds work_mem (generic): spill_bytes, input_bytes,
//                         work_mem_bytes, estimated (0/1)
//   pg.plan.nested_loop   a Nested Loop: outer_rows (actual when analysed),
//                         outer, inner (text); its cost_share counts the
//                         whole loop (inner probes included)
//   pg.plan.misestimate   analysed nodes whose actual rows differ from the
//                         estimate: estimate_ratio (>= 1, either direction),
//                         plan_rows, actual_rows
// Every fact has subject "<node> (queryid <id>)" and the texts queryid,
// query, node, hottest_node, plan_mode, and nums calls, mean_time_s,
// cost_share (the node's share of the plan), analyzed (0/1).
void AppendPlanFacts(const PlanSummary& plan, const PlanContext& ctx, std::vector<Fact>* out);

}  // namespace vitals::detail

namespace vitals {

// ---- plan changes between two checks ---------------------------------------------
// What `vitals check --record` stores per statement (store table check_plans).
struct PlanSnapshot {
  std::string queryid;
  std::string fingerprint;
  std::string query;  // masked
  double mean_time_s = 0;
};

// pg.plan_change facts (subject "queryid <id>") for statements whose
// fingerprint differs from `before` while their mean time rose: mean_time_s,
// previous_mean_time_s, mean_time_change_ratio (now / before); text queryid,
// query, change (DescribePlanChange), previous_fingerprint, fingerprint, since
// (the previous check's time).
std::vector<Fact> PlanChangeFacts(const std::vector<PlanSnapshot>& before,
                                  const std::string& before_time,
                                  const std::vector<PlanSnapshot>& now);

// The pg.plan facts of a collection as snapshots (what the store keeps).
std::vector<PlanSnapshot> PlanSnapshots(const std::vector<Fact>& facts);

}  // namespace vitals
