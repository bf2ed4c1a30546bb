// End-to-end tests of `vitals load` with the time series, thresholds, scenarios and the run
// store: the real binary against `vitals target` on 127.0.0.1.
#include <signal.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/hdr_log.h"
#include "integration/child_process.h"
#include "integration/proc.h"
#include "integration/temp_dir.h"
#include "store/store.h"

namespace vitals {
namespace {

namespace fs = std::filesystem;
using testing::Child;
using ::testing::HasSubstr;
using testing::RunVitals;
using testing::Slurp;

class LoadStoreTest : public testing::TempDirTest {
 protected:
  LoadStoreTest() : TempDirTest("load-store") {}

  // Starts `vitals target` with `args`; returns its URL.
  std::string StartTarget(std::vector<std::string> args) {
    std::vector<std::string> a = {"target", "--listen", "127.0.0.1:0"};
    a.insert(a.end(), args.begin(), args.end());
    targets_.push_back(std::make_unique<Child>(a));
    int port = targets_.back()->ReadyPort();
    EXPECT_GT(port, 0) << "vitals target did not start";
    return "http://127.0.0.1:" + std::to_string(port) + "/";
  }

  static nlohmann::json ReadJson(const std::string& path) {
    auto j = nlohmann::json::parse(Slurp(path), nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << path;
    return j;
  }

  std::vector<std::unique_ptr<Child>> targets_;
};

// The achieved rate of every full interval follows the stage plan within 2 %.
TEST_F(LoadStoreTest, RampFollowsThePlanPerInterval) {
  const std::string url = StartTarget({"--latency", "1ms"});
  std::string out, err;
  // 0 -> 0 is impossible; ramp 200 -> 600 req/s over 4 s, then 600 for 2 s.
  int code = RunVitals({"load", url, "--rate", "1", "--stages", "4s:200-600,2s:600", "-c", "20",
                        "--max-connections", "200", "-t", "2", "--quiet", "--store", store_,
                        "--json", Path("r.json"), "--csv", Path("s.csv")},
                       &out, &err);
  ASSERT_EQ(code, 0) << out << err;
  nlohmann::json r = ReadJson(Path("r.json"));
  auto planned = [](double t) { return t < 4 ? 200 + 100 * t : 600.0; };
  int checked = 0;
  for (const auto& x : r["intervals"]) {
    if (x["request"] != "") continue;
    const double start = x["start_s"], length = x["length_s"];
    if (length < 0.999 || start + length > 6.0 + 1e-6) continue;  // the last, partial one
    // Requests whose completion fell in [start, start + 1): the plan's integral over it.
    const double expected = (planned(start) + planned(start + length)) / 2 * length;
    double got = 0;
    for (const auto& y : r["intervals"]) {
      if (y["request"] == "" && y["start_s"] == x["start_s"]) got += double(y["requests"]);
    }
    EXPECT_NEAR(got, expected, expected * 0.02) << "interval at " << start << "s";
    ++checked;
  }
  EXPECT_GE(checked, 5);
  // The CSV holds the same series.
  std::string csv = Slurp(Path("s.csv"));
  EXPECT_THAT(csv, HasSubstr("start_s,length_s,phase,request,requests,errors,rate,p50_us"));
  EXPECT_GE(std::count(csv.begin(), csv.end(), '\n'), 7);
}

TEST_F(LoadStoreTest, WindowedThresholdTripsOnAStallAndPassesWithout) {
  const std::string stalled = StartTarget({"--stall", "600ms", "--stall-every", "3s"});
  const std::string calm = StartTarget({"--latency", "1ms"});
  std::string out, err;
  int code = RunVitals({"load", stalled, "--rate", "200", "-d", "7s", "-c", "20",
                        "--max-connections", "300", "--quiet", "--no-store", "--threshold",
                        "p(99)<100ms over 2s", "--json", Path("a.json"), "--junit", Path("a.xml")},
                       &out, &err);
  EXPECT_EQ(code, 99) << out << err;
  EXPECT_THAT(out, HasSubstr("FAILED"));
  nlohmann::json a = ReadJson(Path("a.json"));
  ASSERT_EQ(a["thresholds"].size(), 1u);
  EXPECT_FALSE(a["thresholds"][0]["ok"].get<bool>());
  EXPECT_GE(a["thresholds"][0]["window"]["failed"].get<int>(), 1);
  EXPECT_EQ(a["verdict"], "fail");
  EXPECT_THAT(Slurp(Path("a.xml")), HasSubstr("<failure"));

  code = RunVitals({"load", calm, "--rate", "200", "-d", "5s", "-c", "20", "--quiet", "--no-store",
                    "--threshold", "p(99)<100ms over 2s", "--json", Path("b.json")},
                   &out, &err);
  EXPECT_EQ(code, 0) << out << err;
  nlohmann::json b = ReadJson(Path("b.json"));
  EXPECT_TRUE(b["thresholds"][0]["ok"].get<bool>());
  EXPECT_GE(b["thresholds"][0]["window"]["windows"].get<int>(), 3);
  EXPECT_EQ(b["verdict"], "pass");
}

TEST_F(LoadStoreTest, AbortOnFailStopsTheRunEarly) {
  const std::string url = StartTarget({"--error-rate", "0.5", "--seed", "3"});
  std::ofstream(Path("s.yaml")) << "base_url: " << url << "\n"
                                << "requests:\n  - {name: home, path: /}\n"
                                << "phases:\n  - {name: steady, duration: 30s, model: open, "
                                   "rate: 200}\n"
                                << "thresholds:\n"
                                << "  - {expr: 'error_rate<5%', abort_on_fail: true}\n";
  std::string out, err;
  auto t0 = std::chrono::steady_clock::now();
  int code = RunVitals(
      {"load", Path("s.yaml"), "--quiet", "--store", store_, "--json", Path("r.json")}, &out, &err);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(code, 99) << out << err;
  EXPECT_LT(took, 15.0) << "abort_on_fail should end a 30 s run after ~5 s";
  EXPECT_THAT(out, HasSubstr("Aborted early"));
  nlohmann::json r = ReadJson(Path("r.json"));
  EXPECT_TRUE(r["interrupted"].get<bool>());
  EXPECT_THAT(r["aborted_by"].get<std::string>(), HasSubstr("error_rate<5%"));
  // The aborted run is still stored, completed, with its failing verdict.
  auto store = Store::Open(store_, Store::OpenMode::kExisting);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto run = store->GetRun("latest");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->info.verdict, "fail");
}

// A scenario mixing models and weighted requests: names reach the intervals, weights hold.
TEST_F(LoadStoreTest, ScenarioMixesModelsAndWeightedRequests) {
  const std::string url = StartTarget({"--latency", "1ms"});
  std::ofstream(Path("s.yaml")) << "base_url: " << url << "\n"
                                << "requests:\n"
                                << "  - {name: home, path: /, weight: 3}\n"
                                << "  - {name: item, path: '/item?id=1', weight: 1}\n"
                                << "phases:\n"
                                << "  - {name: warm, duration: 2s, model: closed, connections: 4}\n"
                                << "  - {name: steady, duration: 3s, model: open, rate: 400}\n";
  std::string out, err;
  int code = RunVitals({"load", Path("s.yaml"), "--quiet", "--store", store_, "--json",
                        Path("r.json"), "--hlog", Path("r.hlog")},
                       &out, &err);
  ASSERT_EQ(code, 0) << out << err;
  nlohmann::json r = ReadJson(Path("r.json"));
  EXPECT_EQ(r["model"], "mixed");
  ASSERT_EQ(r["phases"].size(), 2u);
  EXPECT_EQ(r["phases"][0]["model"], "closed");
  EXPECT_EQ(r["phases"][1]["model"], "open");
  EXPECT_GT(r["phases"][0]["requests"].get<uint64_t>(), 100u);
  EXPECT_NEAR(r["phases"][1]["requests"].get<double>(), 1200, 12);
  double home = 0, item = 0;
  for (const auto& x : r["intervals"]) {
    if (x["phase"] != "steady") continue;
    if (x["request"] == "home") home += double(x["requests"]);
    if (x["request"] == "item") item += double(x["requests"]);
  }
  EXPECT_NEAR(home / (home + item), 0.75, 0.02) << home << " " << item;
  // The hlog opens with our reader (the format HdrHistogram's tools read).
  auto log = ReadHdrLog(Slurp(Path("r.hlog")));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  int tagged = 0, untagged = 0;
  for (const auto& iv : *log) (iv.tag.empty() ? untagged : tagged)++;
  EXPECT_GE(untagged, 5);
  EXPECT_GE(tagged, 10);
}

// kill -9 in the middle of a run: the store stays intact, earlier runs stay readable and the
// killed run is listed as incomplete with the intervals it had written.
TEST_F(LoadStoreTest, KillNineLeavesAConsistentStore) {
  const std::string url = StartTarget({"--latency", "1ms"});
  std::string out, err;
  ASSERT_EQ(RunVitals({"load", url, "--rate", "300", "-d", "2s", "--quiet", "--store", store_},
                      &out, &err),
            0)
      << out << err;
  Child victim({"load", url, "--rate", "300", "-d", "30s", "--quiet", "--store", store_});
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  victim.Signal(SIGKILL);
  victim.Wait(5000);
  auto store = Store::Open(store_, Store::OpenMode::kExisting);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(store->CheckIntegrity().ok());
  auto runs = store->ListRuns();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  const RunInfo& killed = (*runs)[0];
  EXPECT_TRUE(killed.incomplete());
  EXPECT_STREQ(killed.DisplayStatus(), "incomplete");
  EXPECT_GT(killed.requests, 300u) << "its streamed intervals should be readable";
  auto earlier = store->GetRun("latest");
  ASSERT_TRUE(earlier.ok()) << earlier.status().ToString();
  EXPECT_EQ(earlier->info.id, (*runs)[1].id);
  EXPECT_GT(earlier->latency_corrected.TotalCount(), 500);
  // `vitals runs list` shows it too.
  ASSERT_EQ(RunVitals({"runs", "list", "--store", store_}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("incomplete"));
}

TEST_F(LoadStoreTest, TwoConcurrentLoadsBothLand) {
  const std::string url = StartTarget({"--latency", "1ms"});
  Child a(
      {"load", url, "--rate", "200", "-d", "3s", "--quiet", "--store", store_, "--tag", "who=a"});
  Child b(
      {"load", url, "--rate", "200", "-d", "3s", "--quiet", "--store", store_, "--tag", "who=b"});
  EXPECT_EQ(a.Wait(30000), 0) << a.Stderr();
  EXPECT_EQ(b.Wait(30000), 0) << b.Stderr();
  auto store = Store::Open(store_, Store::OpenMode::kExisting);
  ASSERT_TRUE(store.ok());
  auto runs = store->ListRuns();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  for (const RunInfo& r : *runs) {
    EXPECT_EQ(r.status, RunStatus::kCompleted) << r.id;
    EXPECT_NEAR(double(r.requests), 600, 6) << r.id;
  }
  EXPECT_TRUE(store->CheckIntegrity().ok());
}

TEST_F(LoadStoreTest, BadThresholdAndScenarioAreUsageErrors) {
  std::string out, err;
  EXPECT_EQ(RunVitals({"load", "http://127.0.0.1:9/", "--threshold", "p(95<1ms", "--no-store"},
                      &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("--threshold: threshold 'p(95<1ms'"));
  EXPECT_THAT(err, HasSubstr("column"));
  std::ofstream(Path("bad.yaml")) << "base_url: http://127.0.0.1:9/\nrequests:\n  - {path: /, "
                                     "wieght: 2}\nphases:\n  - {duration: 1s, rate: 1}\n";
  EXPECT_EQ(RunVitals({"load", Path("bad.yaml"), "--no-store"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("bad.yaml:3:"));
  EXPECT_THAT(err, HasSubstr("weight"));
  EXPECT_EQ(RunVitals({"load", Path("bad.yaml"), "--rate", "5", "--no-store"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("--rate cannot be combined with a scenario file"));
}

// Nothing the engine sends or stores carries the URL's password.
TEST_F(LoadStoreTest, StoreNeverHoldsThePassword) {
  const std::string url = StartTarget({"--latency", "1ms"});
  std::string with_pw = "http://user:s3cretpw@" + url.substr(7);
  std::string out, err;
  ASSERT_EQ(RunVitals({"load", with_pw, "--rate", "50", "-d", "1s", "--quiet", "--store", store_,
                       "--csv", Path("s.csv")},
                      &out, &err),
            0)
      << err;
  EXPECT_THAT(out, ::testing::Not(HasSubstr("s3cretpw")));
  // Read the raw database bytes (WAL included) for the password.
  std::string bytes = Slurp(store_) + Slurp(store_ + "-wal");
  EXPECT_EQ(bytes.find("s3cretpw"), std::string::npos);
}

}  // namespace
}  // namespace vitals

namespace vitals {
namespace {

// stderr is a pipe here (as in CI logs): one plain progress line every few seconds with the
// phase, rate, p50/p99 and errors; --quiet silences it.
TEST_F(LoadStoreTest, PlainProgressLinesWhenStderrIsNotATerminal) {
  const std::string url = StartTarget({"--latency", "1ms"});
  std::string out, err;
  ASSERT_EQ(RunVitals({"load", url, "--rate", "100", "-d", "6s", "--no-store"}, &out, &err), 0)
      << err;
  EXPECT_THAT(err, HasSubstr("vitals load: [main] "));
  EXPECT_THAT(err, HasSubstr(" req/s  p50 "));
  EXPECT_THAT(err, HasSubstr("errors 0 (0.0%)"));
  EXPECT_EQ(err.find("\033["), std::string::npos) << "no terminal escapes in a log";
  ASSERT_EQ(RunVitals({"load", url, "--rate", "100", "-d", "6s", "--no-store", "-q"}, &out, &err),
            0);
  EXPECT_EQ(err, "");
}

}  // namespace
}  // namespace vitals
