// Run store schema version 4: the tls_handshake histogram of https runs, and the migration
// that widens run_histograms' CHECK without losing the rows of older runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "store/migrations.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using testing::MakeResult;
using testing::MakeStart;
using testing::TempDir;

TEST(StoreTls, HandshakeHistogramRoundTrips) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto id = store->BeginRun(MakeStart(1'700'000'000'000, "https://127.0.0.1:8443/"));
  ASSERT_TRUE(id.ok());
  LoadResult r = MakeResult(2, 10, 1000, "https://127.0.0.1:8443/");
  r.tls = true;
  r.tls_full = 3;
  r.tls_resumed = 5;
  for (int64_t v : {800, 900, 2500, 400, 450, 500, 420, 430}) r.tls_handshake.Record(v);
  ASSERT_TRUE(store->CompleteRun(*id, r, "", "").ok());
  auto run = store->GetRun(*id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->tls_handshake.TotalCount(), 8);
  EXPECT_EQ(run->tls_handshake.Max(), r.tls_handshake.Max());
  const LoadResult back = RebuildLoadResult(*run);
  EXPECT_TRUE(back.tls);
  EXPECT_EQ(back.tls_full, 3u);
  EXPECT_EQ(back.tls_resumed, 5u);
  EXPECT_EQ(back.tls_handshake.TotalCount(), 8);
}

TEST(StoreTls, PlainRunsStoreNoHandshakeRow) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok());
  auto id = store->BeginRun(MakeStart(1'700'000'000'000));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->CompleteRun(*id, MakeResult(2, 10, 1000), "", "").ok());
  auto run = store->GetRun(*id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->tls_handshake.TotalCount(), 0);
  EXPECT_FALSE(RebuildLoadResult(*run).tls);
}

TEST(StoreTls, MigrationKeepsTheHistogramsOfOlderRuns) {
  TempDir dir;
  const std::string path = dir.File("v.db");
  std::string id;
  int64_t before = 0;
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    auto begun = store->BeginRun(MakeStart(1'700'000'000'000));
    ASSERT_TRUE(begun.ok());
    id = *begun;
    ASSERT_TRUE(store->CompleteRun(id, MakeResult(3, 50, 1000), "", "").ok());
    auto run = store->GetRun(id);
    ASSERT_TRUE(run.ok());
    before = run->latency_corrected.TotalCount();
    ASSERT_GT(before, 0);
  }
  {
    // Back to version 6: the table as it was (no tls_handshake in the CHECK).
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* kDowngrade = R"sql(
      CREATE TABLE h3 (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('latency_corrected', 'latency_uncorrected',
                                           'connect', 'ttfb', 'send_lag')),
        total_count INTEGER NOT NULL, hdr_v2 TEXT NOT NULL,
        PRIMARY KEY (run_id, kind)) WITHOUT ROWID;
      INSERT INTO h3 SELECT * FROM run_histograms;
      DROP TABLE run_histograms;
      ALTER TABLE h3 RENAME TO run_histograms;
      DROP TABLE check_plans;
      DROP TABLE run_series; DROP TABLE run_segments; DROP TABLE tune_audit; DROP TABLE tune_backups;
      PRAGMA user_version = 6;)sql";
    ASSERT_EQ(sqlite3_exec(db, kDowngrade, nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    // Version 6 refuses the new kind: the migration is what makes it storable.
    EXPECT_NE(
        sqlite3_exec(
            db,
            ("INSERT INTO run_histograms VALUES ('" + id + "', 'tls_handshake', 0, '')").c_str(),
            nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*store->SchemaVersion(), detail::LatestSchemaVersion());
  auto run = store->GetRun(id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->latency_corrected.TotalCount(), before);
  auto tls_id = store->BeginRun(MakeStart(1'700'000'100'000, "https://127.0.0.1:8443/"));
  ASSERT_TRUE(tls_id.ok());
  LoadResult r = MakeResult(1, 10, 1000, "https://127.0.0.1:8443/");
  r.tls = true;
  r.tls_full = 1;
  r.tls_handshake.Record(700);
  ASSERT_TRUE(store->CompleteRun(*tls_id, r, "", "").ok());
  auto tls_run = store->GetRun(*tls_id);
  ASSERT_TRUE(tls_run.ok());
  EXPECT_EQ(tls_run->tls_handshake.TotalCount(), 1);
}

}  // namespace
}  // namespace vitals
