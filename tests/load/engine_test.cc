// The engine against small misbehaving servers on loopback: every failure
// must be classified, counted once, and never crash or hang vitals.
#include "load/engine.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "load/engine_fixture.h"

namespace vitals {
namespace {

LoadOptions Closed(const std::string& url, uint64_t requests, int connections = 2) {
  LoadOptions o;
  o.url = url;
  o.threads = 1;
  o.connections = connections;
  o.max_requests = requests;
  o.timeout_ns = 2'000'000'000;
  o.stages = {Stage{"main", 20'000'000'000, double(connections), double(connections)}};
  return o;
}

TEST(Engine, HealthyServerEveryRequestCounted) {
  BadServer s(
      [](int fd, int) { return Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); });
  LoadResult r = MustRun(Closed(s.url(), 200));
  EXPECT_EQ(r.requests, 200u);
  EXPECT_EQ(r.completed, 200u);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_EQ(r.status_codes[200], 200u);
  EXPECT_EQ(uint64_t(r.latency_corrected.TotalCount()), 200u);
  EXPECT_EQ(r.connections_opened, 2u);  // keep-alive: no reconnects
}

TEST(Engine, StatusErrorsCountedByCode) {
  BadServer s([](int fd, int n) {
    return Send(fd, n % 4 == 0 ? "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"
                               : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  });
  LoadResult r = MustRun(Closed(s.url(), 100, 1));
  EXPECT_EQ(r.requests, 100u);
  EXPECT_EQ(r.status_codes[503], 25u);
  EXPECT_EQ(r.errors_by_kind["status_503"], 25u);
  EXPECT_EQ(r.errors, 25u);
  EXPECT_DOUBLE_EQ(r.error_rate, 0.25);
}

struct Case {
  const char* name;
  std::string reply;
  bool close_after;
  const char* kind;
};

class Malformed : public ::testing::TestWithParam<Case> {};

TEST_P(Malformed, ClassifiedNeverCrashes) {
  const Case& c = GetParam();
  BadServer s([&](int fd, int) {
    Send(fd, c.reply);
    return !c.close_after;
  });
  LoadResult r = MustRun(Closed(s.url(), 10, 1));
  EXPECT_EQ(r.requests, 10u) << c.name;
  EXPECT_EQ(r.errors, 10u) << c.name;
  EXPECT_EQ(r.errors_by_kind[c.kind], 10u) << c.name << ": " << ToJson(r);
}

INSTANTIATE_TEST_SUITE_P(
    Responses, Malformed,
    ::testing::Values(
        Case{"garbage_status", "FOO BAR BAZ\r\n\r\n", true, "parse:bad_status_line"},
        Case{"truncated_body", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", true,
             "parse:truncated"},
        Case{"huge_headers",
             "HTTP/1.1 200 OK\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\n\r\n", true,
             "parse:headers_too_large"},
        Case{"bad_chunk_size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", true,
             "parse:bad_chunk"},
        Case{"close_mid_headers", "HTTP/1.1 200 OK\r\nContent-Le", true, "parse:truncated"},
        Case{"close_without_reply", "", true, "closed_mid_response"},
        Case{"bad_content_length", "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", true,
             "parse:bad_content_length"}),
    [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(Engine, ServerThatNeverAnswersTimesOut) {
  BadServer s([](int, int) { return true; });  // reads requests, never replies
  LoadOptions o = Closed(s.url(), 3, 1);
  o.timeout_ns = 200'000'000;
  LoadResult r = MustRun(o);
  EXPECT_EQ(r.requests, 3u);
  EXPECT_EQ(r.errors_by_kind["timeout"], 3u) << ToJson(r);
}

TEST(Engine, RefusedConnectionsAreCountedNotFatal) {
  // Bind a port, then close it: nothing listens there any more.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  LoadOptions o = Closed("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/", 5, 1);
  LoadResult r = MustRun(o);
  EXPECT_EQ(r.requests, 5u);
  EXPECT_EQ(r.errors, 5u);
  EXPECT_EQ(r.errors_by_kind["connect_refused"], 5u) << ToJson(r);
  EXPECT_EQ(r.connections_failed, 5u);
}

TEST(Engine, ConnectionCloseIsHonoured) {
  BadServer s([](int fd, int) {
    Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    return false;
  });
  LoadResult r = MustRun(Closed(s.url(), 20, 1));
  EXPECT_EQ(r.completed, 20u);
  EXPECT_EQ(r.errors, 0u) << ToJson(r);
  EXPECT_EQ(r.connections_opened, 20u);
}

TEST(Engine, OpenModelCountsLateSendsAndCorrectsLatency) {
  // One connection, a server that takes 20 ms per answer, 200 req/s asked:
  // the schedule wants a request every 5 ms, so most go out late and the
  // corrected latency (from the intended time) must exceed the uncorrected.
  BadServer s([](int fd, int) {
    usleep(20'000);
    return Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  });
  LoadOptions o;
  o.url = s.url();
  o.model = LoadModel::kOpen;
  o.threads = 1;
  o.connections = 1;
  o.max_connections = 1;
  o.timeout_ns = 5'000'000'000;
  o.stages = {Stage{"main", 500'000'000, 200, 200}};
  LoadResult r = MustRun(o);
  EXPECT_EQ(r.requests, 100u);  // nothing dropped: every request is sent, late
  EXPECT_EQ(r.dropped, 0u);
  EXPECT_GT(r.late_sends, 80u);
  EXPECT_GT(r.latency_corrected.ValueAtPercentile(99),
            3 * r.latency_uncorrected.ValueAtPercentile(99));
  EXPECT_GE(r.latency_uncorrected.ValueAtPercentile(50), 19'000);
}

TEST(Engine, OpenModelDropsAfterTimeoutWhenNoConnectionIsFree) {
  BadServer s([](int, int) { return true; });  // never answers: the one connection stays busy
  LoadOptions o;
  o.url = s.url();
  o.model = LoadModel::kOpen;
  o.threads = 1;
  o.connections = 1;
  o.max_connections = 1;
  o.timeout_ns = 100'000'000;
  o.stages = {Stage{"main", 500'000'000, 100, 100}};
  LoadResult r = MustRun(o);
  EXPECT_GT(r.dropped, 10u) << ToJson(r);
  EXPECT_EQ(r.requests + r.dropped, 50u);
}

TEST(Engine, BadOptionsAreUsageErrors) {
  LoadOptions o = Closed("http://127.0.0.1:1/", 1);
  o.threads = 0;
  auto r = RunLoad(o, nullptr, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("--threads"), std::string::npos);
  o = Closed("ftp://x/", 1);
  EXPECT_FALSE(RunLoad(o, nullptr, nullptr).ok());
}

}  // namespace
}  // namespace vitals

namespace vitals {
namespace {

BadServer* OkServer() {
  return new BadServer(
      [](int fd, int) { return Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); });
}

TEST(EngineIntervals, IntervalsAddUpToTheRunAndStreamToTheSink) {
  std::unique_ptr<BadServer> s(OkServer());
  LoadOptions o;
  o.url = s->url();
  o.model = LoadModel::kOpen;
  o.threads = 2;
  o.connections = 4;
  o.interval_ns = 200'000'000;
  o.stages = {Stage{"a", 600'000'000, 500, 500}, Stage{"b", 400'000'000, 250, 250}};
  std::vector<IntervalSample> streamed;
  o.on_interval = [&](const std::vector<IntervalSample>& v) {
    streamed.insert(streamed.end(), v.begin(), v.end());
    return Status::Ok();
  };
  LoadResult r = MustRun(o);
  EXPECT_EQ(r.requests, 400u);
  uint64_t sum = 0, in_a = 0;
  for (const IntervalSample& x : streamed) {
    sum += x.requests;
    if (x.phase == "a") in_a += x.requests;
    EXPECT_EQ(x.request, "");
  }
  EXPECT_EQ(sum, r.requests);
  EXPECT_EQ(in_a, r.phases[0].requests);
  EXPECT_EQ(streamed.size(), r.intervals.size());
  EXPECT_GE(streamed.size(), 5u);
  // Time order, and 200 ms long.
  for (size_t i = 1; i < streamed.size(); ++i) {
    EXPECT_GE(streamed[i].start_s, streamed[i - 1].start_s);
  }
  EXPECT_DOUBLE_EQ(streamed[0].length_s, 0.2);
}

TEST(EngineIntervals, MixedModelsAndWeightedRequests) {
  std::unique_ptr<BadServer> s(OkServer());
  auto url = ParseUrl(s->url());
  ASSERT_TRUE(url.ok());
  LoadOptions o;
  o.url = s->url();
  o.threads = 1;
  o.connections = 2;
  o.max_connections = 8;
  Url other = *url;
  other.target = "/other";
  o.requests = {LoadRequest{"home", *url, RequestSpec{}, 3, 0},
                LoadRequest{"other", other, RequestSpec{}, 1, 0}};
  o.stages = {Stage{"closed", 300'000'000, 2, 2, LoadModel::kClosed},
              Stage{"open", 500'000'000, 400, 400, LoadModel::kOpen}};
  LoadResult r = MustRun(o);
  EXPECT_EQ(r.model, "mixed");
  ASSERT_EQ(r.phases.size(), 2u);
  EXPECT_EQ(r.phases[0].model, "closed");
  EXPECT_GT(r.phases[0].requests, 20u);
  EXPECT_EQ(r.phases[1].requests, 200u);  // the open schedule, exactly
  uint64_t home = 0, other_n = 0;
  for (const IntervalSample& x : r.intervals) {
    if (x.phase != "open") continue;
    if (x.request == "home") home += x.requests;
    if (x.request == "other") other_n += x.requests;
  }
  EXPECT_EQ(home + other_n, 200u);
  EXPECT_NEAR(double(home) / 200.0, 0.75, 0.02);
}

TEST(EngineIntervals, RequestsOnDifferentHostsAreRefused) {
  LoadOptions o;
  o.stages = {Stage{"a", 100'000'000, 1, 1}};
  o.requests = {LoadRequest{"a", *ParseUrl("http://127.0.0.1:1000/"), RequestSpec{}, 1, 0},
                LoadRequest{"b", *ParseUrl("http://127.0.0.1:2000/"), RequestSpec{}, 1, 0}};
  auto r = RunLoad(o, nullptr, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("one run loads one host:port"), std::string::npos)
      << r.status().message();
}

TEST(EngineIntervals, AbortOnFailStopsTheRun) {
  BadServer s(
      [](int fd, int) { return Send(fd, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"); });
  LoadOptions o;
  o.url = s.url();
  o.model = LoadModel::kOpen;
  o.threads = 1;
  o.connections = 2;
  o.interval_ns = 200'000'000;
  o.stages = {Stage{"a", 20'000'000'000, 200, 200}};
  auto t = ParseThreshold("errors<10");
  ASSERT_TRUE(t.ok());
  t->abort_on_fail = true;
  o.thresholds = {*t};
  LoadResult r = MustRun(o);
  EXPECT_TRUE(r.interrupted);
  EXPECT_LT(r.duration_s, 3.0);
  EXPECT_NE(r.aborted_by.find("errors<10"), std::string::npos) << r.aborted_by;
}

TEST(EngineIntervals, AFailingSinkStopsTheRunWithItsError) {
  std::unique_ptr<BadServer> s(OkServer());
  LoadOptions o = Closed(s->url(), 0, 1);
  o.stages = {Stage{"main", 5'000'000'000, 1, 1}};
  o.interval_ns = 100'000'000;
  o.on_interval = [](const std::vector<IntervalSample>&) { return Status::Io("disk full (test)"); };
  auto t0 = std::chrono::steady_clock::now();
  auto r = RunLoad(o, nullptr, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "disk full (test)");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 3.0);
}

}  // namespace
}  // namespace vitals
