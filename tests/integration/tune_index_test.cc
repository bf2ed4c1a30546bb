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

#include "integration/tune_db_fixture.h"

namespace vitals::tunetest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

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

using TuneIndex = TuneDb;

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

// A role that cannot create hypopg (not a superuser) still gets the candidate, with the
// finding's evidence, and the plan says why there is no estimate.
TEST_F(TuneIndex, WithoutHypoPgThePlanSaysSoAndFallsBackToTheEvidence) {
  MissingIndexFixture(12000);
  const std::string owner = Role("GRANT pg_read_all_stats TO {}");
  {
    pgtest::TestConn c(dsn_);
    c.Exec("ALTER TABLE orders OWNER TO " + roles_.back());
  }
  auto plan = RunTune({"--postgres", owner, "--component", "postgres", "--only", kIndex, "--store",
                       store_.path(), "--ram", "4GB", "--cores", "2"});
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr(std::string("~ ") + kIndex));
  EXPECT_THAT(plan.out, HasSubstr("pg.missing_index: seq_scan="));
  EXPECT_THAT(plan.out,
              HasSubstr("hypopg is not available (not created in this database, and only a "
                        "superuser can create it): index benefits are not estimated"));
  EXPECT_THAT(plan.out, Not(HasSubstr("hypopg: cost")));
}

// An INVALID index of the planned name (a build killed half-way) is never built over.
TEST_F(TuneIndex, InvalidLeftoverOfThePlannedNameIsLeftAloneWithTheWayOut) {
  MissingIndexFixture(12000);
  pgtest::TestConn c(dsn_);
  const std::string err = c.ExecError(
      "CREATE UNIQUE INDEX CONCURRENTLY vitals_orders_customer_id_idx ON orders (customer_id)");
  ASSERT_THAT(err, HasSubstr("could not create unique index"));
  ASSERT_EQ(IndexValid(kIndex), "f");
  auto plan = RunTune(Args({}));
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("an INVALID index vitals_orders_customer_id_idx is left from an "
                                  "interrupted build"));
  auto apply = RunTune(Args({"--apply"}));
  EXPECT_NE(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(apply.out + apply.err, HasSubstr("nothing to apply"));
  EXPECT_EQ(IndexValid(kIndex), "f");  // untouched
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
