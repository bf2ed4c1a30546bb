// A blocking HTTP/1.1 client over a plain loopback socket, for tests of the
// target only (it understands exactly what the target sends: Content-Length
// framed responses).  Timeouts via poll(); failures are reported as false,
// never as hangs.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace vitals::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class TestHttpClient {
 public:
  explicit TestHttpClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    int one = 1;
    if (fd_ >= 0) setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~TestHttpClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  TestHttpClient(const TestHttpClient&) = delete;
  TestHttpClient& operator=(const TestHttpClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(size_t(n));
    }
    return true;
  }

  // One response; head_request: the body is absent despite Content-Length.
  bool Read(HttpResponse* out, int timeout_ms = 5000, bool head_request = false) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return false;
    }
    *out = HttpResponse{};
    std::string_view head(buf_.data(), end);
    if (head.substr(0, 9) != "HTTP/1.1 " || head.size() < 12) return false;
    out->status = std::stoi(std::string(head.substr(9, 3)));
    size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos < head.size()) {
      size_t next = head.find("\r\n", pos + 2);
      std::string_view line = head.substr(
          pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        out->headers[name] = std::string(v);
      }
      pos = next;
    }
    size_t length = 0;
    if (auto it = out->headers.find("content-length"); it != out->headers.end() && !head_request) {
      length = std::stoul(it->second);
    }
    while (buf_.size() < end + 4 + length) {
      if (!Fill(deadline)) return false;
    }
    out->body = buf_.substr(end + 4, length);
    buf_.erase(0, end + 4 + length);
    return true;
  }

  // True when the peer closes (EOF or reset) within timeout_ms and nothing
  // else arrives first.
  bool WaitForClose(int timeout_ms = 3000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    size_t before = buf_.size();
    while (Fill(deadline)) {
    }
    return eof_ && buf_.size() == before;
  }

 private:
  using Clock = std::chrono::steady_clock;

  bool Fill(Clock::time_point deadline) {
    if (fd_ < 0 || eof_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, int(left.count())) <= 0) return false;
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, size_t(n));
    return true;
  }

  int fd_ = -1;
  bool eof_ = false;
  std::string buf_;
};

}  // namespace vitals::testing
