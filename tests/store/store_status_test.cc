// How a run ended, as the store keeps it: interrupted runs (Ctrl-C) and runs in which nothing
// succeeded (the load engine's early stop), what `latest` and baselines make of them, and
// migration 4 (the runs table rebuilt for the new status) keeping every row of every table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "store/migrations.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::MakeResult;
using testing::MakeStart;
using testing::TempDir;

std::string RawText(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  std::string out = "<no row>";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(st, 0);
    out = t ? reinterpret_cast<const char*>(t) : "NULL";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// A run stored through the store's API: `result` completes it.
std::string StoreRun(Store* store, int64_t started_ms, const LoadResult& result) {
  auto id = store->BeginRun(MakeStart(started_ms));
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  Status st = store->CompleteRun(*id, result, "", "");
  EXPECT_TRUE(st.ok()) << st.ToString();
  return *id;
}

// A run in which every request failed: no latency at all.
LoadResult NothingSucceeded() {
  LoadResult r;
  r.target = "http://127.0.0.1:9/";
  r.method = "GET";
  r.model = "closed";
  r.duration_s = 5.1;
  r.planned_s = 100;
  r.interrupted = true;
  r.requests = r.errors = 1234;
  r.error_rate = 1;
  r.errors_by_kind["connect_refused"] = 1234;
  r.failure =
      "no request succeeded in 5 s: connection refused by 127.0.0.1:9; is the target "
      "running, and on this port? (--keep-going to run anyway)";
  return r;
}

TEST(StoreStatus, InterruptedRunIsStoredWholeButNeverLatest) {
  TempDir dir;
  auto store = Store::Open(dir.File("vitals.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::string done = StoreRun(&*store, 1'700'000'000'000, MakeResult(4, 100, 800));
  LoadResult cut = MakeResult(2, 100, 900);
  cut.interrupted = true;
  cut.stopped_by_caller = true;
  const std::string interrupted = StoreRun(&*store, 1'700'000'100'000, cut);

  auto run = store->GetRun(interrupted);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->info.status, RunStatus::kInterrupted);
  EXPECT_STREQ(run->info.DisplayStatus(), "interrupted");
  EXPECT_TRUE(run->info.has_result);
  EXPECT_FALSE(run->partial);
  EXPECT_EQ(run->info.requests, cut.requests);
  EXPECT_THAT(run->result_json, HasSubstr(R"("status": "interrupted")"));
  EXPECT_TRUE(RebuildLoadResult(*run).stopped_by_caller);

  // Newer, but `latest` is the completed run before it; by id it is still usable.
  auto latest = store->ResolveRunName("latest");
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(*latest, done);
  auto older = store->ResolveRunName("latest~1");
  ASSERT_FALSE(older.ok());
  auto baseline = store->SetBaseline("named", interrupted);
  ASSERT_TRUE(baseline.ok()) << baseline.status().ToString();
  EXPECT_EQ(*baseline, interrupted);
}

TEST(StoreStatus, NothingSucceededIsFailedWithItsReasonAndNoLatency) {
  TempDir dir;
  auto store = Store::Open(dir.File("vitals.db"));
  ASSERT_TRUE(store.ok());
  const LoadResult r = NothingSucceeded();
  const std::string id = StoreRun(&*store, 1'700'000'000'000, r);
  auto runs = store->ListRuns();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  const RunInfo& info = runs->front();
  EXPECT_EQ(info.status, RunStatus::kFailed);
  EXPECT_EQ(info.failure_reason, r.failure);
  EXPECT_TRUE(info.has_result);
  EXPECT_FALSE(info.has_latency);  // not a p95 of 0
  EXPECT_EQ(info.requests, 1234u);
  EXPECT_EQ(info.errors, 1234u);
  EXPECT_EQ(RawText(dir.File("vitals.db"), "SELECT p95_us FROM runs"), "NULL");
  auto latest = store->ResolveRunName("latest");
  ASSERT_FALSE(latest.ok());
  EXPECT_THAT(latest.status().message(), HasSubstr("never `latest`"));
  auto run = store->GetRun(id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(RebuildLoadResult(*run).failure, r.failure);
  EXPECT_FALSE(store->SetBaseline("b", id).ok());  // a failed run is never a baseline
}

// Migration 5 rebuilds `runs`; with foreign keys on, dropping the old table would delete
// every child row.  Re-running it on a store at version 4 must keep them all.
TEST(StoreStatus, MigrationFiveKeepsEveryChildRow) {
  TempDir dir;
  const std::string path = dir.File("vitals.db");
  std::string id, zero;
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    auto begun = store->BeginRun(MakeStart(1'700'000'000'000));
    ASSERT_TRUE(begun.ok());
    id = *begun;
    LoadResult r = MakeResult(4, 100, 800);
    ASSERT_TRUE(store->AppendIntervals(id, r.intervals).ok());
    ASSERT_TRUE(store->CompleteRun(id, r, "", "").ok());
    ASSERT_TRUE(store->SetBaseline("main", id).ok());
    CheckRecord check;
    check.started_unix_ms = 1'700'000'001'000;
    check.finished_unix_ms = 1'700'000'002'000;
    check.run_id = id;
    check.findings_json = R"({"findings": []})";
    ASSERT_TRUE(store->RecordCheck(check).ok());
    zero = StoreRun(&*store, 1'700'000'100'000, NothingSucceeded());
  }
  const std::string count_sql =
      "SELECT (SELECT COUNT(*) FROM run_tags) || '/' || (SELECT COUNT(*) FROM run_intervals) || "
      "'/' || (SELECT COUNT(*) FROM run_phases) || '/' || (SELECT COUNT(*) FROM run_histograms) "
      "|| '/' || (SELECT COUNT(*) FROM baselines) || '/' || (SELECT COUNT(*) FROM checks WHERE "
      "run_id IS NOT NULL)";
  const std::string before = RawText(path, count_sql);
  // As an older vitals left it: version 4, a failed-nothing run stored with latencies of 0.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const std::string sql =
        "UPDATE runs SET status = 'completed', p50_us = 0, p95_us = 0, "
        "p99_us = 0 WHERE id = '" +
        zero +
        "'; DROP TABLE check_plans; DROP TABLE run_alerts; DROP TABLE run_series; DROP TABLE "
        "run_segments; DROP TABLE tune_audit; DROP TABLE tune_backups; PRAGMA "
        "user_version = 4;";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*store->SchemaVersion(), detail::LatestSchemaVersion());
  EXPECT_EQ(RawText(path, count_sql), before);
  EXPECT_NE(before, "0/0/0/0/0/0");
  EXPECT_EQ(RawText(path, "PRAGMA foreign_key_check"), "<no row>");
  EXPECT_EQ(RawText(path, "SELECT p95_us FROM runs WHERE id = '" + zero + "'"), "NULL");
  EXPECT_NE(RawText(path, "SELECT p95_us FROM runs WHERE id = '" + id + "'"), "NULL");
  EXPECT_TRUE(store->CheckIntegrity().ok());
  // Foreign keys are back on: deleting a run still cascades to its rows.
  ASSERT_TRUE(store->RemoveBaseline("main").ok());
  ASSERT_TRUE(store->DeleteRun(id).ok());
  EXPECT_EQ(RawText(path, "SELECT COUNT(*) FROM run_intervals WHERE run_id = '" + id + "'"), "0");
}

}  // namespace
}  // namespace vitals
