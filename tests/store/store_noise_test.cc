// Run store schema version 3: the generator's noise per interval (run_noise), streamed with
// AppendNoise and written by CompleteRun, NaN kept as NULL, and the migration from version 2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <string>

#include "load/noise.h"
#include "store/migrations.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::MakeResult;
using testing::MakeStart;
using testing::TempDir;

NoiseInterval Noise(double start_s, double sched_us, double psi) {
  NoiseInterval n;
  n.start_s = start_s;
  n.probes = 200;
  n.sched_delay_p99_us = sched_us;
  n.sched_delay_max_us = sched_us * 3;
  n.gen_cpu_pct = 12.5;
  n.steal_pct = 0;
  n.psi_cpu_pct = psi;
  // send_lag_p99_us and runnable_per_cpu stay absent (closed model, no procs_running).
  return n;
}

TEST(StoreNoise, StreamedAndCompletedRowsReadBackWithAbsentFiguresAsNaN) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto id = store->BeginRun(MakeStart(1'700'000'000'000));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->AppendNoise(*id, {Noise(0, 80, 1.5), Noise(1, 95, 2.0)}).ok());
  LoadResult r = MakeResult(3, 50, 1000);
  // CompleteRun writes the whole series again: rows already streamed are replaced, not doubled.
  r.noise = {Noise(0, 80, 1.5), Noise(1, 95, 2.0), Noise(2, 4000, 60)};
  ASSERT_TRUE(store->CompleteRun(*id, r, "", "").ok());
  auto run = store->GetRun(*id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->noise.size(), 3u);
  EXPECT_DOUBLE_EQ(run->noise[0].sched_delay_p99_us, 80);
  EXPECT_DOUBLE_EQ(run->noise[2].sched_delay_p99_us, 4000);
  EXPECT_DOUBLE_EQ(run->noise[2].psi_cpu_pct, 60);
  EXPECT_EQ(run->noise[1].probes, 200u);
  EXPECT_TRUE(std::isnan(run->noise[0].send_lag_p99_us));
  EXPECT_TRUE(std::isnan(run->noise[0].runnable_per_cpu));
  // A completed run takes no more noise rows.
  Status late = store->AppendNoise(*id, {Noise(3, 1, 1)});
  EXPECT_FALSE(late.ok());
  EXPECT_THAT(late.message(), HasSubstr("it is completed"));
}

TEST(StoreNoise, DeletedWithTheRun) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok());
  RunStart start = MakeStart(1'700'000'000'000);
  auto id = store->BeginRun(start);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->AppendNoise(*id, {Noise(0, 80, 1.5)}).ok());
  ASSERT_TRUE(store->DeleteRun(*id).ok());
  start.run_id = *id;
  ASSERT_TRUE(store->BeginRun(start).ok());
  EXPECT_TRUE(store->GetRun(*id)->noise.empty());
}

TEST(StoreNoise, MigratesAVersionTwoStoreKeepingItsRuns) {
  TempDir dir;
  const std::string path = dir.File("v2.db");
  std::string id;
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    auto begun = store->BeginRun(MakeStart(1'700'000'000'000));
    ASSERT_TRUE(begun.ok());
    id = *begun;
    ASSERT_TRUE(store->CompleteRun(id, MakeResult(3, 50, 1000), "", "").ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    // Back to version 2: drop what versions 3 and later added.
    ASSERT_EQ(
        sqlite3_exec(db,
                     "DROP TABLE check_plans; DROP TABLE run_noise; DROP TABLE checks; DROP "
                     "TABLE incidents; "
                     "DROP TABLE run_alerts; DROP TABLE run_series; DROP TABLE run_segments; "
                     "DROP TABLE tune_audit; DROP TABLE tune_backups; PRAGMA user_version = 2;",
                     nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*store->SchemaVersion(), detail::LatestSchemaVersion());
  auto run = store->GetRun(id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(run->noise.empty());  // an old run has no noise figures: "not measured"
  EXPECT_EQ(run->info.requests, 150u);
}

}  // namespace
}  // namespace vitals
