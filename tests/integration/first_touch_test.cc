// What a new user meets in the first ten minutes (issue 19), end to end with the built binary:
// a target that is not running stops the run early and clearly; Ctrl-C stores the run as
// interrupted and exits 130; the interrupted run is never `latest`.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "integration/child_process.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace vitals {
namespace {

using testing::Child;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunVitals;
using testing::TempDir;

// A loopback port that refuses connections for as long as this lives: the socket is bound
// (so nothing else takes the port) but never listens.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&a), len) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port_ = ntohs(a.sin_port);
    }
  }
  ~RefusingPort() {
    if (fd_ >= 0) close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

nlohmann::json RunsJson(const std::string& store) {
  std::string out, err;
  int code = RunVitals({"runs", "list", "--store", store, "--format", "json"}, &out, &err);
  EXPECT_EQ(code, 0) << err;
  auto j = nlohmann::json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << out;
  return j;
}

TEST(FirstTouch, NothingListeningStopsEarlyFailsAndIsStoredAsFailed) {
  RefusingPort closed;
  ASSERT_GT(closed.port(), 0);
  TempDir dir;
  const std::string store = dir.File("v.db");
  const std::string address = "127.0.0.1:" + std::to_string(closed.port());
  std::string out, err;
  const auto t0 = std::chrono::steady_clock::now();
  int code = RunVitals({"load", "http://" + address + "/", "-d", "100s", "-c", "4", "-t", "1",
                        "--quiet", "--store", store, "--json", dir.File("r.json")},
                       &out, &err, 60'000);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(code, 1) << out << err;
  EXPECT_LT(took, 10.0) << "a 100 s run against nothing should stop after ~5 s";
  EXPECT_THAT(err, HasSubstr("no request succeeded in 5 s: connection refused by " + address +
                             "; is the target running"));
  EXPECT_THAT(err, HasSubstr("(--keep-going to run anyway)"));
  EXPECT_THAT(out, HasSubstr("Stored as failed run"));

  auto runs = RunsJson(store);
  ASSERT_EQ(runs.size(), 1u) << runs.dump();
  EXPECT_EQ(runs[0]["status"], "failed");
  EXPECT_THAT(runs[0]["failure_reason"].get<std::string>(),
              HasSubstr("connection refused by " + address));
  EXPECT_TRUE(runs[0]["latency_us"].is_null()) << runs.dump();
  std::string list;
  ASSERT_EQ(RunVitals({"runs", "list", "--store", store}, &list, &err), 0) << err;
  EXPECT_THAT(list, HasSubstr("failed"));
  EXPECT_THAT(list, Not(HasSubstr("0.00us")));

  std::string json = testing::ReadFileBytes(dir.File("r.json"));
  auto r = nlohmann::json::parse(json, nullptr, false);
  ASSERT_FALSE(r.is_discarded()) << json;
  EXPECT_EQ(r["status"], "failed");
  EXPECT_GT(r["errors_by_kind"]["connect_refused"].get<uint64_t>(), 0u);
  EXPECT_EQ(r["requests"], r["errors"]);
}

TEST(FirstTouch, KeepGoingRunsThePlanAgainstNothing) {
  RefusingPort closed;
  ASSERT_GT(closed.port(), 0);
  std::string out, err;
  // A plan just past the 5 s window: it must run to its end and exit 0.
  int code = RunVitals({"load", "http://127.0.0.1:" + std::to_string(closed.port()) + "/", "-d",
                        "6s", "-c", "2", "-t", "1", "--quiet", "--no-store", "--keep-going"},
                       &out, &err, 60'000);
  EXPECT_EQ(code, 0) << out << err;
  EXPECT_THAT(err, Not(HasSubstr("no request succeeded")));
  EXPECT_THAT(out, HasSubstr("duration 6."));
}

TEST(FirstTouch, CtrlCStoresAnInterruptedRunThatIsNeverLatest) {
  Child target({"target", "--listen", "127.0.0.1:0", "--latency", "1ms"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  TempDir dir;
  const std::string store = dir.File("v.db");
  std::string out, err;
  ASSERT_EQ(RunVitals({"load", url, "-d", "1s", "-c", "2", "-t", "1", "--quiet", "--store", store},
                      &out, &err),
            0)
      << out << err;
  auto first = RunsJson(store);
  ASSERT_EQ(first.size(), 1u);
  const std::string completed_id = first[0]["id"];

  Child load({"load", url, "-d", "30s", "-c", "2", "-t", "1", "--quiet", "--store", store});
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  load.Signal(SIGINT);
  const int code = load.Wait(20'000);
  const std::string load_out = load.Stdout();
  EXPECT_EQ(code, 130) << load_out << load.Stderr();
  EXPECT_THAT(load_out, HasSubstr("(interrupted)"));
  EXPECT_THAT(load_out, HasSubstr("Stored as interrupted run"));

  auto runs = RunsJson(store);
  ASSERT_EQ(runs.size(), 2u) << runs.dump();
  EXPECT_EQ(runs[0]["status"], "interrupted");  // newest first
  const std::string interrupted_id = runs[0]["id"];
  EXPECT_NE(interrupted_id, completed_id);
  // `latest` skips it; naming it works.
  std::string show;
  ASSERT_EQ(
      RunVitals({"runs", "show", "latest", "--store", store, "--format", "json"}, &show, &err), 0)
      << err;
  EXPECT_THAT(show, HasSubstr(completed_id));
  EXPECT_THAT(show, Not(HasSubstr(interrupted_id)));
  ASSERT_EQ(RunVitals({"runs", "show", interrupted_id, "--store", store}, &show, &err), 0) << err;
  EXPECT_THAT(show, HasSubstr("interrupted"));
}

// Duet mode: the side whose target is not there fails the same way, and the command exits 1.
TEST(FirstTouch, DuetSideWithNothingListeningFails) {
  Child target({"target", "--listen", "127.0.0.1:0", "--latency", "1ms"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  RefusingPort closed;
  ASSERT_GT(closed.port(), 0);
  const std::string b = "127.0.0.1:" + std::to_string(closed.port());
  std::string out, err;
  int code =
      RunVitals({"load", "http://127.0.0.1:" + std::to_string(port) + "/", "--duet",
                 "http://" + b + "/", "-d", "6s", "-c", "2", "-t", "1", "--quiet", "--no-store"},
                &out, &err, 60'000);
  EXPECT_EQ(code, 1) << out << err;
  EXPECT_THAT(err,
              HasSubstr("duet side B: no request succeeded in 5 s: connection refused by " + b));
  EXPECT_THAT(err, Not(HasSubstr("duet side A")));
}

// A /metrics without the HTTP metrics vitals looks for (here the built-in target's, asked for
// names it does not have): every "limited" line names the fact and the reason, and so does the
// summary, not only "3 limited".
TEST(FirstTouch, CheckSaysWhatWasLimitedAndWhy) {
  Child target({"target", "--listen", "127.0.0.1:0"});
  const int port = target.ReadyPort();
  ASSERT_GT(port, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  std::string out, err;
  int code = RunVitals({"check", "--prometheus", url, "--window", "1s", "--latency-metric",
                        "nonexistent_seconds", "--requests-metric", "nonexistent_total"},
                       &out, &err, 60'000);
  EXPECT_EQ(code, 0) << out << err;
  EXPECT_THAT(out, HasSubstr("limited: prometheus: http latency: no nonexistent_seconds_bucket or "
                             "nonexistent_seconds_count series in the source"));
  EXPECT_THAT(out, HasSubstr("limited: prometheus: http golden signals (latency, errors, "
                             "throughput): no HTTP request metrics in the source"));
  EXPECT_THAT(out, HasSubstr("summary: no findings; checked prometheus; 3 limited (prometheus: "
                             "http latency, prometheus: http requests, prometheus: http golden "
                             "signals (latency, errors, throughput))\n"));
}

}  // namespace
}  // namespace vitals
