// vitals baseline / compare / gate / history end to end: real `vitals target` processes at 1 ms
// and 1.3 ms, real `vitals load` runs into a temporary store, and the built binary's exit
// codes and output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "integration/child_process.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using testing::Child;
using ::testing::HasSubstr;
using testing::ReadFileBytes;
using testing::RunVitals;
using testing::TempDir;

// The 1-minute load average per online CPU: other work on the machine stalls the load
// generator and the target, which shows up as tail latency in some intervals of some runs.
double LoadPerCpu() {
  double load = 0;
  std::ifstream("/proc/loadavg") >> load;
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return load / double(cpus > 0 ? cpus : 1);
}

class GateCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    fast_ = new Child({"target", "--listen", "127.0.0.1:0", "--latency", "1ms"});
    slow_ = new Child({"target", "--listen", "127.0.0.1:0", "--latency", "1.3ms"});
    fast_port_ = fast_->ReadyPort();
    slow_port_ = slow_->ReadyPort();
    if (fast_port_ == 0 || slow_port_ == 0) return;
    load_per_cpu_ = LoadPerCpu();
    load_rc_.clear();
    ids_ = RunTrio(0, &load_rc_);
    load_per_cpu_ = std::max(load_per_cpu_, LoadPerCpu());
  }
  // Three runs at the same time - two at 1 ms, one at 1.3 ms - so that whatever else the
  // machine does disturbs all three alike: the test is about the 0.3 ms, not about the
  // machine.  15 s: 15 intervals per side leave the two-sided test room below alpha 0.01.
  // Returns the ids (fast a, fast b, slow c) of attempt `attempt`; exit codes to `rc`.
  static std::vector<std::string> RunTrio(int attempt, std::vector<int>* rc) {
    std::vector<std::unique_ptr<Child>> runs;
    const std::vector<std::pair<int, std::string>> plan = {
        {fast_port_, "a"}, {fast_port_, "b"}, {slow_port_, "c"}};
    for (const auto& [port, role] : plan) {
      runs.push_back(std::make_unique<Child>(std::vector<std::string>{
          "load", fmt::format("http://127.0.0.1:{}/", port), "--rate", "200", "-d", "15s", "-t",
          "1", "--store", Db(), "--quiet", "--tag", "branch=main", "--tag",
          fmt::format("role={}{}", role, attempt)}));
    }
    for (auto& r : runs) rc->push_back(r->Wait(60000));
    std::vector<std::string> ids;
    auto store = Store::Open(Db(), Store::OpenMode::kExisting);
    if (!store.ok()) return ids;
    for (const auto& [port, role] : plan) {
      RunFilter f;
      f.tags = {{"role", fmt::format("{}{}", role, attempt)}};
      auto found = store->ListRuns(f);
      if (found.ok() && found->size() == 1) ids.push_back((*found)[0].id);
    }
    return ids;
  }
  // Ids of the newest n runs, oldest first.
  static std::vector<std::string> NewestIds(int n) {
    std::string out, err;
    RunVitals({"runs", "list", "--format", "json", "--limit", std::to_string(n), "--store", Db()},
              &out, &err);
    std::vector<std::string> ids;
    auto j = nlohmann::json::parse(out, nullptr, false);
    if (!j.is_array()) return ids;
    for (const auto& r : j) ids.insert(ids.begin(), r["id"].get<std::string>());
    return ids;
  }
  static void TearDownTestSuite() {
    for (Child* c : {fast_, slow_}) {
      c->Signal(SIGTERM);
      c->Wait();
      delete c;
    }
    delete dir_;
  }
  void SetUp() override {
    ASSERT_GT(fast_port_, 0);
    ASSERT_GT(slow_port_, 0);
    ASSERT_EQ(load_rc_, (std::vector<int>{0, 0, 0}));
    ASSERT_EQ(ids_.size(), 3u);
  }
  static std::string Db() { return dir_->File("v.db"); }
  static int Vitals(std::vector<std::string> args, std::string* out, std::string* err) {
    args.push_back("--store");
    args.push_back(Db());
    return RunVitals(args, out, err);
  }

  static TempDir* dir_;
  static Child* fast_;
  static Child* slow_;
  static int fast_port_, slow_port_;
  static std::vector<int> load_rc_;
  static std::vector<std::string> ids_;  // fast (a), fast (b), slow (c): run at the same time
  static double load_per_cpu_;           // the higher of before and after the runs
};

TempDir* GateCli::dir_ = nullptr;
Child* GateCli::fast_ = nullptr;
Child* GateCli::slow_ = nullptr;
int GateCli::fast_port_ = 0;
int GateCli::slow_port_ = 0;
std::vector<int> GateCli::load_rc_;
std::vector<std::string> GateCli::ids_;
double GateCli::load_per_cpu_ = 0;

TEST_F(GateCli, SameLatencyPassesSlowerLatencyFailsOnP95) {
  std::string out, err, same_out, slow_out;
  // A 0.3 ms difference on a 1 ms target is close to what a shared 2-core machine can resolve
  // at the default 20 % limit: the loopback and scheduling floor (~0.4 ms at p95) dilutes it
  // to +19..+27 %.  So the trio of runs is repeated (at most 3 times) until one attempt is
  // clean; every verdict of the attempt that is judged is asserted in full below.
  std::printf("load average per CPU around the first runs: %.2f\n", load_per_cpu_);
  std::vector<std::string> ids = ids_;
  int same_rc = -1, slow_rc = -1;
  std::string base;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt > 0) {
      std::vector<int> rc;
      ids = RunTrio(attempt, &rc);
      ASSERT_EQ(rc, (std::vector<int>{0, 0, 0}));
      ASSERT_EQ(ids.size(), 3u);
    }
    base = fmt::format("base{}", attempt);
    ASSERT_EQ(Vitals({"baseline", "set", base, ids[0]}, &out, &err), 0) << err;
    same_rc = Vitals({"gate", "--baseline", base, "--run", ids[1]}, &same_out, &err);
    slow_rc = Vitals({"gate", "--baseline", base, "--run", ids[2]}, &slow_out, &err);
    std::printf("attempt %d: same latency exit %d, 1.3 ms exit %d\n", attempt, same_rc, slow_rc);
    if (same_rc == 0 && slow_rc == 99) break;
  }
  EXPECT_EQ(same_rc, 0) << same_out;
  EXPECT_THAT(same_out, HasSubstr("vitals gate: PASS"));
  EXPECT_EQ(slow_rc, 99) << slow_out;
  EXPECT_THAT(slow_out, HasSubstr("vitals gate: FAIL"));
  EXPECT_THAT(slow_out, HasSubstr("FAIL: p95 up > 20% and significant: p95: "));
  EXPECT_THAT(slow_out, HasSubstr("significant (Mann-Whitney p="));
  EXPECT_EQ(Vitals({"compare", "baseline:" + base, ids[2]}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("regression"));
}

// Whatever the verdicts, the exit code, the text, the JSON and the JUnit file agree.
TEST_F(GateCli, OutputsAgreeWithTheExitCode) {
  std::string out, err;
  ASSERT_EQ(Vitals({"baseline", "set", "ref", ids_[0]}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("baseline ref -> run " + ids_[0]));
  ASSERT_EQ(Vitals({"baseline", "list"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("ref"));
  EXPECT_THAT(out, HasSubstr(ids_[0]));

  const std::string junit = dir_->File("gate.xml");
  const std::string json = dir_->File("gate.json");
  const int rc =
      Vitals({"gate", "--baseline", "ref", "--run", ids_[2], "--junit", junit, "--json", json},
             &out, &err);
  ASSERT_TRUE(rc == 0 || rc == 99) << rc << out << err;
  EXPECT_THAT(out, HasSubstr(rc == 0 ? "vitals gate: PASS" : "vitals gate: FAIL"));
  EXPECT_THAT(out, HasSubstr("p95 up > 20% and significant"));
  const std::string xml = ReadFileBytes(junit);
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"vitals gate\" tests=\"4\""));
  EXPECT_THAT(xml, HasSubstr("p95 up &gt; 20% and significant"));
  EXPECT_EQ(xml.find("type=\"regression\"") != std::string::npos, rc == 99);
  auto j = nlohmann::json::parse(ReadFileBytes(json), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["outcome"], rc == 0 ? "pass" : "fail");
  EXPECT_EQ(j["candidate"]["run_id"], ids_[2]);
  EXPECT_EQ(j["comparison"]["metrics"][1]["n_a"], 15);

  EXPECT_EQ(Vitals({"compare", "baseline:ref", ids_[2]}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("overall: A 15 intervals, B 15 intervals"));
  EXPECT_EQ(Vitals({"compare", "--ab", "branch=main", "branch=main"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("A/B: 3 runs tagged branch=main vs 3 runs"));
  EXPECT_THAT(out, HasSubstr("overall: A 45 intervals, B 45 intervals"));
  EXPECT_EQ(Vitals({"history", "p95"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("p95 over "));
  EXPECT_THAT(out, HasSubstr("too few runs to look for change points"));
}

TEST_F(GateCli, BadInputIsExitTwoWithAMessage) {
  std::string out, err;
  EXPECT_EQ(Vitals({"gate", "--baseline", "nosuch"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("nosuch"));
  EXPECT_EQ(Vitals({"compare", "nosuchrun", "latest"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("no run named 'nosuchrun'"));
  EXPECT_THAT(err, HasSubstr("latest~N"));
  EXPECT_THAT(err, HasSubstr("result JSON file"));
  EXPECT_EQ(Vitals({"compare", "latest~9", "latest"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("latest~9"));
  EXPECT_EQ(Vitals({"history", "p96"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("unknown metric 'p96'"));
  const std::string policy = dir_->File("bad.yaml");
  {
    std::ofstream f(policy);
    f << "rules:\n  - metric: p95\n    max_increase: twenty\n";
  }
  ASSERT_EQ(Vitals({"baseline", "set", "b2", ids_[0]}, &out, &err), 0) << err;
  EXPECT_EQ(Vitals({"gate", "--baseline", "b2", "--run", ids_[1], "--policy", policy}, &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("bad.yaml:3:19: rules[0].max_increase"));
}

TEST_F(GateCli, OtherScenarioAndTooShortRunsAreRefused) {
  std::string out, err;
  // Another path and length: another scenario.  Stored under its own tag so that the main
  // history stays clean.
  ASSERT_EQ(RunVitals({"load", fmt::format("http://127.0.0.1:{}/other", fast_port_), "--rate",
                       "200", "-d", "2s", "--store", Db(), "--quiet", "--tag", "branch=short"},
                      &out, &err),
            0)
      << err;
  const std::vector<std::string> newest = NewestIds(1);
  ASSERT_EQ(newest.size(), 1u);
  ASSERT_EQ(Vitals({"baseline", "set", "b3", ids_[0]}, &out, &err), 0) << err;
  EXPECT_EQ(Vitals({"gate", "--baseline", "b3", "--run", newest[0]}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("different scenarios"));
  EXPECT_THAT(err, HasSubstr("--force"));
  EXPECT_EQ(Vitals({"gate", "--baseline", "b3", "--run", newest[0], "--force"}, &out, &err), 2)
      << out;
  EXPECT_THAT(out, HasSubstr("CANNOT DECIDE"));
  EXPECT_THAT(out, HasSubstr("runs too short to test: B has 2 intervals, need at least 3"));
}

}  // namespace
}  // namespace vitals
