// EXPLAIN of the statements with the most total time (CheckPlans).
//
// Nothing here executes a statement unless --explain-analyze is given and
// IsSafeToAnalyze accepts it, and then only inside BEGIN READ ONLY with a
// statement timeout, rolled back.  The session is read-only already
// (default_transaction_read_only), which is a second guard: a write would
// fail even if the text check were wrong.
#include <unistd.h>

#include <atomic>

#include <fmt/format.h>

#include "collect/postgres_checks.h"
#include "collect/postgres_plan.h"

namespace vitals::detail {
namespace {

// Explains one statement; returns the plan's JSON text.  Every path ends
// the transaction and drops the prepared statement (prepared statements
// outlive ROLLBACK); names are unique per process, so a statement left on a
// pooled server connection (PgBouncer) cannot collide with the next one.
Result<std::string> Explain(PgConn& conn, const std::string& sql, int params, bool analyze,
                            int64_t timeout_ms) {
  static std::atomic<int64_t> next_name{0};
  auto begin = conn.Query("BEGIN READ ONLY");
  if (!begin.ok()) return begin.status();
  Result<PgRows> plan = Status::Internal("not run");
  std::string prepared;  // the prepared statement still to drop
  if (analyze) {
    auto set = conn.Query(fmt::format("SET LOCAL statement_timeout = {}", timeout_ms));
    plan = set.ok() ? conn.Query("EXPLAIN (ANALYZE, BUFFERS, VERBOSE, FORMAT JSON) " + sql)
                    : Result<PgRows>(set.status());
  } else if (params == 0) {
    plan = conn.Query("EXPLAIN (VERBOSE, FORMAT JSON) " + sql);
  } else {
    // PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN): prepare it and ask for the
    // generic plan, which does not depend on the NULLs passed.
    const std::string name = fmt::format("vitals_plan_{}_{}", getpid(), next_name++);
    auto set = conn.Query("SET LOCAL plan_cache_mode = force_generic_plan");
    auto prep = set.ok() ? conn.Query("PREPARE " + name + " AS " + sql) : std::move(set);
    if (prep.ok()) {
      prepared = name;
      std::string nulls;
      for (int i = 0; i < params; ++i) nulls += i == 0 ? "NULL" : ", NULL";
      plan = conn.Query(fmt::format("EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE {}({})", name, nulls));
      if (plan.ok() && conn.Query("DEALLOCATE " + name).ok()) prepared.clear();
    } else {
      plan = prep.status();
    }
  }
  auto rollback = conn.Query("ROLLBACK");
  if (!prepared.empty()) (void)conn.Query("DEALLOCATE " + prepared);
  if (!plan.ok()) return plan.status();
  if (!rollback.ok()) return rollback.status();
  if (plan->rows() == 0) return Status::Internal("EXPLAIN returned no rows");
  return std::string(plan->Text(0, 0));
}

}  // namespace

Status CheckPlans(PgCheckContext& ctx, const std::vector<QueryText>& statements) {
  const PostgresOptions& o = *ctx.options;
  if (o.explain_statements <= 0) return Status::Ok();

  struct Explained {
    const QueryText* statement;
    PlanSummary plan;
  };
  std::vector<Explained> plans;
  std::set<std::string> relations;
  int tried = 0, analyzed = 0;
  std::vector<std::string> skipped;  // statements not explained, and why
  for (const QueryText& s : statements) {
    if (tried >= o.explain_statements) break;
    // vitals' own catalog queries land in pg_stat_statements too; they are
    // not the application's.
    if (!IsExplainable(s.text) || s.text.find("pg_catalog.") != std::string::npos) continue;
    ++tried;
    int params = CountParams(s.text);
    std::string why;
    bool analyze = o.explain_analyze && IsSafeToAnalyze(s.text, &why);
    auto json = Explain(*ctx.conn, s.text, params, analyze, o.explain_timeout_ms);
    if (!json.ok() && analyze && json.status().code() != Status::Code::kUnavailable) {
      // Too slow for the timeout, say: its estimated plan still helps.
      json = Explain(*ctx.conn, s.text, params, false, o.explain_timeout_ms);
    }
    if (!json.ok()) {
      if (json.status().code() == Status::Code::kUnavailable) return json.status();
      if (json.status().code() == Status::Code::kPermission) {
        ctx.out->limited.push_back(fmt::format("query plans: queryid {} not explained: {}",
                                               s.queryid, json.status().message()));
      }
      // A text whose parameter types PostgreSQL cannot infer (generate_series($1, $2)) or
      // that was cut at 4000 characters: counted in pg.plans, not a limit of the check.
      skipped.push_back(fmt::format("queryid {}: {}", s.queryid, json.status().message()));
      continue;
    }
    auto plan = ParsePlanJson(*json);
    if (!plan.ok()) {
      skipped.push_back(fmt::format("queryid {}: {}", s.queryid, plan.status().message()));
      continue;
    }
    analyzed += plan->analyzed ? 1 : 0;
    for (const PlanNode& n : plan->nodes) {
      if (!n.relation.empty()) relations.insert(n.relation);
    }
    plans.push_back({&s, std::move(*plan)});
  }
  Fact& summary = ctx.Add("pg.plans", ctx.database);
  summary.num["explained"] = static_cast<double>(plans.size());
  summary.num["analyzed"] = analyzed;
  summary.num["not_explained"] = static_cast<double>(skipped.size());
  std::string reasons;
  for (size_t i = 0; i < skipped.size() && i < 3; ++i) {
    reasons += (reasons.empty() ? "" : "; ") + skipped[i];
  }
  summary.text["not_explained"] = reasons.empty() ? "none" : reasons;
  if (plans.empty()) return Status::Ok();

  // Rows per relation in one query: reltuples, or the live-row count for a
  // table never analysed (reltuples -1).
  std::map<std::string, double> table_rows;
  double work_mem = 4 << 20;
  {
    std::string list;
    for (const auto& r : relations) {
      size_t dot = r.find('.');
      std::string name = dot == std::string::npos
                             ? QuoteIdent(r)
                             : QuoteIdent(r.substr(0, dot)) + "." + QuoteIdent(r.substr(dot + 1));
      list += (list.empty() ? "" : ", ") +
              fmt::format("({}, {})", PgQuoteLiteral(r), PgQuoteLiteral(name));
    }
    std::string sql =
        "SELECT (SELECT setting::float8 * 1024 FROM pg_catalog.pg_settings "
        "WHERE name = 'work_mem'), NULL, NULL";
    if (!list.empty()) {
      sql += fmt::format(
          " UNION ALL SELECT NULL, v.key, GREATEST(c.reltuples::float8, "
          "COALESCE(pg_catalog.pg_stat_get_live_tuples(c.oid), 0)::float8) "
          "FROM (VALUES {}) v(key, name) "
          "JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(v.name)",
          list);
    }
    auto rows = ctx.conn->Query(sql);
    if (!rows.ok()) {
      if (!ctx.Limit("query plans (table sizes)", rows.status())) return rows.status();
    } else {
      for (int r = 0; r < rows->rows(); ++r) {
        if (!rows->IsNull(r, 0)) {
          work_mem = rows->Num(r, 0).value_or(work_mem);
        } else {
          table_rows[std::string(rows->Text(r, 1))] = rows->Num(r, 2).value_or(0);
        }
      }
    }
  }

  for (const Explained& e : plans) {
    PlanContext pc;
    pc.queryid = e.statement->queryid;
    pc.query = MaskSql(e.statement->text, 500);
    pc.calls = e.statement->calls;
    pc.mean_time_s = e.statement->mean_ms / 1e3;
    pc.work_mem_bytes = work_mem;
    pc.table_rows = table_rows;
    AppendPlanFacts(e.plan, pc, &ctx.out->facts);
  }
  return Status::Ok();
}

}  // namespace vitals::detail
