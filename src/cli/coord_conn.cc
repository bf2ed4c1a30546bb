#include "cli/coord_conn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "core/clock.h"

namespace vitals::cli {
namespace {

constexpr int kSendTimeoutS = 5;

int64_t NowMs() { return MonotonicNs() / 1'000'000; }

void SetSendTimeout(int fd) {
  timeval tv{kSendTimeoutS, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

Result<HostPort> ParseHostPort(const std::string& flag, const std::string& text) {
  HostPort hp;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::InvalidArgument(
          fmt::format("{} '{}': expected [IPV6]:PORT, e.g. [::1]:7070", flag, text));
    }
    hp.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument(
          fmt::format("{} '{}': expected HOST:PORT, e.g. 127.0.0.1:7070", flag, text));
    }
    hp.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  char* end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535) {
    return Status::InvalidArgument(
        fmt::format("{} '{}': the port must be a number 0..65535", flag, text));
  }
  hp.port = uint16_t(p);
  return hp;
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

FrameConn::~FrameConn() { Close(); }

void FrameConn::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<FrameConn> FrameConn::Connect(const HostPort& to, int64_t timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  std::string last = "no attempt";
  const std::string where = fmt::format("{}:{}", to.host, to.port);
  for (;;) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(to.port);
    if (int rc = getaddrinfo(to.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
      last = fmt::format("cannot resolve '{}': {}", to.host, gai_strerror(rc));
    } else {
      for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
          pollfd p{fd, POLLOUT, 0};
          const int64_t left = std::max<int64_t>(1, std::min<int64_t>(deadline - NowMs(), 5000));
          if (poll(&p, 1, int(left)) == 1) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            errno = err;
          } else {
            errno = ETIMEDOUT;
            rc = -1;
          }
        }
        if (rc == 0) {
          freeaddrinfo(res);
          fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
          SetSendTimeout(fd);
          return FrameConn(fd);
        }
        last = std::strerror(errno);
        ::close(fd);
      }
      freeaddrinfo(res);
    }
    if (NowMs() + 250 >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return Status::Unavailable(fmt::format(
      "cannot reach the coordinator at {} within {} ms ({}); is `vitals coordinate --listen "
      "{}` running, and is the address right? (--coordinator-timeout sets how long to try)",
      where, timeout_ms, last, where));
}

Status FrameConn::Send(FrameKind kind, const nlohmann::json& payload) {
  const std::string bytes = EncodeFrame(kind, payload);
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status::Unavailable(fmt::format("sending a {} frame: {}", FrameKindName(uint8_t(kind)),
                                             n < 0 ? std::strerror(errno) : "connection closed"));
    }
    off += size_t(n);
  }
  return Status::Ok();
}

void FrameConn::ReadAvailable() {
  char buf[65536];
  while (closed_why_.empty() && fd_ >= 0) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return;
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) {
      closed_why_ = std::string("connection broke: ") + std::strerror(errno);
    } else if (n == 0) {
      closed_why_ = "connection closed by the peer";
    } else {
      reader_.Feed(buf, size_t(n));
      if (reader_.buffered() > kMaxFramePayload + kFrameHeaderSize) return;
    }
  }
}

Result<std::optional<Frame>> FrameConn::Next() {
  auto f = reader_.Next();
  if (!f.ok() || f->has_value() || closed_why_.empty()) return f;
  Status at_end = reader_.AtEnd();
  return Status::Unavailable(at_end.ok() ? closed_why_ : closed_why_ + ": " + at_end.message());
}

Result<std::optional<Frame>> FrameConn::Receive(int64_t timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    auto f = Next();
    if (!f.ok() || f->has_value()) return f;
    const int64_t left = deadline - NowMs();
    if (left <= 0) return std::optional<Frame>();
    pollfd p{fd_, POLLIN, 0};
    int rc = poll(&p, 1, int(std::min<int64_t>(left, 1000)));
    if (rc < 0 && errno != EINTR) return Status::Unavailable(std::strerror(errno));
    if (rc > 0) ReadAvailable();
  }
}

FrameListener::~FrameListener() {
  if (fd_ >= 0) ::close(fd_);
}

Result<FrameListener> FrameListener::Listen(const HostPort& at) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(at.port);
  if (int rc = getaddrinfo(at.host.empty() ? nullptr : at.host.c_str(), port.c_str(), &hints, &res);
      rc != 0) {
    return Status::InvalidArgument(
        fmt::format("--listen: cannot resolve '{}': {}", at.host, gai_strerror(rc)));
  }
  std::string last = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
      const uint16_t bound = ss.ss_family == AF_INET6
                                 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                 : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
      freeaddrinfo(res);
      return FrameListener(fd, bound);
    }
    last = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(res);
  return Status::InvalidArgument(
      fmt::format("--listen {}:{}: cannot listen there ({}); pick a free port or another address",
                  at.host, at.port, last));
}

std::optional<FrameConn> FrameListener::Accept(std::string* peer) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  int fd = accept4(fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char host[NI_MAXHOST] = "";
  char serv[NI_MAXSERV] = "";
  getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, serv, sizeof serv,
              NI_NUMERICHOST | NI_NUMERICSERV);
  if (peer) *peer = fmt::format("{}:{}", host, serv);
  SetSendTimeout(fd);
  return FrameConn(fd);
}

}  // namespace vitals::cli
