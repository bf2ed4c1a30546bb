// vitals tune's PostgreSQL index candidates (kind pg.index) on the dedicated tune server
// (start_postgres_tune): the missing-index fixture of the check tests gets a candidate with a
// hypopg cost estimate; --apply builds it concurrently (valid, named as planned) and
// --rollback drops it; vitals' advisory lock held elsewhere refuses the apply; a build that
// fails leaves no invalid index; --validate under load keeps the index for its p95 drop.
// Each test works in a database of its own, dropped at the end, so the suite re-runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "integration/tune_fixture.h"

namespace vitals::tunetest {
namespace {

using ::testing::HasSubstr;

constexpr const char* kIndex = "vitals_orders_customer_id_idx";
constexpr const char* kIndexLock = "1986622561";  // tuneobj::kIndexLockKey

// The p95 in microseconds from "<label>: run ...: N requests, p95 45.6ms, ...", or -1.
double P95Us(const std::string& out, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(
          out, m, std::regex(label + R"(: run \S+: \d+ requests, p95 ([0-9.]+)(us|ms|s),)"))) {
    return -1;
  }
  const double v = std::stod(m[1].str());
  return m[2] == "us" ? v : m[2] == "ms" ? v * 1e3 : v * 1e6;
}

class TuneIndex : public ::testing::Test {
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
  }

  // The check tests' missing-index fixture: `rows` orders with no index on customer_id, and
  // 1,100 lookups on it (over pg.missing_index's 1,000 sequential scans).
  void MissingIndexFixture(int rows) {
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

  std::vector<std::string> Args(std::vector<std::string> extra) {
    std::vector<std::string> a = {"--postgres", dsn_,   "--component", "postgres",
                                  "--only",     kIndex, "--store",     store_.path(),
                                  "--ram",      "4GB",  "--cores",     "2"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  std::string admin_dsn_, dsn_, db_;
  bool created_ = false;
  TempStore store_;
};

TEST_F(TuneIndex, PlanEstimatesWithHypoPgApplyBuildsConcurrentlyRollbackDrops) {
  MissingIndexFixture(20000);
  auto plan = RunTune(Args({}));
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr(std::string("~ ") + kIndex));
  EXPECT_THAT(plan.out, HasSubstr("CREATE INDEX CONCURRENTLY vitals_orders_customer_id_idx ON "
                                  "public.orders (customer_id)"));
  EXPECT_THAT(plan.out, HasSubstr("pg.missing_index: seq_scan="));
  EXPECT_THAT(plan.out, HasSubstr("SHARE UPDATE EXCLUSIVE lock on public.orders; writes continue"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      plan.out, m, std::regex(R"(hypopg: cost ([0-9.]+) -> ([0-9.]+) \(-([0-9.]+) %\))")))
      << plan.out;
  const double before = std::stod(m[1].str()), after = std::stod(m[2].str());
  EXPECT_GT(before, 0);
  EXPECT_LT(after, before);
  // Planning changed nothing: no index, no hypopg extension left in the database.
  EXPECT_EQ(IndexValid(kIndex), "");
  pgtest::TestConn c(dsn_);
  EXPECT_EQ(c.Exec("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'"), "0");

  auto apply = RunTune(Args({"--apply"}));
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  const std::string id = BackupId(apply.out);
  ASSERT_FALSE(id.empty()) << apply.out;
  EXPECT_EQ(IndexValid(kIndex), "t");
  EXPECT_EQ(c.Exec("SELECT pg_get_indexdef('public.vitals_orders_customer_id_idx'::regclass)"),
            "CREATE INDEX vitals_orders_customer_id_idx ON public.orders USING btree "
            "(customer_id)");

  auto back = RunTune(
      {"--postgres", dsn_, "--component", "postgres", "--rollback", id, "--store", store_.path()});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_EQ(IndexValid(kIndex), "");
}

TEST_F(TuneIndex, AdvisoryLockHeldElsewhereRefusesTheApply) {
  MissingIndexFixture(12000);
  pgtest::TestConn other(dsn_);
  ASSERT_EQ(other.Exec(std::string("SELECT pg_try_advisory_lock(") + kIndexLock + ")"), "t");
  auto r = RunTune(Args({"--apply"}));
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("refusing to apply; nothing was changed"));
  EXPECT_THAT(r.out + r.err,
              HasSubstr("vitals' index advisory lock (pg_try_advisory_lock(1986622561)) is held "
                        "by another session (pid "));
  EXPECT_EQ(IndexValid(kIndex), "");
}

// CREATE INDEX CONCURRENTLY makes its (invalid) catalog entry, then waits for the writers of
// the table: a writer that stays open trips the lock_timeout, and the leftover is dropped.
TEST_F(TuneIndex, FailedBuildLeavesNoInvalidIndex) {
  MissingIndexFixture(12000);
  pgtest::TestConn writer(dsn_);
  writer.Exec("BEGIN");
  writer.Exec("UPDATE orders SET status = status WHERE id = 1");
  // End the writer once the leftover's DROP INDEX CONCURRENTLY waits for it (bounded).
  std::atomic<bool> done{false};
  std::thread release([&] {
    pgtest::TestConn watch(dsn_);
    for (int i = 0; i < 600 && !done; ++i) {
      if (watch.Exec("SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = "
                     "'vitals tune' AND query LIKE 'DROP INDEX CONCURRENTLY%' AND "
                     "wait_event_type = 'Lock'") == "t") {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    writer.Exec("COMMIT");
  });
  auto r = RunTune(Args({"--apply", "--index-lock-timeout", "300ms"}));
  done = true;
  release.join();
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("lock timeout"));
  EXPECT_THAT(r.out + r.err,
              HasSubstr("the invalid leftover index vitals_orders_customer_id_idx was dropped"));
  EXPECT_EQ(IndexValid(kIndex), "");
  pgtest::TestConn c(dsn_);
  EXPECT_EQ(c.Exec("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), "0");
}

TEST_F(TuneIndex, ValidateUnderLoadKeepsTheIndexForItsP95Drop) {
  MissingIndexFixture(300000);
  testing::Child target({"target", "--listen", "127.0.0.1:0", "--threads", "2", "--postgres", dsn_,
                         "--sql", "SELECT count(*) FROM orders WHERE customer_id = $1",
                         "--sql-param-max", "999"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  auto r = RunTune(Args({"--apply", "--validate", "http://127.0.0.1:" + std::to_string(port) + "/",
                         "-d", "6s", "-c", "2", "--settle", "1s", "--ignore-environment"}));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("validate: baseline load http://127.0.0.1:"));
  EXPECT_THAT(r.out, HasSubstr("Applied 1 change. Backup "));
  EXPECT_THAT(r.out, HasSubstr("validate: PASS: the change is kept"));
  EXPECT_EQ(IndexValid(kIndex), "t");
  // The p95 of the two loads: the index turns a sequential scan of 300,000 rows into a
  // lookup (an order of magnitude at least); asserted at 2x so a noisy machine cannot flip it.
  const double p95_before = P95Us(r.out, "baseline load"), p95_after = P95Us(r.out, "after load");
  ASSERT_GT(p95_before, 0) << r.out;
  ASSERT_GT(p95_after, 0) << r.out;
  EXPECT_LT(p95_after * 2, p95_before) << r.out;
}

}  // namespace
}  // namespace vitals::tunetest
