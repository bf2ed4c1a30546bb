// Engine tests' fixtures: a loopback HTTP server that calls a function per request, which
// writes whatever it likes (good answers, bad ones, slow ones; one thread per connection),
// and RunLoad that fails the test on an error.
#pragma once

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

#include "load/engine.h"

namespace vitals {

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

inline bool Send(int fd, const std::string& s) {
  return write(fd, s.data(), s.size()) == ssize_t(s.size());
}

inline LoadResult MustRun(const LoadOptions& o) {
  auto r = RunLoad(o, nullptr, nullptr);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : LoadResult{};
}

}  // namespace vitals
