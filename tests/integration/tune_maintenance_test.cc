// vitals tune's PostgreSQL maintenance and index drops on the dedicated tune server:
// VACUUM (ANALYZE) of a table over pg.dead_tuples (n_dead_tup drops), REINDEX INDEX
// CONCURRENTLY of an index over pg.index_bloat (still valid, smaller), and the aggressive drop
// of an unused index, which --rollback recreates with the same definition.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "integration/tune_db_fixture.h"

namespace vitals::tunetest {
namespace {

using ::testing::HasSubstr;
using TuneMaintenance = TuneDb;

TEST_F(TuneMaintenance, VacuumOfATableWithDeadRowsDropsNDeadTup) {
  {  // the session ends before the wait: its statistics are flushed at exit
    pgtest::TestConn setup(dsn_);
    setup.Exec("CREATE TABLE churn (id int, v text) WITH (autovacuum_enabled = off)");
    setup.Exec("INSERT INTO churn SELECT g, md5(g::text) FROM generate_series(1, 40000) g");
    setup.Exec("DELETE FROM churn WHERE id % 2 = 0");
  }
  WaitFor("SELECT n_dead_tup >= 20000 FROM pg_stat_user_tables WHERE relname = 'churn'");

  auto plan = RunTune(Args({}, "vacuum public.churn"));
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("~ vacuum public.churn  20000 dead rows (50 % of rows)"));
  EXPECT_THAT(plan.out, HasSubstr("VACUUM (ANALYZE) public.churn"));
  EXPECT_THAT(plan.out, HasSubstr("nothing to undo"));
  auto conservative = RunTune(Args({"--strategy", "conservative"}, "vacuum public.churn"));
  EXPECT_THAT(conservative.out, HasSubstr("conservative changes settings only"));

  auto apply = RunTune(Args({"--apply"}, "vacuum public.churn"));
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(apply.out, HasSubstr("Applied 1 change. Backup "));
  WaitFor("SELECT n_dead_tup < 1000 FROM pg_stat_user_tables WHERE relname = 'churn'");
  pgtest::TestConn c(dsn_);
  EXPECT_EQ(c.Exec("SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL FROM "
                   "pg_stat_user_tables WHERE relname = 'churn'"),
            "t");
}

TEST_F(TuneMaintenance, ReindexConcurrentlyKeepsABloatedIndexValidAndSmaller) {
  pgtest::TestConn c(dsn_);
  c.Exec("CREATE TABLE bloated (id int, v text) WITH (autovacuum_enabled = off)");
  c.Exec("INSERT INTO bloated SELECT g, md5(g::text) FROM generate_series(1, 400000) g");
  c.Exec("CREATE INDEX bloated_v_idx ON bloated (v)");
  // 70 % of the entries go; their pages stay (random keys leave no leaf page empty).
  c.Exec("DELETE FROM bloated WHERE id % 10 < 7");
  c.Exec("VACUUM ANALYZE bloated");
  const long before = std::stol(c.Exec("SELECT pg_relation_size('bloated_v_idx')"));

  auto plan = RunTune(Args({}, "reindex public.bloated_v_idx"));
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("REINDEX INDEX CONCURRENTLY public.bloated_v_idx"));
  EXPECT_THAT(plan.out, HasSubstr("% bloat (estimate from pg_stats)"));
  EXPECT_THAT(plan.out, HasSubstr("the rebuilt index is equivalent"));

  auto apply = RunTune(Args({"--apply"}, "reindex public.bloated_v_idx"));
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_EQ(IndexValid("bloated_v_idx"), "t");
  const long after = std::stol(c.Exec("SELECT pg_relation_size('bloated_v_idx')"));
  EXPECT_LT(after * 2, before) << "before " << before << " after " << after;
  EXPECT_EQ(c.Exec("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), "0");
}

TEST_F(TuneMaintenance, AggressiveDropOfAnUnusedIndexRollbackRecreatesIt) {
  pgtest::TestConn c(dsn_);
  c.Exec("CREATE TABLE lookup (id int PRIMARY KEY, note text)");
  c.Exec("INSERT INTO lookup SELECT g, md5(g::text) FROM generate_series(1, 250000) g");
  c.Exec("CREATE INDEX lookup_note_idx ON lookup (note)");
  c.Exec("ANALYZE lookup");
  const std::string def = c.Exec("SELECT pg_get_indexdef('lookup_note_idx'::regclass)");
  ASSERT_EQ(def, "CREATE INDEX lookup_note_idx ON public.lookup USING btree (note)");
  const std::string item = "drop public.lookup_note_idx";

  auto balanced = RunTune(Args({}, item));
  ASSERT_EQ(balanced.exit_code, 0) << balanced.out << balanced.err;
  EXPECT_THAT(balanced.out, HasSubstr("only with --strategy aggressive"));
  // The tune server streams to a standby: idx_scan there is unknown, so --override is needed.
  auto aggressive = RunTune(Args({"--strategy", "aggressive"}, item));
  EXPECT_THAT(aggressive.out, HasSubstr("idx_scan counts this server only"));

  auto apply = RunTune(Args({"--strategy", "aggressive", "--override", "--apply"}, item));
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(apply.out, HasSubstr("reversible: recreated from its definition"));
  const std::string id = BackupId(apply.out);
  ASSERT_FALSE(id.empty()) << apply.out;
  EXPECT_EQ(IndexValid("lookup_note_idx"), "");

  auto back = RunTune(
      {"--postgres", dsn_, "--component", "postgres", "--rollback", id, "--store", store_.path()});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_EQ(IndexValid("lookup_note_idx"), "t");
  EXPECT_EQ(c.Exec("SELECT pg_get_indexdef('lookup_note_idx'::regclass)"), def);
}

}  // namespace
}  // namespace vitals::tunetest
