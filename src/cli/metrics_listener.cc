#include "cli/metrics_listener.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "target/listen_address.h"

namespace vitals::cli {

Result<std::unique_ptr<MetricsListener>> MetricsListener::Start(
    const std::string& address, std::function<std::string()> render) {
  auto addr = ParseListenAddress(address);
  if (!addr.ok()) return addr.status();
  int fd = ::socket(addr->family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket", errno);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, addr->sockaddr_ptr(), addr->length) != 0 || ::listen(fd, 16) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("listen on " + addr->HostPort(), err);
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  ListenAddress actual = *addr;
  actual.storage = bound;
  actual.length = len;
  std::unique_ptr<MetricsListener> l(new MetricsListener());
  l->fd_ = fd;
  l->url_ = "http://" + actual.HostPort() + "/metrics";
  l->render_ = std::move(render);
  l->thread_ = std::thread([p = l.get()] { p->Serve(); });
  return l;
}

MetricsListener::~MetricsListener() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void MetricsListener::Publish(std::string page) {
  std::lock_guard<std::mutex> lock(mu_);
  page_ = std::move(page);
}

void MetricsListener::Serve() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    Answer(c);
    ::close(c);
  }
}

void MetricsListener::Answer(int fd) {
  // Read the request head: at most 8 KiB, at most one second.
  std::string req;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  char buf[2048];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 8192) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, int(left)) <= 0) return;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return;
    req.append(buf, size_t(n));
  }
  bool metrics = req.rfind("GET /metrics", 0) == 0 && (req[12] == ' ' || req[12] == '?');
  std::string body, status = "200 OK";
  if (!metrics) {
    status = "404 Not Found";
    body = "only GET /metrics is served here\n";
  } else if (render_) {
    body = render_();
  } else {
    std::lock_guard<std::mutex> lock(mu_);
    body = page_;
  }
  std::string head = fmt::format(
      "HTTP/1.1 {}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
      "Content-Length: {}\r\nConnection: close\r\n\r\n",
      status, body.size());
  std::string all = head + body;
  size_t off = 0;
  while (off < all.size()) {
    ssize_t n = ::write(fd, all.data() + off, all.size() - off);
    if (n <= 0) return;
    off += size_t(n);
  }
}

}  // namespace vitals::cli
