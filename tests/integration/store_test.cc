// The run store end to end: a writer killed with SIGKILL mid-run leaves a healthy store and an
// incomplete run; `vitals runs list|show|delete` on a real store file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "integration/child_process.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;
using testing::MakeInterval;
using testing::MakeResult;
using testing::MakeStart;
using ::testing::Not;
using testing::RunVitals;
using testing::TempDir;

// Child body: completes `completed` runs (one byte 'c' on `ready_fd` after each), begins one
// more (byte 'k'), then appends batches of intervals to it until killed.
[[noreturn]] void WriteUntilKilled(const std::string& path, int ready_fd, int completed,
                                   int64_t started_ms) {
  auto store = Store::Open(path);
  if (!store.ok()) _exit(20);
  const LoadResult result = MakeResult(3, 200, 1500);
  for (int i = 0; i < completed; ++i) {
    auto id = store->BeginRun(MakeStart(started_ms + i));
    if (!id.ok()) _exit(21);
    if (!store->AppendIntervals(*id, result.intervals).ok()) _exit(22);
    if (!store->CompleteRun(*id, result, "", "pass").ok()) _exit(23);
    if (write(ready_fd, "c", 1) != 1) _exit(24);
  }
  RunStart start = MakeStart(started_ms + completed);
  start.tags = {{"fate", "killed"}};
  auto id = store->BeginRun(start);
  if (!id.ok()) _exit(25);
  if (write(ready_fd, "k", 1) != 1) _exit(26);
  // Batches of 20 intervals: each transaction takes long enough that a kill often lands
  // inside one.
  std::vector<IntervalSample> batch;
  for (int i = 0; i < 20; ++i) batch.push_back(MakeInterval(i, 50, 1000, 400));
  for (;;) {
    if (!store->AppendIntervals(*id, batch).ok()) _exit(27);
  }
}

TEST(StoreDurability, SigkillMidRunLeavesHealthyStoreAndIncompleteRun) {
  TempDir dir;
  const std::string path = dir.File(".vitals/vitals.db");
  int completed_total = 0;
  // Three writers, killed after different delays, into the same store.
  for (int delay_ms : {30, 120, 260}) {
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const int64_t started_ms = 1'700'000'000'000 + int64_t(delay_ms) * 1000;
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(ready[0]);
      WriteUntilKilled(path, ready[1], 2, started_ms);
    }
    close(ready[1]);
    std::string got;
    char c;
    while (got.size() < 3 && read(ready[0], &c, 1) == 1) got += c;
    close(ready[0]);
    ASSERT_EQ(got, "cck") << "the writer stopped early";
    usleep(useconds_t(delay_ms) * 1000);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited by itself with " << status;
    completed_total += 2;

    auto store = Store::Open(path, Store::OpenMode::kExisting);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Status integrity = store->CheckIntegrity();
    EXPECT_TRUE(integrity.ok()) << integrity.ToString();

    auto runs = store->ListRuns();
    ASSERT_TRUE(runs.ok()) << runs.status().ToString();
    int completed = 0, incomplete = 0;
    for (const RunInfo& r : *runs) {
      if (r.status == RunStatus::kCompleted) {
        ++completed;
        auto run = store->GetRun(r.id);
        ASSERT_TRUE(run.ok()) << run.status().ToString();
        EXPECT_EQ(run->latency_corrected.TotalCount(), 600) << r.id;
        EXPECT_EQ(run->interval_summaries.size(), 3u) << r.id;
      } else {
        ++incomplete;
        EXPECT_STREQ(r.DisplayStatus(), "incomplete");
        EXPECT_EQ(r.tags.size(), 1u);
        // Whole batches only: a batch cut by the kill was rolled back.
        auto run = store->GetRun(r.id);
        ASSERT_TRUE(run.ok()) << run.status().ToString();
        EXPECT_EQ(run->interval_summaries.size() % 20, 0u) << r.id;
        EXPECT_EQ(r.requests, run->interval_summaries.size() * 50) << r.id;
        EXPECT_EQ(run->latency_corrected.TotalCount(), int64_t(r.requests)) << r.id;
      }
    }
    EXPECT_EQ(completed, completed_total);
    EXPECT_EQ(incomplete, completed_total / 2);
    // `latest` is the killed writer's last completed run, never the killed one.
    auto latest = store->GetRun("latest");
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ(latest->info.started_unix_ms, started_ms + 1);
    EXPECT_EQ(latest->info.status, RunStatus::kCompleted);
  }
}

// ---- vitals runs (the CLI) ----

class RunsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("vitals.db");
    auto store = Store::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 0; i < 2; ++i) {
      RunStart start = MakeStart(1'714'557'600'000 + int64_t(i) * 60'000);
      start.run_id = i == 0 ? "20240501T100000-aaaa" : "20240501T100100-bbbb";
      start.tags = {{"commit", i == 0 ? "c1" : "c2"}};
      auto id = store->BeginRun(start);
      ASSERT_TRUE(id.ok());
      ASSERT_TRUE(store
                      ->CompleteRun(*id, MakeResult(4, 250, 2000 * (i + 1)),
                                    R"([{"expr":"p(95)<500ms","ok":true}])", "pass")
                      .ok());
    }
    RunStart start = MakeStart(1'714'557'800'000);
    start.run_id = "20240501T100320-cccc";
    auto id = store->BeginRun(start);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->AppendIntervals(*id, {MakeInterval(0, 120, 3000, 100)}).ok());
  }

  int Vitals(std::vector<std::string> args, std::string* out, std::string* err) {
    args.insert(args.begin(), "runs");
    if (args.size() > 1 && args[1] != "--help") {
      args.push_back("--store");
      args.push_back(path_);
    }
    return RunVitals(args, out, err, 30000);
  }

  TempDir dir_;
  std::string path_;
};

TEST_F(RunsCli, ListShowsEveryRunNewestFirst) {
  std::string out, err;
  ASSERT_EQ(Vitals({"list"}, &out, &err), 0) << err;
  const size_t c = out.find("20240501T100320-cccc");
  const size_t b = out.find("20240501T100100-bbbb");
  const size_t a = out.find("20240501T100000-aaaa");
  ASSERT_NE(c, std::string::npos) << out;
  ASSERT_NE(b, std::string::npos) << out;
  ASSERT_NE(a, std::string::npos) << out;
  EXPECT_LT(c, b);
  EXPECT_LT(b, a);
  EXPECT_THAT(out, HasSubstr("incomplete"));
  EXPECT_THAT(out, HasSubstr("completed"));
  EXPECT_THAT(out, HasSubstr("P99"));
  EXPECT_THAT(out, HasSubstr("http://127.0.0.1:8080/api"));

  ASSERT_EQ(Vitals({"list", "--format", "json", "--tag", "commit=c2"}, &out, &err), 0) << err;
  nlohmann::json j = nlohmann::json::parse(out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["id"], "20240501T100100-bbbb");
  EXPECT_EQ(j[0]["status"], "completed");
  EXPECT_EQ(j[0]["requests"], 1000);
  EXPECT_GT(j[0]["latency_us"]["p99"].get<double>(), 0);

  ASSERT_EQ(Vitals({"list", "--format", "json", "--limit", "1"}, &out, &err), 0) << err;
  j = nlohmann::json::parse(out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["status"], "incomplete");
  EXPECT_EQ(j[0]["requests"], 120);
  EXPECT_TRUE(j[0]["latency_us"].is_null());
}

TEST_F(RunsCli, ShowPrintsTheSummaryOrTheStoredJson) {
  std::string out, err;
  ASSERT_EQ(Vitals({"show", "latest"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("run 20240501T100100-bbbb"));
  EXPECT_THAT(out, HasSubstr("corrected"));
  EXPECT_THAT(out, HasSubstr("p99"));
  EXPECT_THAT(out, HasSubstr("requests 1000"));
  EXPECT_THAT(out, HasSubstr("tags: commit=c2"));
  EXPECT_THAT(out, HasSubstr("thresholds verdict: pass"));

  ASSERT_EQ(Vitals({"show", "latest~1", "--format", "json"}, &out, &err), 0) << err;
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["run_id"], "20240501T100000-aaaa");
  EXPECT_EQ(j["requests"], 1000);
  EXPECT_EQ(j["thresholds"][0]["expr"], "p(95)<500ms");
  EXPECT_GT(j["latency_us"]["p99"].get<double>(), j["latency_us"]["p50"].get<double>());

  ASSERT_EQ(Vitals({"show", "20240501T1003"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("incomplete"));
  EXPECT_THAT(out, HasSubstr("requests 120"));
  ASSERT_EQ(Vitals({"show", "20240501T100320-cccc", "--format", "json"}, &out, &err), 0) << err;
  j = nlohmann::json::parse(out);
  EXPECT_EQ(j["status"], "incomplete");
  EXPECT_EQ(j["latency_us"]["count"], 120);
}

TEST_F(RunsCli, BadNamesAndFlagsExitTwoWithAClearMessage) {
  std::string out, err;
  EXPECT_EQ(Vitals({"show", "nope"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("no run named 'nope'"));
  EXPECT_THAT(err, HasSubstr("latest~N"));
  EXPECT_EQ(Vitals({"show", "latest~x"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("latest~N"));
  EXPECT_EQ(Vitals({"show", "20240501T100"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("ambiguous"));
  EXPECT_EQ(Vitals({"delete", "latest~5"}, &out, &err), 2);
  EXPECT_EQ(Vitals({"list", "--format", "xml"}, &out, &err), 2);
  EXPECT_EQ(Vitals({"list", "--tag", "novalue"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("key=value"));
  EXPECT_EQ(Vitals({"frobnicate"}, &out, &err), 2);

  EXPECT_EQ(RunVitals({"runs"}, &out, &err), 2);
  EXPECT_EQ(RunVitals({"runs", "--help"}, &out, &err), 0);
  EXPECT_THAT(out, HasSubstr("Examples"));
  EXPECT_THAT(out, HasSubstr("latest~N"));

  // A file that is not a store: exit 1 (runtime), naming the path.
  const std::string junk = dir_.File("junk.db");
  { std::ofstream(junk) << std::string(5000, 'x'); }
  EXPECT_EQ(RunVitals({"runs", "list", "--store", junk}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr(junk));
  EXPECT_THAT(err, HasSubstr("not a SQLite database"));
}

TEST_F(RunsCli, DeleteThenTheRunIsGone) {
  std::string out, err;
  ASSERT_EQ(Vitals({"delete", "20240501T1000"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("deleted run 20240501T100000-aaaa"));
  EXPECT_EQ(Vitals({"show", "20240501T100000-aaaa"}, &out, &err), 2);
  ASSERT_EQ(Vitals({"list"}, &out, &err), 0);
  EXPECT_THAT(out, Not(HasSubstr("20240501T100000-aaaa")));
  EXPECT_THAT(out, HasSubstr("20240501T100100-bbbb"));
}

TEST_F(RunsCli, StoreFromEnvironmentAndMissingStore) {
  std::string out, err;
  setenv("VITALS_STORE", path_.c_str(), 1);
  int code = RunVitals({"runs", "list", "--format", "json"}, &out, &err);
  unsetenv("VITALS_STORE");
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(nlohmann::json::parse(out).size(), 3u);

  const std::string missing = dir_.File("none/vitals.db");
  ASSERT_EQ(RunVitals({"runs", "list", "--store", missing}, &out, &err), 0) << err;
  EXPECT_THAT(err, HasSubstr("no runs"));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("none")));  // listing creates nothing
  EXPECT_EQ(RunVitals({"runs", "show", "latest", "--store", missing}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("no run store at"));
}

}  // namespace
}  // namespace vitals
