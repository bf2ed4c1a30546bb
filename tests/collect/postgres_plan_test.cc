// Unit tests of the query-plan logic (collect/postgres_plan.h): which
// statements may be analysed, what a captured EXPLAIN (FORMAT JSON) plan
// says, fingerprints and their changes.
#include <gtest/gtest.h>

#include "collect/postgres_plan.h"

namespace vitals {
namespace {

using detail::AppendPlanFacts;
using detail::CountParams;
using detail::DescribePlanChange;
using detail::IsExplainable;
using detail::IsSafeToAnalyze;
using detail::ParsePlanJson;
using detail::PlanContext;

TEST(PlanStatementTest, OnlyPlainParameterlessSelectsMayBeAnalysed) {
  std::string why;
  EXPECT_TRUE(IsSafeToAnalyze("SELECT count(*) FROM events e WHERE e.a = e.b", &why)) << why;
  EXPECT_TRUE(IsSafeToAnalyze("WITH t AS (SELECT id FROM a) SELECT max(id) FROM t", &why)) << why;
  EXPECT_TRUE(IsSafeToAnalyze("select pg_catalog.count(*) from t", &why)) << why;
  struct Case {
    const char* sql;
    const char* reason;
  };
  for (const Case& c : {
           Case{"DELETE FROM orders WHERE a = b", "not a SELECT"},
           Case{"WITH d AS (DELETE FROM c RETURNING id) SELECT count(*) FROM d", "contains delete"},
           Case{"SELECT * FROM orders WHERE id = $1", "has parameters ($1)"},
           Case{"SELECT * FROM orders FOR UPDATE", "contains for"},
           Case{"SELECT * INTO copy FROM orders", "contains into"},
           Case{"SELECT nextval('s')", "calls nextval()"},
           Case{"SELECT pg_sleep(10)", "calls pg_sleep()"},
           Case{"SELECT public.count(*) FROM t", "calls count()"},
           Case{"SELECT 1; DELETE FROM t", "more than one statement"},
           Case{"UPDATE t SET a = 1", "not a SELECT"},
       }) {
    why.clear();
    EXPECT_FALSE(IsSafeToAnalyze(c.sql, &why)) << c.sql;
    EXPECT_EQ(why, c.reason) << c.sql;
  }
  // Words inside literals and comments are not the statement's.
  EXPECT_TRUE(IsSafeToAnalyze("SELECT 'delete' AS w /* update */ FROM t -- insert", &why)) << why;
}

TEST(PlanStatementTest, ExplainableAndParameters) {
  EXPECT_TRUE(IsExplainable("  (SELECT 1)"));
  EXPECT_TRUE(IsExplainable("/* c */ delete from t"));
  EXPECT_FALSE(IsExplainable("EXPLAIN SELECT 1"));
  EXPECT_FALSE(IsExplainable("CREATE TABLE t (a int)"));
  EXPECT_FALSE(IsExplainable("<insufficient privilege>"));
  EXPECT_EQ(CountParams("SELECT $1, '$5', $12 -- $40"), 12);
  EXPECT_EQ(CountParams("SELECT 1"), 0);
}

// EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) as PostgreSQL 15 printed it (trimmed).
constexpr const char* kAnalysed = R"json([{
  "Plan": {"Node Type": "Aggregate", "Total Cost": 2057.64, "Plan Rows": 1, "Plan Width": 8,
    "Actual Total Time": 519.09, "Actual Rows": 1, "Actual Loops": 1,
    "Plans": [{"Node Type": "Nested Loop", "Parent Relationship": "Outer",
      "Total Cost": 2057.62, "Plan Rows": 2, "Plan Width": 0,
      "Actual Total Time": 494.79, "Actual Rows": 100000, "Actual Loops": 1,
      "Plans": [
        {"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "events",
         "Schema": "public", "Alias": "e", "Total Cost": 2041.0, "Plan Rows": 2, "Plan Width": 12,
         "Actual Total Time": 61.6, "Actual Rows": 100000, "Actual Loops": 1,
         "Filter": "((e.a = e.b) AND (e.b = e.id))", "Rows Removed by Filter": 0},
        {"Node Type": "Index Only Scan", "Parent Relationship": "Inner",
         "Index Name": "customers_pkey", "Relation Name": "customers", "Schema": "public",
         "Total Cost": 8.31, "Plan Rows": 1, "Plan Width": 4,
         "Actual Total Time": 0.004, "Actual Rows": 1, "Actual Loops": 100000}]}]},
  "Execution Time": 519.2}])json";

TEST(PlanParseTest, AnalysedPlanNamesHotNodeAndProblems) {
  auto plan = ParsePlanJson(kAnalysed);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->analyzed);
  EXPECT_EQ(plan->nodes.size(), 4u);
  EXPECT_EQ(plan->fingerprint,
            "Aggregate(Nested Loop(Seq Scan public.events,Index Only Scan public.customers "
            "customers_pkey))");
  // Self times: nested loop 494.79 - 61.6 - 400 = 33.2; the inner probes 400 ms.
  ASSERT_GE(plan->hottest, 0);
  EXPECT_EQ(detail::DescribeNode(plan->nodes[plan->hottest]),
            "Index Only Scan using customers_pkey on public.customers");

  PlanContext ctx;
  ctx.queryid = "42";
  ctx.query = "SELECT count(*) FROM events e JOIN customers c ON c.id = e.a WHERE e.a = e.b";
  ctx.table_rows = {{"public.events", 100000}, {"public.customers", 100000}};
  std::vector<Fact> facts;
  AppendPlanFacts(*plan, ctx, &facts);
  std::map<std::string, const Fact*> by_kind;
  const Fact* plan_fact = nullptr;
  for (const Fact& f : facts) {
    if (f.kind == "pg.plan") {
      plan_fact = &f;
    } else {
      by_kind[f.kind + "|" + f.text.at("node")] = &f;
    }
  }
  ASSERT_NE(plan_fact, nullptr);
  EXPECT_EQ(plan_fact->subject, "queryid 42");
  EXPECT_EQ(plan_fact->text.at("fingerprint"), plan->fingerprint);
  EXPECT_EQ(plan_fact->num.at("analyzed"), 1);
  EXPECT_NEAR(plan_fact->num.at("execution_time_s"), 0.5192, 1e-9);
  const Fact* nl = by_kind["pg.plan.nested_loop|Nested Loop"];
  ASSERT_NE(nl, nullptr);
  EXPECT_EQ(nl->num.at("outer_rows"), 100000);
  EXPECT_GT(nl->num.at("cost_share"), 0.9);  // the loop with its probes is the whole plan
  const Fact* mis = by_kind["pg.plan.misestimate|Seq Scan on public.events"];
  ASSERT_NE(mis, nullptr);
  EXPECT_EQ(mis->num.at("estimate_ratio"), 50000);
  EXPECT_EQ(mis->text.at("direction"), "under");
  const Fact* seq = by_kind["pg.plan.seq_scan|Seq Scan on public.events"];
  ASSERT_NE(seq, nullptr);
  EXPECT_EQ(seq->num.at("selectivity_ratio"), 1.0);  // keeps every row: no index helps
  EXPECT_EQ(by_kind.count("pg.plan.misestimate|Index Only Scan using customers_pkey on "
                          "public.customers"),
            0u);
}

TEST(PlanParseTest, RejectsWhatIsNotAPlan) {
  EXPECT_FALSE(ParsePlanJson("not json").ok());
  EXPECT_FALSE(ParsePlanJson("[{\"Query\": 1}]").ok());
}

TEST(PlanChangeTest, ChangedAccessPathWithSlowerMeanIsAFact) {
  const std::string before = "Index Scan public.orders orders_note_idx";
  const std::string after = "Gather(Seq Scan public.orders)";
  EXPECT_EQ(DescribePlanChange(before, after),
            "Index Scan using orders_note_idx -> Seq Scan on public.orders");
  std::vector<PlanSnapshot> old = {{"7", before, "SELECT ...", 0.001}};
  auto facts = PlanChangeFacts(old, "2026-12-06T05:00:00Z", {{"7", after, "SELECT ...", 0.02}});
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_EQ(facts[0].kind, "pg.plan_change");
  EXPECT_EQ(facts[0].subject, "queryid 7");
  EXPECT_NEAR(facts[0].num.at("mean_time_change_ratio"), 20, 1e-9);
  EXPECT_EQ(facts[0].text.at("since"), "2026-12-06T05:00:00Z");
  // Faster after the change, the same plan, or a statement not seen before: nothing.
  EXPECT_TRUE(PlanChangeFacts(old, "t", {{"7", after, "", 0.0005}}).empty());
  EXPECT_TRUE(PlanChangeFacts(old, "t", {{"7", before, "", 0.5}}).empty());
  EXPECT_TRUE(PlanChangeFacts(old, "t", {{"8", after, "", 0.5}}).empty());
  // A join order change names the shapes.
  EXPECT_EQ(DescribePlanChange("Hash Join(Seq Scan public.a,Hash(Seq Scan public.b))",
                               "Nested Loop(Seq Scan public.a,Seq Scan public.b)")
                .rfind("plan shape changed: ", 0),
            0u);
}

}  // namespace
}  // namespace vitals
