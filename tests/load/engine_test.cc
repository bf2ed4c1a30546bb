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

namespace vitals {
namespace {

// Accepts connections on 127.0.0.1; for every request (a header block ending
// in a blank line) calls `respond(fd, request_index)`, which writes whatever
// it likes and returns false to close the connection.
class BadServer {
 public:
  explicit BadServer(std::function<bool(int fd, int n)> respond) : respond_(std::move(respond)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(listen(fd_, 128), 0);
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~BadServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    acceptor_.join();
    for (auto& t : conns_) t.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  void AcceptLoop() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      conns_.emplace_back([this, c] { Serve(c); });
    }
  }
  void Serve(int c) {
    timeval tv{0, 200'000};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string in;
    char buf[4096];
    for (;;) {
      ssize_t n = read(c, buf, sizeof(buf));
      if (n == 0) break;
      if (n < 0) {
        if (stop_) break;
        continue;  // receive timeout: keep waiting for the client
      }
      in.append(buf, size_t(n));
      size_t end;
      bool keep = true;
      while (keep && (end = in.find("\r\n\r\n")) != std::string::npos) {
        in.erase(0, end + 4);
        keep = respond_(c, count_.fetch_add(1));
      }
      if (!keep) break;
    }
    close(c);
  }

  std::function<bool(int, int)> respond_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> count_{0};
  std::thread acceptor_;
  std::vector<std::thread> conns_;
};

bool Send(int fd, const std::string& s) {
  return write(fd, s.data(), s.size()) == ssize_t(s.size());
}

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

LoadResult MustRun(const LoadOptions& o) {
  auto r = RunLoad(o, nullptr, nullptr);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : LoadResult{};
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
