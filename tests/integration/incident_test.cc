// vitals incident end to end: `vitals target` turns slow (3 s) and failing (10 %) for 20 s in
// the middle of a `vitals load`, `vitals check --record` runs during it, and the record must
// find the degradation window within one interval of the truth, count exactly the run's failed
// requests, say P2, keep its timeline in order, list the findings as cause candidates, and
// open cleanly in headless Chromium.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/child_process.h"
#include "integration/headless_chromium.h"
#include "integration/proc.h"
#include "integration/require_server.h"
#include "integration/temp_dir.h"
#include "report/report_test_util.h"

namespace vitals {
namespace {

namespace fs = std::filesystem;
using testing::Child;
using ::testing::HasSubstr;
using testing::RunVitals;
using testing::Slurp;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class IncidentCli : public testing::TempDirTest {
 protected:
  IncidentCli() : TempDirTest("incident") {}
};

TEST_F(IncidentCli, SlowAndFailingWindowBecomesAP2RecordWithCauses) {
  // The truth: requests arriving 8 s .. 28 s after the target starts take 3 s and fail 10 %.
  Child target({"target", "--listen", "127.0.0.1:0", "--degrade", "8s..28s", "--degrade-latency",
                "3s", "--degrade-error-rate", "10%", "--seed", "7"});
  const int port = target.ReadyPort();
  const int64_t target_start_ms = NowMs();
  ASSERT_GT(port, 0) << "vitals target did not start";
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";

  Child load({"load", url, "--rate", "40", "--duration", "36s", "--max-connections", "400",
              "--timeout", "10s", "--threshold", "p(95)<1s", "--store", store_, "--quiet"});
  // A check in the middle of the slow window, recorded with its time.
  std::this_thread::sleep_until(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(target_start_ms + 16'000)));
  std::string out, err;
  const int check = RunVitals({"check", "--prometheus", url + "metrics", "--window", "3s",
                               "--record", "--store", store_, "--format", "json"},
                              &out, &err, 60'000);
  EXPECT_TRUE(check == 0 || check == 99) << err;
  EXPECT_THAT(err, HasSubstr("recorded as check"));
  ASSERT_EQ(load.Wait(120'000), 99) << "the p(95)<1s threshold must fail; stderr:\n"
                                    << load.Stderr();

  const std::string json_path = Path("incident.json");
  ASSERT_EQ(RunVitals({"incident", "--run", "latest", "--store", store_, "-o", json_path}, &out,
                      &err, 60'000),
            0)
      << err;
  EXPECT_THAT(err, HasSubstr("stored as"));
  const nlohmann::json rec = nlohmann::json::parse(Slurp(json_path), nullptr, false);
  ASSERT_FALSE(rec.is_discarded());
  ASSERT_TRUE(rec["impact"]["degraded"].get<bool>()) << rec.dump(2);
  const auto& im = rec["impact"];

  // The window within one interval (1 s) of the truth, plus the target's start-up slack.
  const double start_err = double(im["start_unix_ms"].get<int64_t>() - (target_start_ms + 8000));
  const double end_err = double(im["end_unix_ms"].get<int64_t>() - (target_start_ms + 28000));
  EXPECT_LE(std::abs(start_err), 1200) << "degradation start off by " << start_err << " ms";
  EXPECT_LE(std::abs(end_err), 1200) << "degradation end off by " << end_err << " ms";
  EXPECT_EQ(im["severity"], "P2");

  // Errors happen only in the window: the record's failed count is the run's.
  std::string runs_out;
  ASSERT_EQ(RunVitals({"runs", "show", "latest", "--store", store_, "--format", "json"}, &runs_out,
                      &err, 60'000),
            0)
      << err;
  const nlohmann::json run = nlohmann::json::parse(runs_out, nullptr, false);
  ASSERT_FALSE(run.is_discarded()) << runs_out;
  ASSERT_TRUE(run.contains("errors")) << runs_out;
  const uint64_t run_errors = run["errors"].get<uint64_t>();
  EXPECT_GT(run_errors, 0u);
  EXPECT_EQ(im["failed"].get<uint64_t>(), run_errors);

  // The timeline is in time order and holds the run, the breach, the check and its findings.
  std::vector<std::string> kinds;
  int64_t prev = 0;
  for (const auto& e : rec["timeline"]) {
    EXPECT_GE(e["unix_ms"].get<int64_t>(), prev);
    prev = e["unix_ms"].get<int64_t>();
    kinds.push_back(e["kind"]);
  }
  for (const char* k : {"run_start", "breach_began", "breach_ended", "degradation_began",
                        "degradation_ended", "check", "finding", "run_end"}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), k), kinds.end()) << k;
  }
  // The check's findings are the cause candidates, ranked from 1.
  ASSERT_FALSE(rec["root_cause_candidates"].empty()) << rec.dump(2);
  int rank = 0;
  for (const auto& c : rec["root_cause_candidates"]) {
    EXPECT_EQ(c["rank"].get<int>(), ++rank);
    EXPECT_THAT(c["id"].get<std::string>(), ::testing::StartsWith("prom."));
    EXPECT_FALSE(c["action"].get<std::string>().empty());
  }
  EXPECT_FALSE(rec["ranking"].get<std::string>().empty());

  // list and show find it again; markdown and HTML carry the sections.
  ASSERT_EQ(RunVitals({"incident", "list", "--store", store_}, &out, &err, 30'000), 0) << err;
  EXPECT_THAT(out, HasSubstr("P2"));
  ASSERT_EQ(RunVitals({"incident", "show", "latest", "--store", store_}, &out, &err, 30'000), 0)
      << err;
  EXPECT_THAT(out, HasSubstr("## Timeline"));
  EXPECT_THAT(out, HasSubstr("## Root-cause candidates"));
  EXPECT_THAT(out, HasSubstr("To fill in:"));
  const std::string html = Path("incident.html");
  ASSERT_EQ(
      RunVitals({"incident", "show", "latest", "--store", store_, "-o", html}, &out, &err, 30'000),
      0)
      << err;
  // A second record of the same run with a hostile title: in the browser it must stay text.
  const std::string hostile_html = Path("hostile.html");
  ASSERT_EQ(RunVitals({"incident", "--run", "latest", "--store", store_, "--no-save", "--title",
                       "<img src=x onerror=alert(1)><script>alert(2)</script>", "-o", hostile_html},
                      &out, &err, 60'000),
            0)
      << err;

  const std::string chromium = testing::FindChromium();
  VITALS_REQUIRE(!chromium.empty(), "chromium",
                 "scripts/setup installs it (apt-get install chromium)");
  const std::string profile = Path("profile");
  std::vector<std::string> args = testing::ChromiumBaseFlags(profile);
  args.push_back("--dump-dom");
  args.push_back("file://" + html);
  const testing::BrowserRun dom = testing::RunBrowser(chromium, args, 60'000);
  EXPECT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_THAT(dom.out, HasSubstr("</html>"));
  EXPECT_THAT(testing::ConsoleLines(dom.err), ::testing::IsEmpty());
  EXPECT_THAT(testing::ActiveContent(dom.out), ::testing::IsEmpty());
  std::vector<std::string> hostile_args = testing::ChromiumBaseFlags(Path("profile2"));
  hostile_args.push_back("--dump-dom");
  hostile_args.push_back("file://" + hostile_html);
  const testing::BrowserRun hostile = testing::RunBrowser(chromium, hostile_args, 60'000);
  EXPECT_EQ(hostile.exit_code, 0) << hostile.err;
  EXPECT_THAT(hostile.out, HasSubstr("&lt;script&gt;alert(2)"));
  EXPECT_THAT(testing::ConsoleLines(hostile.err), ::testing::IsEmpty());
  EXPECT_THAT(testing::ActiveContent(hostile.out), ::testing::IsEmpty());
  for (const char* id : {"incident-latency", "incident-errors"}) {
    const size_t at = dom.out.find(std::string("id=\"") + id + "\"");
    ASSERT_NE(at, std::string::npos) << id;
    const std::string fig = dom.out.substr(at, dom.out.find("</figure>", at) - at);
    EXPECT_FALSE(testing::DataPathsIn(fig).empty()) << id << " has no data drawn";
    EXPECT_THAT(fig, HasSubstr("class=\"marker\"")) << id << " has no timeline markers";
  }
}

TEST_F(IncidentCli, HealthyAndEmptyWindowsSayNoIncidentAndStoreNothing) {
  std::string out, err;
  Child target({"target", "--listen", "127.0.0.1:0", "--latency", "1ms"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  ASSERT_EQ(RunVitals({"load", url, "--rate", "50", "-d", "2s", "--store", store_, "--quiet"}, &out,
                      &err, 60'000),
            0)
      << err;
  // A window with nothing in it.
  ASSERT_EQ(RunVitals({"incident", "--from", "2020-01-01T00:00:00Z", "--to", "2020-01-01T01:00:00Z",
                       "--store", store_},
                      &out, &err, 30'000),
            0)
      << err;
  EXPECT_THAT(err, HasSubstr("no incident in this window"));
  EXPECT_THAT(err, HasSubstr("0 run(s)"));
  EXPECT_EQ(out, "");
  // A window with a healthy run.
  ASSERT_EQ(RunVitals({"incident", "--around", "latest", "--margin", "1m", "--store", store_,
                       "--format", "json"},
                      &out, &err, 30'000),
            0)
      << err;
  EXPECT_THAT(err, HasSubstr("no incident in this window"));
  const nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_TRUE(j["no_incident"].get<bool>());
  ASSERT_EQ(RunVitals({"incident", "list", "--store", store_}, &out, &err, 30'000), 0);
  EXPECT_THAT(out, HasSubstr("no incident records"));
}

TEST_F(IncidentCli, BadInputSaysWhatAndHow) {
  std::string out, err;
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  // The store must exist for the window flags to be checked against runs.
  Child target({"target", "--listen", "127.0.0.1:0"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  ASSERT_EQ(RunVitals({"load", "http://127.0.0.1:" + std::to_string(port) + "/", "-n", "5",
                       "--store", store_, "--quiet"},
                      &out, &err, 60'000),
            0)
      << err;
  const std::vector<Case> cases = {
      {{"incident", "--from", "yesterday"}, "RFC 3339"},
      {{"incident", "--from", "now", "--to", "now-1h"}, "is not before --to"},
      {{"incident", "--run", "latest", "--from", "now-1h"}, "give the window one way"},
      {{"incident"}, "give the window one way"},
      {{"incident", "--to", "now"}, "--to needs --from"},
      {{"incident", "--run", "nosuchrun"}, "no run named 'nosuchrun'"},
      {{"incident", "--around", "latest", "--margin", "soon"}, "--margin 'soon'"},
      {{"incident", "--run", "latest", "--severity-levels", "1s,2s,5s,10s"},
       "below the one before"},
      {{"incident", "--run", "latest", "--error-limit", "200%"}, "--error-limit '200%'"},
      {{"incident", "show", "nope"}, "vitals incident list"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.push_back("--store");
    args.push_back(store_);
    if (args[1] == "show") args = {"incident", "show", "nope", "--store", store_};
    EXPECT_EQ(RunVitals(args, &out, &err, 30'000), 2) << c.says << "\n" << err;
    EXPECT_THAT(err, HasSubstr(c.says));
  }
  // --record needs the store flags only with --record.
  EXPECT_EQ(RunVitals({"check", "--host", "--run", "latest"}, &out, &err, 30'000), 2);
  EXPECT_THAT(err, HasSubstr("go with --record"));
  // A degrade window without what changes in it.
  EXPECT_EQ(RunVitals({"target", "--degrade", "1s..2s"}, &out, &err, 30'000), 2);
  EXPECT_THAT(err, HasSubstr("--degrade needs --degrade-latency"));
  EXPECT_EQ(
      RunVitals({"target", "--degrade", "5s..2s", "--degrade-latency", "1s"}, &out, &err, 30'000),
      2);
  EXPECT_THAT(err, HasSubstr("TO must be after FROM"));
}

}  // namespace
}  // namespace vitals
