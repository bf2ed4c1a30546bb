// Alert state changes stored with a run (AddAlerts / StoredRun::alerts, table run_alerts).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <sqlite3.h>

#include "store/migrations.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::MakeResult;
using testing::MakeStart;
using ::testing::Not;
using testing::TempDir;

StoredAlert Change(int64_t t, const char* from, const char* to, double v) {
  StoredAlert a;
  a.t_unix_ms = t;
  a.alert = "HighResponseTime";
  a.from = from;
  a.to = to;
  a.labels_json = R"({"alertname":"HighResponseTime","severity":"warning"})";
  a.annotations_json = R"({"summary":"p95 is 2.5s, see http://admin:s3cret@grafana.local/d"})";
  a.value = v;
  return a;
}

TEST(StoreAlerts, AppendedInOrderAndRedacted) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto id = store->BeginRun(MakeStart(1'700'000'000'000));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->AddAlerts(*id, {Change(1'700'000'002'000, "inactive", "pending", 2.5)}).ok());
  ASSERT_TRUE(store
                  ->AddAlerts(*id, {Change(1'700'000'032'000, "pending", "firing", 2.6),
                                    Change(1'700'000'050'000, "firing", "inactive", NAN)})
                  .ok());
  ASSERT_TRUE(store->CompleteRun(*id, MakeResult(4, 50, 1000), "", "").ok());
  auto run = store->GetRun(*id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->alerts.size(), 3u);
  EXPECT_EQ(run->alerts[0].to, "pending");
  EXPECT_EQ(run->alerts[1].from, "pending");
  EXPECT_EQ(run->alerts[1].to, "firing");
  EXPECT_EQ(run->alerts[1].t_unix_ms, 1'700'000'032'000);
  EXPECT_EQ(run->alerts[1].value, 2.6);
  EXPECT_TRUE(std::isnan(run->alerts[2].value));
  EXPECT_THAT(run->alerts[0].labels_json, HasSubstr("\"severity\":\"warning\""));
  EXPECT_THAT(run->alerts[0].annotations_json, Not(HasSubstr("s3cret")));
}

TEST(StoreAlerts, BadJsonAndUnknownRunAreRefused) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok());
  auto id = store->BeginRun(MakeStart(1'700'000'000'000));
  ASSERT_TRUE(id.ok());
  StoredAlert bad = Change(1, "inactive", "firing", 1);
  bad.labels_json = "[1,2]";
  Status st = store->AddAlerts(*id, {bad});
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("alert labels must be a JSON object"));
  EXPECT_EQ(store->AddAlerts("nosuchrun", {Change(1, "inactive", "firing", 1)}).code(),
            Status::Code::kNotFound);
  auto run = store->GetRun(*id);
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->alerts.empty());
}

TEST(StoreAlerts, MigratesAVersionFiveStoreKeepingItsRuns) {
  TempDir dir;
  const std::string path = dir.File("v.db");
  std::string id;
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    auto begun = store->BeginRun(MakeStart(1'700'000'000'000));
    ASSERT_TRUE(begun.ok());
    id = *begun;
    ASSERT_TRUE(store->CompleteRun(id, MakeResult(4, 50, 1000), "", "").ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  // Back to version 5, the one before run_alerts.
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE check_plans; DROP TABLE run_alerts; DROP TABLE run_series; "
                         "DROP TABLE run_segments; DROP TABLE tune_audit; DROP TABLE tune_backups; "
                         "PRAGMA user_version = 5;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*store->SchemaVersion(), detail::LatestSchemaVersion());
  auto run = store->GetRun(id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(run->alerts.empty());
  EXPECT_TRUE(store->AddAlerts(id, {Change(1'700'000'001'000, "inactive", "firing", 3)}).ok());
}

}  // namespace
}  // namespace vitals
