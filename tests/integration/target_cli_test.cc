// End-to-end tests of `vitals target`: the built binary is started on
// 127.0.0.1 port 0, the port is read from its ready line, and real requests
// go over loopback sockets.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "integration/child_process.h"
#include "target/test_http_client.h"

namespace vitals {
namespace {

using testing::Child;
using ::testing::HasSubstr;
using testing::HttpResponse;
using testing::TestHttpClient;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::vector<std::string> Args(std::vector<std::string> extra) {
  std::vector<std::string> a = {"target", "--listen", "127.0.0.1:0"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

TEST(TargetCli, FixedLatencyDelaysEveryResponse) {
  Child t(Args({"--latency", "20ms"}));
  int port = t.ReadyPort();
  ASSERT_GT(port, 0);
  TestHttpClient c{uint16_t(port)};
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 5; ++i) {
    auto t0 = Clock::now();
    ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    HttpResponse r;
    ASSERT_TRUE(c.Read(&r));
    auto took = Clock::now() - t0;
    EXPECT_EQ(r.status, 200);
    EXPECT_GE(took, milliseconds(20));
    EXPECT_LT(took, milliseconds(500));
  }
  // /healthz is never delayed.
  auto t0 = Clock::now();
  ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_LT(Clock::now() - t0, milliseconds(20));
  t.Signal(SIGTERM);
  EXPECT_EQ(t.Wait(), 0);
  EXPECT_THAT(t.Stderr(), HasSubstr("stopped (SIGTERM)"));
}

// Count of the sample `name{labels} value` in an exposition, or -1.
double Metric(const std::string& text, const std::string& name_and_labels) {
  size_t pos = text.find("\n" + name_and_labels + " ");
  if (pos == std::string::npos) return -1;
  return std::stod(text.substr(pos + name_and_labels.size() + 2));
}

TEST(TargetCli, ErrorRateAndMetricsCounts) {
  Child t(Args({"--error-rate", "0.1", "--error-status", "503", "--seed", "7"}));
  int port = t.ReadyPort();
  ASSERT_GT(port, 0);
  TestHttpClient c{uint16_t(port)};
  constexpr int kRequests = 2000, kBatch = 100;
  int ok = 0, errors = 0, other = 0;
  for (int sent = 0; sent < kRequests; sent += kBatch) {
    std::string batch;
    for (int i = 0; i < kBatch; ++i) batch += "GET /api/items HTTP/1.1\r\n\r\n";
    ASSERT_TRUE(c.Send(batch));
    for (int i = 0; i < kBatch; ++i) {
      HttpResponse r;
      ASSERT_TRUE(c.Read(&r));
      (r.status == 200 ? ok : r.status == 503 ? errors : other)++;
    }
  }
  EXPECT_EQ(other, 0);
  EXPECT_EQ(ok + errors, kRequests);
  // Binomial(2000, 0.1): mean 200, sd 13.4; +-5 sd.
  EXPECT_GE(errors, 133);
  EXPECT_LE(errors, 267);

  ASSERT_TRUE(c.Send("GET /metrics HTTP/1.1\r\n\r\n"));
  HttpResponse m;
  ASSERT_TRUE(c.Read(&m));
  EXPECT_EQ(m.status, 200);
  EXPECT_THAT(m.headers["content-type"], HasSubstr("text/plain; version=0.0.4"));
  const std::string labels200 = R"({method="GET",path="/api",code="200"})";
  const std::string labels503 = R"({method="GET",path="/api",code="503"})";
  EXPECT_EQ(Metric(m.body, "http_requests_total" + labels200), ok);
  EXPECT_EQ(Metric(m.body, "http_requests_total" + labels503), errors);
  EXPECT_EQ(Metric(m.body, "http_request_duration_seconds_count" + labels200), ok);
  EXPECT_EQ(
      Metric(
          m.body,
          R"(http_request_duration_seconds_bucket{method="GET",path="/api",code="503",le="+Inf"})"),
      errors);
  EXPECT_EQ(Metric(m.body, "vitals_target_inflight"), 1);  // the scrape itself
  EXPECT_GT(Metric(m.body, "process_start_time_seconds"), 1.6e9);
  t.Signal(SIGINT);
  EXPECT_EQ(t.Wait(), 0);
  EXPECT_THAT(
      t.Stderr(),
      HasSubstr("answered 2001 requests, " + std::to_string(errors) + " errors"));  // + /metrics
}

TEST(TargetCli, RequestDuringAStallIsAnsweredWhenItEnds) {
  // Stall 1 covers [600 ms, 1000 ms) after the target started listening.
  auto spawned = Clock::now();
  Child t(Args({"--stall", "400ms", "--stall-every", "1s"}));
  int port = t.ReadyPort();
  auto ready = Clock::now();
  ASSERT_GT(port, 0);
  TestHttpClient c{uint16_t(port)};
  // Sequential requests until 1.3 s after the ready line: all are fast except the one
  // that arrives inside the stall, which waits for its end.
  struct Done {
    Clock::time_point sent, answered;
  };
  std::vector<Done> slow;
  int fast = 0;
  while (Clock::now() - ready < milliseconds(1300)) {
    auto t0 = Clock::now();
    ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\n\r\n"));
    HttpResponse r;
    ASSERT_TRUE(c.Read(&r, 3000));
    auto t1 = Clock::now();
    if (t1 - t0 > milliseconds(100)) {
      slow.push_back({t0, t1});
    } else {
      ++fast;
    }
    usleep(10'000);
  }
  ASSERT_EQ(slow.size(), 1u) << "expected exactly one request to hit the stall";
  EXPECT_GT(fast, 20);
  // It was sent at most ~one request period after the stall began, so it
  // waited most of the 400 ms ...
  EXPECT_GE(slow[0].answered - slow[0].sent, milliseconds(250));
  // ... and was answered when the stall ended: 1 s after the target's start,
  // which lies between our spawn and the ready line.
  EXPECT_GE(slow[0].answered, spawned + milliseconds(1000));
  EXPECT_LE(slow[0].answered, ready + milliseconds(1000) + milliseconds(60));
  t.Signal(SIGTERM);
  EXPECT_EQ(t.Wait(), 0);
}

TEST(TargetCli, DurationStopsTheTargetWithExitZero) {
  auto t0 = Clock::now();
  Child t(Args({"--duration", "300ms"}));
  ASSERT_GT(t.ReadyPort(), 0);
  EXPECT_EQ(t.Wait(3000), 0);
  EXPECT_GE(Clock::now() - t0, milliseconds(300));
  EXPECT_THAT(t.Stderr(), HasSubstr("stopped (--duration)"));
}

TEST(TargetCli, BadFlagsExitTwoWithAMessage) {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{"--latency", "uniform:5ms"},
       "--latency: bad latency spec 'uniform:5ms': expected uniform:MIN..MAX"},
      {{"--latency", "lognormal:median=9ms,p99=1ms"},
       "p99 (1ms) must be at least the median (9ms)"},
      {{"--error-rate", "2"}, "--error-rate: bad fraction '2'"},
      {{"--error-status", "200"}, "--error-status must be an HTTP error status in 400..599"},
      {{"--stall", "500ms"}, "--stall and --stall-every go together"},
      {{"--stall", "5s", "--stall-every", "1s"}, "must be shorter than --stall-every"},
      {{"--threads", "0"}, "--threads must be in 1..256"},
      {{"--duration", "soon"}, "--duration: bad duration 'soon'"},
      {{"--listen", "0.0.0.0:0"}, "not a loopback address"},
      {{"--listen", "example.com:80"}, "bad listen address 'example.com:80'"},
      {{"--no-such-flag"}, "--no-such-flag"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"target"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Child t(args);
    EXPECT_EQ(t.ReadLine(2000), "") << "no ready line expected for " << c.args[0];
    EXPECT_EQ(t.Wait(), 2) << c.args[0];
    EXPECT_THAT(t.Stderr(), HasSubstr(c.message));
  }
}

TEST(TargetCli, HelpTeachesWithExamples) {
  Child t({"target", "--help"});
  EXPECT_EQ(t.Wait(), 0);
  std::string all = t.Stdout();
  EXPECT_THAT(all, HasSubstr("--latency"));
  EXPECT_THAT(all, HasSubstr("lognormal:median=2ms,p99=20ms"));
  EXPECT_THAT(all, HasSubstr("Examples:"));
  EXPECT_THAT(all, HasSubstr("--stall 500ms --stall-every 5s"));
}

}  // namespace
}  // namespace vitals
