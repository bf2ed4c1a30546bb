// Run store: schema and migrations, the Begin/Append/Complete round trip, errors on bad files.
#include "store/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "store/migrations.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::MakeInterval;
using testing::MakeResult;
using testing::MakeStart;
using ::testing::Not;
using testing::TempDir;

// Runs one SQL statement on the file with the raw SQLite API (outside the Store) and returns
// the first column of the first row as text.
std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

TEST(StoreOpen, CreatesParentDirsAndMigratesFromEmpty) {
  TempDir dir;
  const std::string path = dir.File("a/b/.vitals/vitals.db");
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(path));
  auto v = store->SchemaVersion();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, detail::LatestSchemaVersion());
  EXPECT_GE(*v, 1);
  EXPECT_EQ(RawQuery(path, "PRAGMA journal_mode"), "wal");
  for (const char* table :
       {"runs", "run_tags", "run_histograms", "run_phases", "run_intervals", "baselines"}) {
    EXPECT_EQ(
        RawQuery(path, std::string("SELECT name FROM sqlite_master WHERE name = '") + table + "'"),
        table);
  }
  EXPECT_TRUE(store->CheckIntegrity().ok());
}

TEST(StoreOpen, ReopenKeepsRunsAndVersion) {
  TempDir dir;
  const std::string path = dir.File("vitals.db");
  std::string id;
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    auto began = store->BeginRun(MakeStart(1'700'000'000'000));
    ASSERT_TRUE(began.ok()) << began.status().ToString();
    id = *began;
  }
  auto store = Store::Open(path, Store::OpenMode::kExisting);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*store->SchemaVersion(), detail::LatestSchemaVersion());
  auto run = store->GetRun(id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->info.id, id);
  EXPECT_EQ(run->info.status, RunStatus::kRunning);
}

TEST(StoreOpen, RefusesNewerSchemaVersion) {
  TempDir dir;
  const std::string path = dir.File("vitals.db");
  { ASSERT_TRUE(Store::Open(path).ok()); }
  RawQuery(path, "PRAGMA user_version = 99");
  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr(path));
  EXPECT_THAT(store.status().message(), HasSubstr("schema version 99"));
  EXPECT_THAT(store.status().message(), HasSubstr("upgrade vitals"));
}

TEST(StoreOpen, ExistingModeDoesNotCreate) {
  TempDir dir;
  const std::string path = dir.File("missing/vitals.db");
  auto store = Store::Open(path, Store::OpenMode::kExisting);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(store.status().message(), HasSubstr(path));
  EXPECT_FALSE(std::filesystem::exists(dir.File("missing")));
}

TEST(StoreOpen, NotASqliteFileIsAClearError) {
  TempDir dir;
  const std::string path = dir.File("notes.db");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 200; ++i) out << "these are my notes, not a database\n";
  }
  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr(path));
  EXPECT_THAT(store.status().message(), HasSubstr("not a SQLite database"));
  EXPECT_THAT(store.status().message(), HasSubstr("--store"));
  // The file was not touched.
  EXPECT_THAT(testing::ReadFileBytes(path), HasSubstr("these are my notes"));
}

TEST(StoreOpen, CorruptFileIsAClearError) {
  TempDir dir;
  const std::string path = dir.File("vitals.db");
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 5; ++i) {
      auto id = store->BeginRun(MakeStart(1'700'000'000'000 + i));
      ASSERT_TRUE(id.ok());
      ASSERT_TRUE(store->CompleteRun(*id, MakeResult(4, 200, 1000), "", "").ok());
    }
  }
  // Keep the 100-byte header (so it is still "a SQLite file") and overwrite every page after
  // the first with garbage.
  std::string bytes = testing::ReadFileBytes(path);
  ASSERT_GT(bytes.size(), 8192u);
  for (size_t i = 4096; i < bytes.size(); ++i) bytes[i] = char((i * 131) ^ 0x5a);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
  }
  std::string message;
  auto store = Store::Open(path);
  if (!store.ok()) {
    message = store.status().message();
  } else {
    auto runs = store->ListRuns();
    Status integrity = store->CheckIntegrity();
    ASSERT_FALSE(runs.ok() && integrity.ok()) << "garbage pages were not noticed";
    message = runs.ok() ? integrity.message() : runs.status().message();
  }
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, ::testing::AnyOf(HasSubstr("corrupt"), HasSubstr("integrity"),
                                        HasSubstr("not a SQLite database")));
}

TEST(StoreOpen, UnwritableLocationIsAClearError) {
  TempDir dir;
  // A regular file where a directory should be: fails even for root.
  { std::ofstream(dir.File("file")) << "x"; }
  const std::string path = dir.File("file/sub/vitals.db");
  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kIo);
  EXPECT_THAT(store.status().message(), HasSubstr(path));
  EXPECT_THAT(store.status().message(), HasSubstr("cannot create directory"));

  auto is_dir = Store::Open(dir.path());
  ASSERT_FALSE(is_dir.ok());
  EXPECT_THAT(is_dir.status().message(), HasSubstr("is a directory"));
}

TEST(StoreOpen, ReadOnlyDirectoryIsAClearError) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  const std::string ro = dir.File("ro");
  std::filesystem::create_directory(ro);
  chmod(ro.c_str(), 0555);
  auto store = Store::Open(ro + "/vitals.db");
  chmod(ro.c_str(), 0755);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr(ro + "/vitals.db"));
  EXPECT_THAT(store.status().message(), HasSubstr("permissions"));
}

TEST(StorePath, FlagThenEnvThenDefault) {
  const char* old = std::getenv(kStoreEnvVar);
  std::string saved = old ? old : "";
  setenv(kStoreEnvVar, "/env/store.db", 1);
  EXPECT_EQ(ResolveStorePath("/flag/store.db"), "/flag/store.db");
  EXPECT_EQ(ResolveStorePath(""), "/env/store.db");
  unsetenv(kStoreEnvVar);
  EXPECT_EQ(ResolveStorePath(""), "./.vitals/vitals.db");
  if (old) setenv(kStoreEnvVar, saved.c_str(), 1);
}

TEST(StoreRun, BeginAppendCompleteRoundTrip) {
  TempDir dir;
  auto store = Store::Open(dir.File("vitals.db"));
  ASSERT_TRUE(store.ok());
  RunStart start = MakeStart(1'714'564'803'250);
  auto id = store->BeginRun(start);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  // The LoadResult id format: YYYYMMDDTHHMMSS-xxxx from the (UTC) start time.
  EXPECT_THAT(*id, ::testing::MatchesRegex("20240501T120003-[0-9a-f]{4}"));

  LoadResult result = MakeResult(6, 500, 2000);
  // Stream the first 4 intervals as the engine would, in two batches.
  std::vector<IntervalSample> first(result.intervals.begin(), result.intervals.begin() + 3);
  std::vector<IntervalSample> second(result.intervals.begin() + 3, result.intervals.begin() + 4);
  ASSERT_TRUE(store->AppendIntervals(*id, first).ok());
  ASSERT_TRUE(store->AppendIntervals(*id, second).ok());
  {
    auto mid = store->GetRun(*id);
    ASSERT_TRUE(mid.ok());
    EXPECT_TRUE(mid->info.incomplete());
    EXPECT_EQ(mid->interval_summaries.size(), 4u);
  }
  const std::string thresholds = R"([{"expr": "p(95)<500ms", "ok": true, "value": 9000}])";
  Status done = store->CompleteRun(*id, result, thresholds, "pass");
  ASSERT_TRUE(done.ok()) << done.ToString();

  auto run = store->GetRun(*id, ReadOptions{.intervals = true});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const RunInfo& info = run->info;
  EXPECT_EQ(info.status, RunStatus::kCompleted);
  EXPECT_FALSE(run->partial);
  EXPECT_EQ(info.started_unix_ms, 1'714'564'803'250);
  EXPECT_GE(info.finished_unix_ms, info.started_unix_ms);
  EXPECT_EQ(info.target, "http://127.0.0.1:8080/api");
  EXPECT_EQ(info.model, "open");
  EXPECT_EQ(info.requests, result.requests);
  EXPECT_EQ(info.errors, result.errors);
  EXPECT_DOUBLE_EQ(info.rate_achieved, result.rate_achieved);
  EXPECT_TRUE(info.has_latency);
  EXPECT_DOUBLE_EQ(info.p95_us, double(result.latency_corrected.ValueAtPercentile(95)));
  EXPECT_DOUBLE_EQ(info.p99_us, double(result.latency_corrected.ValueAtPercentile(99)));
  EXPECT_EQ(info.verdict, "pass");
  EXPECT_EQ(info.env.vitals_version, "0.1.0-test");
  EXPECT_FALSE(info.env.host.empty());
  EXPECT_GT(info.env.cores, 0);
  EXPECT_THAT(info.env.kernel, HasSubstr("Linux"));
  EXPECT_EQ(info.tags, (std::vector<std::pair<std::string, std::string>>{{"branch", "main"},
                                                                         {"commit", "abc123"}}));
  EXPECT_EQ(nlohmann::json::parse(run->config_json)["rate"], 1000);

  // Histograms decode to the same counts, so every percentile is equal.
  EXPECT_TRUE(run->latency_corrected.EqualCounts(result.latency_corrected));
  EXPECT_TRUE(run->latency_uncorrected.EqualCounts(result.latency_uncorrected));
  EXPECT_TRUE(run->connect_time.EqualCounts(result.connect_time));
  EXPECT_TRUE(run->ttfb.EqualCounts(result.ttfb));
  EXPECT_TRUE(run->send_lag.EqualCounts(result.send_lag));
  for (double p : {50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(run->latency_corrected.ValueAtPercentile(p),
              result.latency_corrected.ValueAtPercentile(p))
        << "p" << p;
  }
  ASSERT_EQ(run->phases.size(), 2u);
  EXPECT_EQ(run->phases[1].name, "steady");
  EXPECT_EQ(run->phases[1].requests, result.phases[1].requests);
  EXPECT_TRUE(run->phases[0].latency_corrected.EqualCounts(result.phases[0].latency_corrected));

  // 4 streamed + the 2 CompleteRun had not seen yet, in order, none twice.
  ASSERT_EQ(run->intervals.size(), 6u);
  ASSERT_EQ(run->interval_summaries.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_DOUBLE_EQ(run->intervals[i].start_s, result.intervals[i].start_s);
    EXPECT_EQ(run->intervals[i].phase, result.intervals[i].phase);
    EXPECT_TRUE(
        run->intervals[i].latency_corrected.EqualCounts(result.intervals[i].latency_corrected));
    EXPECT_DOUBLE_EQ(run->interval_summaries[i].p99_us,
                     double(result.intervals[i].latency_corrected.ValueAtPercentile(99)));
  }

  // The result JSON carries the store's id, the thresholds and the verdict.
  nlohmann::json j = nlohmann::json::parse(run->result_json);
  EXPECT_EQ(j["run_id"], *id);
  EXPECT_EQ(j["thresholds"][0]["expr"], "p(95)<500ms");
  EXPECT_EQ(j["verdict"], "pass");
  EXPECT_EQ(j["requests"], result.requests);

  // Rebuilt for reports: the same result `vitals load` had (the tags are the run's).
  LoadResult rebuilt = RebuildLoadResult(*run);
  LoadResult expected = result;
  expected.run_id = *id;
  expected.tags = info.tags;
  EXPECT_EQ(ToJson(rebuilt), ToJson(expected));
  EXPECT_EQ(rebuilt.status_codes, result.status_codes);
  EXPECT_EQ(rebuilt.intervals.size(), 6u);

  // A completed run takes no more writes.
  Status again = store->CompleteRun(*id, result, "", "");
  EXPECT_EQ(again.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(again.message(), HasSubstr("completed"));
  EXPECT_EQ(store->AppendIntervals(*id, first).code(), Status::Code::kInvalidArgument);
}

TEST(StoreRun, ExplicitIdAndInputErrors) {
  TempDir dir;
  auto store = Store::Open(dir.File("vitals.db"));
  ASSERT_TRUE(store.ok());
  RunStart start = MakeStart(1'700'000'000'000);
  start.run_id = "20240501T120003-beef";
  auto id = store->BeginRun(start);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "20240501T120003-beef");
  auto dup = store->BeginRun(start);
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(), HasSubstr("already exists"));

  start.run_id = "bad id; drop table";
  EXPECT_EQ(store->BeginRun(start).status().code(), Status::Code::kInvalidArgument);
  start.run_id.clear();
  start.config_json = "{not json";
  auto bad_config = store->BeginRun(start);
  EXPECT_EQ(bad_config.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(bad_config.status().message(), HasSubstr("not valid JSON"));
  start.config_json.clear();
  start.tags = {{"k", "1"}, {"k", "2"}};
  EXPECT_THAT(store->BeginRun(start).status().message(), HasSubstr("given twice"));

  LoadResult result = MakeResult(2, 10, 100);
  EXPECT_THAT(store->CompleteRun(*id, result, "{}", "").message(), HasSubstr("array"));
  EXPECT_THAT(store->CompleteRun(*id, result, "", "maybe").message(), HasSubstr("verdict"));
  Status unknown = store->AppendIntervals("nope", result.intervals);
  EXPECT_EQ(unknown.code(), Status::Code::kNotFound);
  EXPECT_THAT(unknown.message(), HasSubstr("nope"));
  // Nothing of the failed calls was written: the run is still running with no intervals.
  auto run = store->GetRun(*id);
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->info.incomplete());
  EXPECT_TRUE(run->interval_summaries.empty());
}

TEST(StoreRun, IncompleteRunIsListedAsIncompleteWithItsIntervals) {
  TempDir dir;
  auto store = Store::Open(dir.File("vitals.db"));
  ASSERT_TRUE(store.ok());
  auto done = store->BeginRun(MakeStart(1'700'000'000'000));
  ASSERT_TRUE(done.ok());
  ASSERT_TRUE(store->CompleteRun(*done, MakeResult(2, 100, 1000), "", "").ok());
  auto crashed = store->BeginRun(MakeStart(1'700'000'100'000));
  ASSERT_TRUE(crashed.ok());
  std::vector<IntervalSample> samples = {MakeInterval(0, 300, 1000, 500),
                                         MakeInterval(1, 200, 1000, 500),
                                         MakeInterval(1, 50, 900, 100, "main", "login")};
  ASSERT_TRUE(store->AppendIntervals(*crashed, samples).ok());

  auto runs = store->ListRuns();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  const RunInfo& newest = (*runs)[0];
  EXPECT_EQ(newest.id, *crashed);
  EXPECT_TRUE(newest.incomplete());
  EXPECT_STREQ(newest.DisplayStatus(), "incomplete");
  EXPECT_EQ(newest.requests, 500u);  // the per-request "login" interval is not double counted
  EXPECT_EQ(newest.errors, 5u);
  EXPECT_DOUBLE_EQ(newest.duration_s, 2.0);
  EXPECT_FALSE(newest.has_latency);
  EXPECT_STREQ((*runs)[1].DisplayStatus(), "completed");

  // Not `latest`, but readable by id, with the latency of its all-requests intervals.
  EXPECT_EQ(*store->ResolveRunName("latest"), *done);
  auto partial = store->GetRun(*crashed);
  ASSERT_TRUE(partial.ok());
  EXPECT_TRUE(partial->partial);
  EXPECT_EQ(partial->latency_corrected.TotalCount(), 500);
  LoadResult rebuilt = RebuildLoadResult(*partial);
  EXPECT_TRUE(rebuilt.interrupted);
  EXPECT_EQ(rebuilt.requests, 500u);
  EXPECT_EQ(rebuilt.latency_corrected.TotalCount(), 500);
}

TEST(StoreRun, MarkFailedKeepsIntervalsAndIsNotLatest) {
  TempDir dir;
  auto store = Store::Open(dir.File("vitals.db"));
  ASSERT_TRUE(store.ok());
  auto id = store->BeginRun(MakeStart(1'700'000'000'000));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->AppendIntervals(*id, {MakeInterval(0, 100, 500, 100)}).ok());
  ASSERT_TRUE(store->MarkFailed(*id, "cannot connect to http://u:pw-xyz@127.0.0.1:1/").ok());
  auto run = store->GetRun(*id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->info.status, RunStatus::kFailed);
  EXPECT_STREQ(run->info.DisplayStatus(), "failed");
  EXPECT_THAT(run->info.failure_reason, HasSubstr("cannot connect"));
  EXPECT_THAT(run->info.failure_reason, Not(HasSubstr("pw-xyz")));
  EXPECT_EQ(run->interval_summaries.size(), 1u);
  EXPECT_EQ(store->ResolveRunName("latest").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store->MarkFailed(*id, "again").code(), Status::Code::kInvalidArgument);
}

TEST(StoreSecrets, PasswordsNeverReachTheFile) {
  TempDir dir;
  const std::string path = dir.File("vitals.db");
  const std::string secret = "hunter2-Sup3rSecret";
  const std::string url = "http://alice:" + secret + "@127.0.0.1:8080/api?password=" + secret;
  std::string id;
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    RunStart start = MakeStart(1'700'000'000'000, url);
    start.config_json = R"({"url": ")" + url + R"(", "dsn": "host=db password=)" + secret + R"("})";
    start.tags.emplace_back("origin", url);
    auto began = store->BeginRun(start);
    ASSERT_TRUE(began.ok()) << began.status().ToString();
    id = *began;
    ASSERT_TRUE(store->AppendIntervals(id, {MakeInterval(0, 10, 100, 10)}).ok());
    ASSERT_TRUE(store->CompleteRun(id, MakeResult(2, 10, 100, url), "", "").ok());
    auto failed = store->BeginRun(MakeStart(1'700'000'000'001, url));
    ASSERT_TRUE(failed.ok());
    ASSERT_TRUE(store->MarkFailed(*failed, "connect to " + url + " refused").ok());

    auto run = store->GetRun(id);
    ASSERT_TRUE(run.ok());
    EXPECT_THAT(run->info.target, HasSubstr("alice:***@127.0.0.1"));
    EXPECT_THAT(run->result_json, HasSubstr("alice:***@"));
  }
  // Every byte of the store (main file and any WAL left behind) is free of the secret.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string bytes = testing::ReadFileBytes(path + suffix);
    EXPECT_EQ(bytes.find(secret), std::string::npos) << "secret found in " << path << suffix;
  }
  EXPECT_GT(testing::ReadFileBytes(path).size(), 0u);
}

TEST(StoreRun, EmptyHistogramsNoPhasesNoIntervals) {
  TempDir dir;
  auto store = Store::Open(dir.File("vitals.db"));
  ASSERT_TRUE(store.ok());
  auto id = store->BeginRun(MakeStart(1'700'000'000'000));
  ASSERT_TRUE(id.ok());
  LoadResult closed;  // a closed-model run that sent nothing: every histogram empty
  closed.model = "closed";
  closed.target = "http://127.0.0.1:1/";
  ASSERT_TRUE(store->CompleteRun(*id, closed, "", "").ok());
  auto run = store->GetRun("latest", ReadOptions{.intervals = true});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->info.model, "closed");
  EXPECT_EQ(run->latency_corrected.TotalCount(), 0);
  EXPECT_EQ(run->send_lag.TotalCount(), 0);
  EXPECT_TRUE(run->phases.empty());
  EXPECT_TRUE(run->intervals.empty());
  EXPECT_EQ(run->thresholds_json, "[]");
  EXPECT_EQ(RebuildLoadResult(*run).requests, 0u);
}

}  // namespace
}  // namespace vitals
