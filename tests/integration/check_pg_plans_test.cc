// Query plans of `vitals check --postgres` against a real PostgreSQL 15
// (scripts/lib/servers.sh start_postgres): the plan findings on a fixture,
// --explain-analyze never changing data, and the plan-change finding across
// two recorded checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "integration/check_cli.h"
#include "integration/pg_fixture.h"

namespace vitals {
namespace {

using pgtest::PostgresCheck;
using pgtest::ShippedFindings;
using pgtest::TestConn;
using testing::CliResult;
using testing::JsonFindings;
using testing::RunCheck;

class PgPlans : public PostgresCheck {
 protected:
  // orders (200,000 rows, no index on customer_id); events (a = b on every
  // row, which the planner estimates at one row) and customers (its pk).
  // The check's sessions get a small work_mem and no parallel plans, so the
  // plans (and the sort's spill) do not depend on the machine.
  void CreateFixture(TestConn& c) {
    c.Exec(fmt::format("ALTER DATABASE {} SET work_mem = '1MB'", db_));
    c.Exec(fmt::format("ALTER DATABASE {} SET max_parallel_workers_per_gather = 0", db_));
    CreateOrders(c);
    c.Exec("CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL)");
    c.Exec("INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100000) g");
    c.Exec("CREATE TABLE events (id int NOT NULL, a int NOT NULL, b int NOT NULL)");
    c.Exec("INSERT INTO events SELECT g, g, g FROM generate_series(1, 100000) g");
    c.Exec("ANALYZE orders");
    c.Exec("ANALYZE customers");
    c.Exec("ANALYZE events");
  }

  std::vector<const Fact*> Facts(const Collection& c, const std::string& kind) {
    std::vector<const Fact*> out;
    for (const Fact& f : c.facts) {
      if (f.kind == kind) out.push_back(&f);
    }
    return out;
  }

  // The pg.plan fact of the statement whose text contains `needle`.
  const Fact* PlanOf(const Collection& c, const std::string& needle) {
    for (const Fact* f : Facts(c, "pg.plan")) {
      if (f->text.at("query").find(needle) != std::string::npos) return f;
    }
    return nullptr;
  }

  int Count(const std::string& sql) {
    TestConn c(dsn_);
    return std::stoi(c.Exec(sql));
  }
};

TEST_F(PgPlans, FindingsNameTheCostlyNode) {
  {
    TestConn c(dsn_);
    CreateFixture(c);
    for (int i = 0; i < 20; ++i) {
      c.Exec(fmt::format("SELECT id, note FROM orders WHERE customer_id = {}", i));
    }
    for (int i = 0; i < 3; ++i) c.Exec("SELECT note FROM orders ORDER BY note");
    c.Exec(
        "SELECT count(*) FROM events e JOIN customers c ON c.id = e.a WHERE e.a = e.b AND e.id = "
        "e.b");
  }

  PostgresOptions o;
  o.explain_statements = 50;
  Collection generic = Collect(o);
  const Fact* lookup = PlanOf(generic, "customer_id = $1");
  ASSERT_NE(lookup, nullptr) << "no pg.plan for the customer_id lookup";
  EXPECT_EQ(lookup->num.at("analyzed"), 0);
  EXPECT_NE(lookup->text.at("fingerprint").find("Seq Scan public.orders"), std::string::npos)
      << lookup->text.at("fingerprint");

  auto findings = ShippedFindings(generic);
  const Finding* seq = nullptr;
  const Finding* spill = nullptr;
  for (const Finding& f : findings) {
    if (f.id == "pg.plan.seq_scan" && f.evidence.find("customer_id") != std::string::npos) {
      seq = &f;
    }
    if (f.id == "pg.plan.sort_spill" && f.evidence.find("ORDER BY note") != std::string::npos) {
      spill = &f;
    }
  }
  ASSERT_NE(seq, nullptr) << "no pg.plan.seq_scan finding for the lookup";
  EXPECT_NE(seq->title.find("public.orders"), std::string::npos) << seq->title;
  EXPECT_NE(seq->action.find("CREATE INDEX CONCURRENTLY ON public.orders"), std::string::npos)
      << seq->action;
  // The plan's costliest node is named: here the scan itself.
  EXPECT_NE(seq->evidence.find("costliest node is Seq Scan on public.orders"), std::string::npos)
      << seq->evidence;
  ASSERT_NE(spill, nullptr) << "no pg.plan.sort_spill finding for ORDER BY note";
  EXPECT_NE(spill->title.find("Sort"), std::string::npos) << spill->title;

  // With --explain-analyze the parameterless SELECTs run (read-only): the
  // one-row estimate of a = b meets 100,000 rows, and the nested loop it
  // chose has a large outer side.
  o.explain_analyze = true;
  Collection analyzed = Collect(o);
  const Fact* join = PlanOf(analyzed, "e.a = e.b");
  ASSERT_NE(join, nullptr) << "no pg.plan for the events join";
  EXPECT_EQ(join->num.at("analyzed"), 1);
  auto afindings = ShippedFindings(analyzed);
  bool misestimate = false, nested = false, disk_sort = false;
  for (const Finding& f : afindings) {
    if (f.id == "pg.plan.misestimate" && f.subject.find("public.events") != std::string::npos) {
      misestimate = true;
    }
    if (f.id == "pg.plan.nested_loop" && f.evidence.find("e.a = e.b") != std::string::npos) {
      nested = true;
    }
    if (f.id == "pg.plan.sort_spill" && f.evidence.find("ORDER BY note") != std::string::npos &&
        f.evidence.find("external") != std::string::npos) {
      disk_sort = true;
    }
  }
  EXPECT_TRUE(misestimate) << "no misestimate finding on public.events";
  EXPECT_TRUE(nested) << "no nested-loop finding for the events join";
  EXPECT_TRUE(disk_sort) << "no analysed (external) sort spill for ORDER BY note";

  // End to end: the CLI shows the same findings.
  CliResult r = RunCheck({"--postgres", dsn_, "--window", "10ms", "--explain-statements", "50"});
  ASSERT_TRUE(r.doc.is_object()) << r.out << r.err;
  EXPECT_FALSE(JsonFindings(r, "pg.plan.seq_scan").empty()) << r.out;
}

TEST_F(PgPlans, ExplainAnalyzeNeverChangesData) {
  {
    TestConn c(dsn_);
    CreateFixture(c);
    // Into pg_stat_statements, but rolled back: every row stays.
    c.Exec("BEGIN");
    c.Exec("DELETE FROM orders WHERE customer_id = 5");
    c.Exec("DELETE FROM events WHERE a = b");
    c.Exec("WITH d AS (DELETE FROM customers RETURNING id) SELECT count(*) FROM d");
    c.Exec("ROLLBACK");
  }
  ASSERT_EQ(Count("SELECT count(*) FROM orders WHERE customer_id = 5"), 200);
  ASSERT_EQ(Count("SELECT count(*) FROM events"), 100000);
  ASSERT_EQ(Count("SELECT count(*) FROM customers"), 100000);
  {
    TestConn c(dsn_);
    // This test's database only: the server's statistics outlive earlier tests' databases.
    ASSERT_EQ(c.Exec("SELECT count(*) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM "
                     "pg_database WHERE datname = current_database()) AND (query LIKE 'DELETE "
                     "FROM%' OR query LIKE 'WITH d AS (DELETE%')"),
              "3");
  }

  PostgresOptions o;
  o.explain_statements = 50;
  o.explain_analyze = true;
  Collection c = Collect(o);
  // The statements were explained (generic plans), not executed.
  for (const char* needle :
       {"DELETE FROM orders WHERE customer_id", "DELETE FROM events", "DELETE FROM customers"}) {
    const Fact* p = PlanOf(c, needle);
    ASSERT_NE(p, nullptr) << needle;
    EXPECT_EQ(p->num.at("analyzed"), 0) << needle;
    EXPECT_NE(p->text.at("plan_mode").find("not executed"), std::string::npos) << needle;
  }
  CliResult r = RunCheck(
      {"--postgres", dsn_, "--window", "10ms", "--explain-statements", "50", "--explain-analyze"});
  EXPECT_TRUE(r.doc.is_object()) << r.out << r.err;

  EXPECT_EQ(Count("SELECT count(*) FROM orders WHERE customer_id = 5"), 200);
  EXPECT_EQ(Count("SELECT count(*) FROM events"), 100000);
  EXPECT_EQ(Count("SELECT count(*) FROM customers"), 100000);
}

TEST_F(PgPlans, PlanChangeAfterTheIndexIsDroppedIsAFinding) {
  TestConn c(dsn_);
  CreateOrders(c);
  c.Exec("CREATE INDEX orders_note_idx ON orders (note)");
  c.Exec("ANALYZE orders");
  auto lookups = [&](int from) {
    for (int i = from; i < from + 30; ++i) {
      c.Exec(fmt::format("SELECT id FROM orders WHERE note = md5('{}') || md5('{}')", i, i + 1));
    }
  };
  lookups(1);
  std::string dir = ::testing::TempDir() + "vitals_plans_" + pgtest::RandomHex(8);
  std::filesystem::create_directories(dir);
  dirs_.push_back(dir);
  const std::string store = dir + "/v.db";
  const std::vector<std::string> args = {
      "--postgres",           dsn_, "--window", "10ms", "--record", "--store", store,
      "--explain-statements", "50"};

  CliResult first = RunCheck(args);
  ASSERT_TRUE(first.doc.is_object()) << first.out << first.err;
  EXPECT_TRUE(JsonFindings(first, "pg.plan_change").empty()) << first.out;
  bool index_plan = false;
  for (const auto& f : first.doc["observed"]) {
    if (f.value("kind", "") != "pg.plan") continue;
    std::string fp = f["text"].value("fingerprint", "");
    index_plan =
        index_plan || fp.find("Index Scan public.orders orders_note_idx") != std::string::npos;
  }
  ASSERT_TRUE(index_plan) << "the first check did not see the index scan: " << first.out;

  // The index goes; the same statement now reads the whole table, slower.
  c.Exec("DROP INDEX orders_note_idx");
  lookups(100);
  CliResult second = RunCheck(args);
  ASSERT_TRUE(second.doc.is_object()) << second.out << second.err;
  std::vector<nlohmann::json> changes;
  for (const auto& f : JsonFindings(second, "pg.plan_change")) {
    if (f.value("title", "").find("orders_note_idx") != std::string::npos) changes.push_back(f);
  }
  ASSERT_EQ(changes.size(), 1u) << second.out;
  std::string title = changes[0].value("title", "");
  EXPECT_NE(title.find("Index Scan using orders_note_idx -> Seq Scan on public.orders"),
            std::string::npos)
      << title;
  EXPECT_NE(title.find(" since 20"), std::string::npos) << title;  // the first check's time

  // A third check sees the same (seq scan) plan as the second: no change.
  CliResult third = RunCheck(args);
  ASSERT_TRUE(third.doc.is_object()) << third.out << third.err;
  EXPECT_TRUE(JsonFindings(third, "pg.plan_change").empty()) << third.out;
}

}  // namespace
}  // namespace vitals
