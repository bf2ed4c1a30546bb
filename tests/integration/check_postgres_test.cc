// PostgreSQL checks against a real server (scripts/lib/servers.sh:
// start_postgres exports VITALS_TEST_PG_DSN).  Each test creates its own
// database vitals_t_<random> with pg_stat_statements and drops it at the end;
// the collector reads statements, tables and sessions of its own database
// only, so tests running in parallel do not see each other.
//
// Each scenario is checked twice: at collector level (the facts, then the
// shipped rules over them) and end to end through `vitals check --postgres
// DSN --format json`.
#include <gtest/gtest.h>

#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>
#include "integration/check_cli.h"
#include "integration/pg_fixture.h"
#include "integration/require_server.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collect/postgres.h"
#include "rules/evaluate.h"
#include "rules/loader.h"

namespace vitals {
namespace {

using nlohmann::json;
using pgtest::DsnWith;
using pgtest::FindFact;
using pgtest::FindFinding;
using pgtest::PostgresCheck;
using pgtest::RandomHex;
using pgtest::ShippedFindings;
using pgtest::TestConn;
using testing::CliResult;
using testing::JsonFindings;
using testing::RunCheck;

TEST_F(PostgresCheck, MissingIndexNamesTableAndColumn) {
  {
    TestConn load(dsn_);
    CreateOrders(load);
    // 1,200 lookups on the unindexed column; LIMIT 1 finds a match in the first
    // pages, so each sequential scan is cheap but still counted.
    for (int i = 0; i < 1200; ++i) {
      load.Exec(fmt::format("SELECT id FROM orders WHERE customer_id = {} LIMIT 1", i % 50));
    }
  }  // the session ends: its statistics are flushed
  WaitFor("SELECT seq_scan >= 1200 FROM pg_stat_user_tables WHERE relname = 'orders'");

  Collection c = Collect();
  const Fact* t = FindFact(c, "pg.table", "public.orders");
  ASSERT_NE(t, nullptr);
  EXPECT_GE(t->num.at("seq_scan"), 1200);
  EXPECT_LT(t->num.at("idx_scan"), 100);
  EXPECT_GE(t->num.at("n_live_tup"), 190000);
  EXPECT_EQ(t->text.at("filter_columns"), "customer_id");
  EXPECT_EQ(t->text.at("index_advice"),
            "CREATE INDEX CONCURRENTLY idx_orders_customer_id ON public.orders (customer_id);");
  bool statement = false;
  for (const Fact& f : c.facts) {
    if (f.kind == "pg.statement" &&
        f.text.at("query").find("customer_id = $1") != std::string::npos) {
      statement = true;
      EXPECT_GE(f.num.at("calls"), 1200);
    }
  }
  EXPECT_TRUE(statement) << "the lookup statement is missing from pg.statement facts";

  auto findings = ShippedFindings(c);
  const Finding* f = FindFinding(findings, "pg.missing_index", "public.orders");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->action.find("CREATE INDEX CONCURRENTLY idx_orders_customer_id ON public.orders "
                           "(customer_id);"),
            std::string::npos)
      << f->action;
  EXPECT_NE(f->evidence.find("customer_id"), std::string::npos) << f->evidence;

  CliResult r = RunCheck({"--postgres", dsn_, "--window", "10ms"});
  auto json_findings = JsonFindings(r, "pg.missing_index");
  ASSERT_EQ(json_findings.size(), 1u) << r.out << r.err;
  EXPECT_EQ(json_findings[0]["subject"], "public.orders");
  EXPECT_NE(json_findings[0]["action"].get<std::string>().find("(customer_id)"), std::string::npos);
}

TEST_F(PostgresCheck, UnusedDuplicateAndInvalidIndexes) {
  TestConn& c = Open();
  CreateOrders(c);
  // ~16 MB: over the default 10 MB floor of pg.unused_index, so no threshold
  // is lowered for this test.
  c.Exec("CREATE INDEX idx_orders_note ON orders (note)");
  c.Exec("CREATE INDEX idx_orders_cust ON orders (customer_id)");
  c.Exec("CREATE INDEX idx_orders_cust_status ON orders (customer_id, status)");
  // A failed concurrent build leaves an invalid index behind.
  std::string err =
      c.ExecError("CREATE UNIQUE INDEX CONCURRENTLY idx_orders_status_unique ON orders (status)");
  EXPECT_NE(err.find("could not create unique index"), std::string::npos) << err;
  ASSERT_GE(std::stoll(c.Exec("SELECT pg_relation_size('idx_orders_note')")), 10 * 1024 * 1024);

  Collection col = Collect();
  const Fact* unused = FindFact(col, "pg.index", "public.idx_orders_note");
  ASSERT_NE(unused, nullptr);
  EXPECT_EQ(unused->num.at("unused"), 1);
  EXPECT_GE(unused->num.at("size_bytes"), 10 * 1024 * 1024);
  EXPECT_EQ(unused->text.at("drop_sql"), "DROP INDEX CONCURRENTLY public.idx_orders_note;");
  const Fact* dup = FindFact(col, "pg.index", "public.idx_orders_cust");
  ASSERT_NE(dup, nullptr);
  EXPECT_EQ(dup->num.at("duplicate"), 1);
  EXPECT_EQ(dup->text.at("covered_by"), "public.idx_orders_cust_status");
  const Fact* wide = FindFact(col, "pg.index", "public.idx_orders_cust_status");
  ASSERT_NE(wide, nullptr);  // unused (small), but not a duplicate
  EXPECT_EQ(wide->num.at("duplicate"), 0);
  EXPECT_EQ(FindFact(col, "pg.index", "public.orders_pkey"), nullptr);  // primary keys are kept
  const Fact* invalid = FindFact(col, "pg.index", "public.idx_orders_status_unique");
  ASSERT_NE(invalid, nullptr);
  EXPECT_EQ(invalid->num.at("valid"), 0);

  auto findings = ShippedFindings(col);
  EXPECT_NE(FindFinding(findings, "pg.unused_index", "public.idx_orders_note"), nullptr);
  // Small unused indexes are under the 10 MB floor.
  EXPECT_EQ(FindFinding(findings, "pg.unused_index", "public.idx_orders_cust_status"), nullptr);
  const Finding* d = FindFinding(findings, "pg.duplicate_index", "public.idx_orders_cust");
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->action.find("DROP INDEX CONCURRENTLY public.idx_orders_cust;"), std::string::npos);
  EXPECT_EQ(FindFinding(findings, "pg.duplicate_index", "public.idx_orders_cust_status"), nullptr);
  EXPECT_NE(FindFinding(findings, "pg.invalid_index", "public.idx_orders_status_unique"), nullptr);

  CliResult r = RunCheck({"--postgres", dsn_, "--window", "10ms"});
  EXPECT_EQ(JsonFindings(r, "pg.unused_index").size(), 1u) << r.out << r.err;
  EXPECT_EQ(JsonFindings(r, "pg.duplicate_index").size(), 1u) << r.out;
  EXPECT_EQ(JsonFindings(r, "pg.invalid_index").size(), 1u) << r.out;
}

TEST_F(PostgresCheck, LongRunningQueryAndIdleTransaction) {
  TestConn& sleeper = Open();
  TestConn& idle = Open();
  sleeper.Send("SELECT pg_sleep(60) /* vitals test */");
  idle.Exec("BEGIN");
  idle.Exec("SELECT 1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  PostgresOptions o;
  o.long_query_s = 1;  // lowered for the test (default 60 s)
  o.long_transaction_s = 1;
  Collection c = Collect(o);
  std::string sleeper_subject = fmt::format("pid {}", sleeper.Pid());
  std::string idle_subject = fmt::format("pid {}", idle.Pid());
  const Fact* q = FindFact(c, "pg.query", sleeper_subject);
  ASSERT_NE(q, nullptr);
  EXPECT_GE(q->num.at("duration_s"), 1.0);
  EXPECT_EQ(q->num.at("threshold_s"), 1.0);
  EXPECT_NE(q->text.at("query").find("pg_sleep"), std::string::npos);
  EXPECT_EQ(q->text.at("cancel_sql"), fmt::format("SELECT pg_cancel_backend({});", sleeper.Pid()));
  const Fact* t = FindFact(c, "pg.transaction", idle_subject);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->num.at("idle_in_transaction"), 1);
  EXPECT_EQ(t->text.at("end_sql"), fmt::format("SELECT pg_terminate_backend({});", idle.Pid()));

  auto findings = ShippedFindings(c);
  EXPECT_NE(FindFinding(findings, "pg.long_query", sleeper_subject), nullptr);
  EXPECT_NE(FindFinding(findings, "pg.idle_in_transaction", idle_subject), nullptr);

  // With the default options (60 s / 30 s) nothing fires yet ...
  auto defaults = ShippedFindings(Collect());
  EXPECT_EQ(FindFinding(defaults, "pg.long_query", sleeper_subject), nullptr);
  // ... unless the user lowers the rule itself with --rules.
  std::string dir = RulesDir(R"yaml(rules:
  - id: pg.long_query
    component: postgres
    fact: pg.query
    title: "Query running for {value|dur} ({subject})"
    value: "duration_s"
    warning: "duration_s >= 1s"
    evidence: "{query}"
    action: "{cancel_sql}"
    runbook: "docs/runbooks/postgres.md#long-running-query"
    source: "test override"
)yaml");
  CliResult r = RunCheck({"--postgres", dsn_, "--window", "10ms", "--rules", dir});
  auto long_queries = JsonFindings(r, "pg.long_query");
  ASSERT_FALSE(long_queries.empty()) << r.out << r.err;
  bool named = false;
  for (const auto& f : long_queries) named = named || f["subject"] == sleeper_subject;
  EXPECT_TRUE(named) << r.out;

  sleeper.Cancel();
  sleeper.Drain();
  idle.Exec("ROLLBACK");
}

TEST_F(PostgresCheck, BlockedQueryNamesBothPids) {
  TestConn& holder = Open();
  TestConn& waiter = Open();
  holder.Exec("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)");
  holder.Exec("INSERT INTO accounts VALUES (1, 100)");
  holder.Exec("BEGIN");
  holder.Exec("UPDATE accounts SET balance = balance - 1 WHERE id = 1");
  waiter.Send("UPDATE accounts SET balance = balance + 1 WHERE id = 1");
  WaitFor(
      fmt::format("SELECT count(*) = 1 FROM pg_stat_activity WHERE pid = {} AND "
                  "wait_event_type = 'Lock'",
                  waiter.Pid()));
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // past the 1 s rule

  Collection c = Collect();
  std::string subject = fmt::format("pid {}", waiter.Pid());
  const Fact* b = FindFact(c, "pg.blocked", subject);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->num.at("blocker_pid"), holder.Pid());
  EXPECT_EQ(b->text.at("blocking_pids"), std::to_string(holder.Pid()));
  EXPECT_EQ(b->text.at("blocker_state"), "idle in transaction");
  EXPECT_NE(b->text.at("blocked_query").find("UPDATE accounts"), std::string::npos);
  EXPECT_NE(b->text.at("blocker_query").find("UPDATE accounts"), std::string::npos);
  EXPECT_EQ(b->text.at("unblock_sql"),
            fmt::format("SELECT pg_terminate_backend({});", holder.Pid()));

  auto findings = ShippedFindings(c);
  const Finding* f = FindFinding(findings, "pg.blocked", subject);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->title.find(std::to_string(waiter.Pid())), std::string::npos) << f->title;
  EXPECT_NE(f->title.find(std::to_string(holder.Pid())), std::string::npos) << f->title;

  CliResult r = RunCheck({"--postgres", dsn_, "--window", "10ms"});
  auto blocked = JsonFindings(r, "pg.blocked");
  ASSERT_EQ(blocked.size(), 1u) << r.out << r.err;
  std::string title = blocked[0]["title"];
  EXPECT_NE(title.find(std::to_string(waiter.Pid())), std::string::npos) << title;
  EXPECT_NE(title.find(std::to_string(holder.Pid())), std::string::npos) << title;

  holder.Exec("ROLLBACK");
  waiter.Drain();
}

TEST_F(PostgresCheck, ConnectionShareOverLoweredThreshold) {
  for (int i = 0; i < 10; ++i) Open();
  Collection c = Collect();
  const Fact* f = FindFact(c, "pg.connections", "server");
  ASSERT_NE(f, nullptr);
  EXPECT_GE(f->num.at("connections"), 11);  // ours + the collector's
  EXPECT_EQ(f->num.at("usable_connections"), f->num.at("max_connections") -
                                                 f->num.at("superuser_reserved_connections") -
                                                 f->num.at("reserved_connections"));
  EXPECT_DOUBLE_EQ(f->num.at("used_ratio"),
                   f->num.at("connections") / f->num.at("usable_connections"));
  EXPECT_EQ(FindFinding(ShippedFindings(c), "pg.connections", "server"), nullptr);  // < 90 %

  std::string dir = RulesDir(R"yaml(rules:
  - id: pg.connections
    component: postgres
    fact: pg.connections
    title: "connections at {value|pct}"
    value: "used_ratio"
    warning: "used_ratio >= 5%"
    evidence: "{connections} of {usable_connections}"
    action: "pool"
    runbook: "docs/runbooks/postgres.md#connections"
    source: "test override"
)yaml");
  CliResult r = RunCheck({"--postgres", dsn_, "--window", "10ms", "--rules", dir});
  auto found = JsonFindings(r, "pg.connections");
  ASSERT_EQ(found.size(), 1u) << r.out << r.err;
  EXPECT_EQ(found[0]["level"], "warning");
  EXPECT_GE(found[0]["value"].get<double>(), 0.05);
}

TEST_F(PostgresCheck, SequencesNearTheirTypeLimit) {
  TestConn& c = Open();
  c.Exec("CREATE TABLE tickets (id serial PRIMARY KEY, title text)");
  c.Exec("SELECT setval('tickets_id_seq', 2000000000)");  // 93 % of integer
  c.Exec("CREATE SEQUENCE spare_seq");                    // bigint, never used
  Collection col = Collect();
  const Fact* f = FindFact(col, "pg.sequence", "public.tickets_id_seq");
  ASSERT_NE(f, nullptr);
  EXPECT_NEAR(f->num.at("used_ratio"), 2000000000.0 / 2147483647.0, 1e-9);
  EXPECT_EQ(f->text.at("column"), "public.tickets.id");
  EXPECT_EQ(f->text.at("column_type"), "integer");
  EXPECT_NE(f->text.at("alter_sql").find("ALTER TABLE public.tickets ALTER COLUMN id TYPE bigint"),
            std::string::npos);
  EXPECT_EQ(FindFact(col, "pg.sequence", "public.spare_seq"), nullptr);  // never called
  auto findings = ShippedFindings(col);
  const Finding* finding = FindFinding(findings, "pg.sequence_exhaustion", "public.tickets_id_seq");
  ASSERT_NE(finding, nullptr);
  EXPECT_EQ(finding->level, Level::kWarning);
}

TEST_F(PostgresCheck, HealthyDatabaseHasNoFindings) {
  {
    TestConn c(dsn_);
    c.Exec("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)");
    c.Exec("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g");
    for (int i = 1; i <= 50; ++i) c.Exec(fmt::format("SELECT name FROM items WHERE id = {}", i));
  }
  Collection col = Collect();
  EXPECT_NE(FindFact(col, "pg.table", "public.items"), nullptr);
  EXPECT_NE(FindFact(col, "pg.connections", "server"), nullptr);
  EXPECT_NE(FindFact(col, "pg.cache", db_), nullptr);
  EXPECT_TRUE(col.limited.empty()) << col.limited.front();
  for (const Finding& f : ShippedFindings(col)) {
    ADD_FAILURE() << "unexpected finding " << f.id << " on " << f.subject << ": " << f.evidence;
  }

  CliResult r = RunCheck({"--postgres", dsn_, "--window", "10ms", "--fail-on", "warning"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(r.doc.is_object()) << r.out << r.err;
  EXPECT_TRUE(r.doc["findings"].empty()) << r.out;
  EXPECT_TRUE(r.doc["errors"].empty()) << r.out;
}

TEST_F(PostgresCheck, RoleWithoutStatsPrivilegeIsLimitedNotFailed) {
  std::string role = "vitals_t_role_" + RandomHex(6);
  {
    TestConn admin(admin_dsn_);
    admin.Exec("CREATE ROLE " + role + " LOGIN");
    roles_.push_back(role);
    TestConn c(dsn_);
    c.Exec("CREATE SEQUENCE private_seq");
    c.Exec("SELECT nextval('private_seq')");
  }
  PostgresOptions o;
  o.dsn = DsnWith(admin_dsn_, db_, role);
  auto r = CollectPostgres(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  bool activity = false, sequences = false;
  for (const auto& l : r->limited) {
    activity = activity || l.find("GRANT pg_monitor TO " + role) != std::string::npos;
    sequences = sequences || l.find("not readable by role " + role) != std::string::npos;
  }
  EXPECT_TRUE(activity) << ::testing::PrintToString(r->limited);
  EXPECT_TRUE(sequences) << ::testing::PrintToString(r->limited);
  EXPECT_NE(FindFact(*r, "pg.connections", "server"), nullptr);  // the rest still ran
}

TEST_F(PostgresCheck, UnreachableServerIsAClearMaskedError) {
  CliResult r = RunCheck({"--postgres", "postgresql://app:NotTheRealOne42@127.0.0.1:1/shop"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ((r.out + r.err).find("NotTheRealOne42"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("could not check postgres"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vitals
