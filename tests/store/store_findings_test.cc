// Run store schema version 2: findings stored with a run (SetFindings / findings_json), the
// migration from version 1, and reading intervals through ReadOptions::visit_interval.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <string>

#include "store/migrations.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::MakeInterval;
using testing::MakeResult;
using testing::MakeStart;
using ::testing::Not;
using testing::TempDir;

constexpr const char* kFindings = R"({"findings": [{"id": "host.cpu.busy", "component": "host",
  "level": "critical", "priority": "P2", "title": "CPU 92.5% busy on web-1",
  "evidence": "busy 92.5%", "action": "top -o %CPU", "runbook": "docs/runbooks/host.md#cpu-busy"}],
  "summary": {"findings": 1}})";

void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

std::string CompletedRun(Store& store, int64_t started_ms = 1'700'000'000'000) {
  auto id = store.BeginRun(MakeStart(started_ms));
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE(store.CompleteRun(*id, MakeResult(4, 50, 1000), "", "").ok());
  return *id;
}

TEST(StoreFindings, SchemaVersionTwoHasTheFindingsTable) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_GE(detail::LatestSchemaVersion(), 2);
  EXPECT_EQ(*store->SchemaVersion(), detail::LatestSchemaVersion());
}

TEST(StoreFindings, RoundTripReplaceAndNone) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok());
  const std::string id = CompletedRun(*store);
  auto before = store->GetRun(id);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->findings_json, "");

  ASSERT_TRUE(store->SetFindings(id, kFindings).ok());
  auto after = store->GetRun(id);
  ASSERT_TRUE(after.ok());
  const auto j = nlohmann::json::parse(after->findings_json);
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["id"], "host.cpu.busy");

  // A second call replaces the first; a run name resolves like GetRun's.
  ASSERT_TRUE(store->SetFindings("latest", R"({"findings": []})").ok());
  auto replaced = store->GetRun(id);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(nlohmann::json::parse(replaced->findings_json)["findings"].size(), 0u);
}

TEST(StoreFindings, AttachesToIncompleteRunsToo) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok());
  auto id = store->BeginRun(MakeStart(1'700'000'000'000));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->SetFindings(*id, kFindings).ok());
  auto run = store->GetRun(*id);
  ASSERT_TRUE(run.ok());
  EXPECT_THAT(run->findings_json, HasSubstr("host.cpu.busy"));
}

TEST(StoreFindings, RejectsWhatIsNotAFindingsDocument) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok());
  const std::string id = CompletedRun(*store);
  Status bad = store->SetFindings(id, "{not json");
  EXPECT_EQ(bad.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("not valid JSON"));
  EXPECT_THAT(bad.message(), HasSubstr("vitals check --format json"));
  Status arr = store->SetFindings(id, "[1, 2]");
  EXPECT_EQ(arr.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(arr.message(), HasSubstr("must be a JSON object"));
  Status field = store->SetFindings(id, R"({"findings": {"id": "x"}})");
  EXPECT_EQ(field.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(field.message(), HasSubstr("\"findings\" must be an array"));
  // Nothing was stored by the failed calls.
  EXPECT_EQ(store->GetRun(id)->findings_json, "");
}

TEST(StoreFindings, UnknownRunIsNotFound) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok());
  Status st = store->SetFindings("no-such-run", kFindings);
  EXPECT_EQ(st.code(), Status::Code::kNotFound);
  EXPECT_THAT(st.message(), HasSubstr("no-such-run"));
}

TEST(StoreFindings, SecretsAreRedacted) {
  TempDir dir;
  const std::string path = dir.File("v.db");
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok());
  const std::string id = CompletedRun(*store);
  ASSERT_TRUE(store
                  ->SetFindings(id, R"({"findings": [{"id": "pg.x", "evidence":
                      "postgres://app:hunter2@127.0.0.1/db password=s3cret"}]})")
                  .ok());
  auto run = store->GetRun(id);
  ASSERT_TRUE(run.ok());
  EXPECT_THAT(run->findings_json, Not(HasSubstr("hunter2")));
  EXPECT_THAT(run->findings_json, Not(HasSubstr("s3cret")));
  EXPECT_THAT(run->findings_json, HasSubstr("app:"));
  EXPECT_FALSE(nlohmann::json::parse(run->findings_json, nullptr, false).is_discarded());
  // Not on disk either (the database file and its write-ahead log).
  std::string raw = testing::ReadFileBytes(path) + testing::ReadFileBytes(path + "-wal");
  EXPECT_EQ(raw.find("hunter2"), std::string::npos);
}

TEST(StoreFindings, DeletedWithTheRun) {
  TempDir dir;
  const std::string path = dir.File("v.db");
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok());
  const std::string id = CompletedRun(*store);
  ASSERT_TRUE(store->SetFindings(id, kFindings).ok());
  ASSERT_TRUE(store->DeleteRun(id).ok());
  auto count = store->ListRuns();
  ASSERT_TRUE(count.ok());
  EXPECT_TRUE(count->empty());
  // The cascade removed the row: a run with the same id starts without findings.
  RunStart start = MakeStart(1'700'000'000'000);
  start.run_id = id;
  ASSERT_TRUE(store->BeginRun(start).ok());
  EXPECT_EQ(store->GetRun(id)->findings_json, "");
}

TEST(StoreFindings, MigratesAVersionOneStoreKeepingItsRuns) {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  std::string id;
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    id = CompletedRun(*store);
  }
  // Make it a version-1 file again: what a store written by the previous vitals looks like.
  RawExec(
      path,
      "DROP TABLE check_plans; DROP TABLE run_findings; DROP TABLE run_noise; DROP TABLE checks; "
      "DROP TABLE "
      "incidents; DROP TABLE run_alerts; DROP TABLE run_series; DROP TABLE run_segments; DROP "
      "TABLE "
      "tune_audit; DROP TABLE tune_backups; PRAGMA user_version = 1;");
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*store->SchemaVersion(), detail::LatestSchemaVersion());
  auto run = store->GetRun(id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->info.requests, 200u);
  EXPECT_EQ(run->findings_json, "");
  ASSERT_TRUE(store->SetFindings(id, kFindings).ok());
  EXPECT_THAT(store->GetRun(id)->findings_json, HasSubstr("host.cpu.busy"));
  EXPECT_TRUE(store->CheckIntegrity().ok());
}

TEST(StoreVisitIntervals, VisitsEveryIntervalInOrderWithoutKeepingThem) {
  TempDir dir;
  auto store = Store::Open(dir.File("v.db"));
  ASSERT_TRUE(store.ok());
  auto id = store->BeginRun(MakeStart(1'700'000'000'000));
  ASSERT_TRUE(id.ok());
  std::vector<IntervalSample> samples;
  for (int i = 0; i < 5; ++i) samples.push_back(MakeInterval(i, 100 + i, 1000 * (i + 1), 200));
  samples.push_back(MakeInterval(4, 7, 5000, 10, "main", "login"));
  ASSERT_TRUE(store->AppendIntervals(*id, samples).ok());

  std::vector<IntervalSample> seen;
  ReadOptions options;
  options.visit_interval = [&](const IntervalSample& s) { seen.push_back(s); };
  auto run = store->GetRun(*id, options);
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->intervals.empty());
  ASSERT_EQ(seen.size(), samples.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].start_s, samples[i].start_s);
    EXPECT_EQ(seen[i].request, samples[i].request);
    EXPECT_EQ(seen[i].requests, samples[i].requests);
    EXPECT_TRUE(seen[i].latency_corrected.EqualCounts(samples[i].latency_corrected));
    EXPECT_TRUE(seen[i].latency_uncorrected.EqualCounts(samples[i].latency_uncorrected));
  }
  // Both at once: visited and kept.
  options.intervals = true;
  seen.clear();
  auto both = store->GetRun(*id, options);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->intervals.size(), samples.size());
  EXPECT_EQ(seen.size(), samples.size());
}

}  // namespace
}  // namespace vitals
