// Bloat, largest relations and temporary files of `vitals check --postgres`
// against a real PostgreSQL 15 (scripts/lib/servers.sh start_postgres): the
// statistics-based estimate against pgstattuple's measurement.
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "integration/check_cli.h"
#include "integration/pg_fixture.h"

namespace vitals {
namespace {

using pgtest::FindFact;
using pgtest::FindFinding;
using pgtest::PostgresCheck;
using pgtest::ShippedFindings;
using pgtest::TestConn;

class PgBloat : public PostgresCheck {};

TEST_F(PgBloat, HeavyUpdatesWithoutVacuumGiveBloatCloseToPgstattuple) {
  TestConn c(dsn_);
  c.Exec(
      "CREATE TABLE churn (id int PRIMARY KEY, n int NOT NULL, pad text NOT NULL) "
      "WITH (autovacuum_enabled = false)");
  c.Exec("INSERT INTO churn SELECT g, 0, repeat('x', 80) FROM generate_series(1, 100000) g");
  for (int i = 0; i < 4; ++i) c.Exec("UPDATE churn SET n = n + 1");
  c.Exec("ANALYZE churn");  // statistics for the estimate; it removes no dead row

  Collection estimated = Collect();
  const Fact* est = FindFact(estimated, "pg.table_bloat", "public.churn");
  ASSERT_NE(est, nullptr) << "no pg.table_bloat fact for public.churn";
  EXPECT_EQ(est->text.at("source"), "estimate (pg_stats)");
  auto findings = ShippedFindings(estimated);
  const Finding* f = FindFinding(findings, "pg.table_bloat", "public.churn");
  ASSERT_NE(f, nullptr) << "no pg.table_bloat finding";
  EXPECT_NE(f->action.find("VACUUM (VERBOSE, ANALYZE) public.churn;"), std::string::npos)
      << f->action;

  // What pgstattuple measures as wasted: dead tuples plus free space.
  c.Exec("CREATE EXTENSION pgstattuple");
  double measured =
      std::stod(c.Exec("SELECT (dead_tuple_len + free_space)::float8 FROM pgstattuple('churn')"));
  ASSERT_GT(measured, 20e6);
  EXPECT_NEAR(est->num.at("bloat_bytes"), measured, 0.25 * measured)
      << "estimate " << est->num.at("bloat_bytes") << " vs pgstattuple " << measured;

  // With the extension installed, vitals measures the flagged table itself.
  Collection with_ext = Collect();
  const Fact* m = FindFact(with_ext, "pg.table_bloat", "public.churn");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->text.at("source"), "pgstattuple_approx");
  EXPECT_NEAR(m->num.at("bloat_bytes"), measured, 0.25 * measured);

  // The index grew with every non-HOT update too; the largest relations list both.
  const Fact* ib = FindFact(with_ext, "pg.index_bloat", "public.churn_pkey");
  ASSERT_NE(ib, nullptr);
  EXPECT_GT(ib->num.at("bloat_ratio"), 0.3);
  const Fact* big = FindFact(with_ext, "pg.relation_size", "public.churn");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->num.at("rank"), 1);
  EXPECT_GT(big->num.at("total_bytes"), measured);
}

TEST_F(PgBloat, FreshTableHasNoBloatFinding) {
  {
    TestConn c(dsn_);
    CreateOrders(c);
    c.Exec("CREATE INDEX orders_customer_idx ON orders (customer_id)");
    c.Exec("ANALYZE orders");
  }
  Collection col = Collect();
  const Fact* t = FindFact(col, "pg.table_bloat", "public.orders");
  ASSERT_NE(t, nullptr);
  EXPECT_LT(t->num.at("bloat_ratio"), 0.15) << t->num.at("bloat_bytes");
  const Fact* i = FindFact(col, "pg.index_bloat", "public.orders_customer_idx");
  ASSERT_NE(i, nullptr);
  EXPECT_LT(i->num.at("bloat_ratio"), 0.3) << i->num.at("bloat_bytes");
  for (const Finding& f : ShippedFindings(col)) {
    EXPECT_TRUE(f.id != "pg.table_bloat" && f.id != "pg.index_bloat")
        << f.id << " on " << f.subject << ": " << f.evidence;
  }
}

TEST_F(PgBloat, TemporaryFilesAreCountedAndAttributed) {
  {
    TestConn c(dsn_);
    c.Exec("SET work_mem = '64kB'");
    c.Exec(
        "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 100000) g");
    for (int i = 0; i < 3; ++i) c.Exec("SELECT h FROM big ORDER BY h OFFSET 99999");
  }  // the session ends: its statistics are flushed
  WaitFor("SELECT temp_bytes > 0 FROM pg_stat_database WHERE datname = current_database()");
  PostgresOptions o;
  o.window_ns = 1'000'000'000;
  Collection col = Collect(o);
  const Fact* t = FindFact(col, "pg.temp_files", db_);
  ASSERT_NE(t, nullptr);
  EXPECT_GE(t->num.at("window_s"), 0.99);
  EXPECT_GT(t->num.at("temp_bytes"), 1e6);
  EXPECT_GE(t->num.at("temp_files"), 3);
  EXPECT_GE(t->num.at("temp_bytes_per_s"), 0);  // nothing spilled during the window
  const Fact* statement = nullptr;
  for (const Fact& f : col.facts) {
    if (f.kind == "pg.statement" && f.text.at("query").find("ORDER BY h") != std::string::npos) {
      statement = &f;
    }
  }
  ASSERT_NE(statement, nullptr);
  EXPECT_GT(statement->num.at("temp_bytes_written"), 1e6);
  EXPECT_NEAR(statement->num.at("temp_bytes_per_call"), statement->num.at("temp_bytes_written") / 3,
              1);
}

}  // namespace
}  // namespace vitals
