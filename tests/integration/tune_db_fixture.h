// A database of its own on the dedicated tune PostgreSQL (start_postgres_tune) for the tests of
// vitals tune's object changes (indexes, VACUUM, REINDEX), dropped at the end so the suite
// re-runs on the same server; with pg_stat_statements, and the check tests' missing-index
// fixture.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "integration/tune_fixture.h"

namespace vitals::tunetest {

inline constexpr const char* kIndex = "vitals_orders_customer_id_idx";
inline constexpr const char* kIndexLock = "1986622561";  // tuneobj::kIndexLockKey

class TuneDb : public ::testing::Test {
 protected:
  void SetUp() override {
    VITALS_REQUIRE_SERVER("VITALS_TEST_TUNE_PG_DSN",
                          "source scripts/lib/servers.sh; start_postgres_tune");
    admin_dsn_ = PgDsn();
    db_ = "vitals_tix_" + pgtest::RandomHex(10);
    pgtest::TestConn admin(admin_dsn_);
    ASSERT_TRUE(admin.ok()) << admin.Error();
    admin.Exec("CREATE DATABASE " + db_);
    created_ = true;
    dsn_ = pgtest::DsnWith(admin_dsn_, db_);
    pgtest::TestConn c(dsn_);
    ASSERT_TRUE(c.ok()) << c.Error();
    c.Exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    c.Exec(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = "
        "current_database()), 0)");
  }

  void TearDown() override {
    if (!created_) return;
    pgtest::TestConn admin(admin_dsn_);
    admin.Exec("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
    for (const auto& role : roles_) admin.Exec("DROP ROLE IF EXISTS " + role);
  }

  // The check tests' missing-index fixture: `rows` orders with no index on customer_id, and
  // 1,100 lookups on it (over pg.missing_index's 1,000 sequential scans).
  void MissingIndexFixture(int rows) {
    {  // the session ends before the wait: its statistics are flushed at exit
      pgtest::TestConn c(dsn_);
      c.Exec(
          "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, "
          "status text NOT NULL, note text NOT NULL)");
      c.Exec(
          fmt::format("INSERT INTO orders (customer_id, status, note) SELECT g % 1000, "
                      "CASE WHEN g % 10 = 0 THEN 'open' ELSE 'done' END, md5(g::text) FROM "
                      "generate_series(1, {}) g",
                      rows));
      c.Exec("ANALYZE orders");
      for (int i = 0; i < 1100; ++i) {
        c.Exec(fmt::format("SELECT id FROM orders WHERE customer_id = {} LIMIT 1", i % 50));
      }
    }
    WaitFor(
        "SELECT seq_scan >= 1100 AND n_live_tup >= 10000 FROM pg_stat_user_tables "
        "WHERE relname = 'orders'");
  }

  void WaitFor(const std::string& sql) {
    pgtest::TestConn c(dsn_);
    for (int i = 0; i < 300; ++i) {
      if (c.Exec(sql) == "t") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "timed out waiting for: " << sql;
  }

  // "t" / "f" for the index's pg_index.indisvalid, "" when it does not exist.
  std::string IndexValid(const std::string& name) {
    pgtest::TestConn c(dsn_);
    return c.Exec(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE "
        "c.relname = '" +
        name + "'");
  }

  std::vector<std::string> Args(std::vector<std::string> extra, const std::string& only = kIndex) {
    std::vector<std::string> a = {"--postgres", dsn_,  "--component", "postgres",
                                  "--only",     only,  "--store",     store_.path(),
                                  "--ram",      "4GB", "--cores",     "2"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  // A login role (not a superuser), dropped at the end; returns its DSN for this database.
  // `grants` is run with {} replaced by the role's name.
  std::string Role(const std::string& grants) {
    const std::string role = "vitals_tix_r_" + pgtest::RandomHex(8);
    pgtest::TestConn admin(admin_dsn_);
    admin.Exec("CREATE ROLE " + role + " LOGIN");
    roles_.push_back(role);
    if (!grants.empty()) admin.Exec(fmt::format(fmt::runtime(grants), role));
    return pgtest::DsnWith(admin_dsn_, db_, role);
  }

  std::string admin_dsn_, dsn_, db_;
  std::vector<std::string> roles_;
  bool created_ = false;
  TempStore store_;
};

}  // namespace vitals::tunetest
