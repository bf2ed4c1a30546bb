// The floor: the least CPU a closed-model HTTP load loop can spend per request
// on this kernel.  It writes a fixed request and reads the reply on C
// keep-alive connections from one thread, with no parsing, no clocks and no
// statistics: each read counts as one response (true for small replies with
// one request in flight per connection).  bench/side_by_side.sh runs it next
// to wrk and vitals so vitals' overhead above the kernel's own loopback TCP
// work can be quoted.
//
// Two modes, to choose the engine's I/O interface by measurement:
//   epoll   readiness loop: epoll_wait, read, write (EPOLLIN registered once)
//   uring   io_uring: one recv in flight per connection; on completion a send
//           and the next recv are queued; one io_uring_enter per batch
//
// Usage: floor_loop HOST PORT CONNECTIONS SECONDS [epoll|uring]
// Prints: requests, seconds, req/s, user+sys CPU seconds, CPU us per request.
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

double Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int Connect(const sockaddr_in& addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

unsigned long long RunEpoll(const std::vector<int>& fds, const std::string& req, double secs) {
  int ep = epoll_create1(0);
  for (size_t i = 0; i < fds.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fds[i];
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
    if (write(fds[i], req.data(), req.size()) < 0) std::exit(1);
  }
  char buf[8192];
  epoll_event events[512];
  unsigned long long n = 0;
  double end = Now() + secs;
  while (Now() < end) {
    int k = epoll_wait(ep, events, 512, 100);
    for (int i = 0; i < k; ++i) {
      int fd = events[i].data.fd;
      if (read(fd, buf, sizeof(buf)) <= 0) std::exit(1);
      ++n;
      if (write(fd, req.data(), req.size()) < 0) std::exit(1);
    }
  }
  close(ep);
  return n;
}

unsigned long long RunUring(const std::vector<int>& fds, const std::string& req, double secs) {
  io_uring ring;
  unsigned entries = 4096;
  if (io_uring_queue_init(entries, &ring, 0) != 0) {
    std::fprintf(stderr, "io_uring_queue_init failed\n");
    std::exit(1);
  }
  std::vector<std::vector<char>> bufs(fds.size(), std::vector<char>(8192));
  auto queue_recv = [&](size_t i) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_recv(sqe, fds[i], bufs[i].data(), bufs[i].size(), 0);
    io_uring_sqe_set_data64(sqe, i << 1);
  };
  auto queue_send = [&](size_t i) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_send(sqe, fds[i], req.data(), req.size(), 0);
    io_uring_sqe_set_data64(sqe, (i << 1) | 1);
  };
  for (size_t i = 0; i < fds.size(); ++i) {
    queue_send(i);
    queue_recv(i);
    if (io_uring_sq_space_left(&ring) < 4) io_uring_submit(&ring);
  }
  unsigned long long n = 0;
  double end = Now() + secs;
  while (Now() < end) {
    io_uring_submit_and_wait(&ring, 1);
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      uint64_t d = io_uring_cqe_get_data64(cqe);
      if (cqe->res < 0) {
        std::fprintf(stderr, "io_uring op failed: %s\n", std::strerror(-cqe->res));
        std::exit(1);
      }
      if ((d & 1) == 0) {  // a reply arrived: send the next request, wait for its reply
        ++n;
        size_t i = d >> 1;
        if (io_uring_sq_space_left(&ring) < 2) io_uring_submit(&ring);
        queue_send(i);
        queue_recv(i);
      }
    }
    io_uring_cq_advance(&ring, seen);
  }
  io_uring_queue_exit(&ring);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s HOST PORT CONNECTIONS SECONDS [epoll|uring]\n", argv[0]);
    return 2;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(std::atoi(argv[2])));
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 ||
      (ntohl(addr.sin_addr.s_addr) >> 24) != 127) {
    std::fprintf(stderr, "floor_loop: HOST must be an IPv4 loopback address (127.x.x.x)\n");
    return 2;
  }
  int conns = std::atoi(argv[3]);
  double secs = std::atof(argv[4]);
  std::string mode = argc > 5 ? argv[5] : "epoll";
  std::string req = "GET / HTTP/1.1\r\nHost: " + std::string(argv[1]) + ":" + argv[2] + "\r\n\r\n";
  std::vector<int> fds;
  for (int i = 0; i < conns; ++i) fds.push_back(Connect(addr));
  double cpu0 = CpuSeconds(), t0 = Now();
  unsigned long long n = mode == "uring" ? RunUring(fds, req, secs) : RunEpoll(fds, req, secs);
  double cpu = CpuSeconds() - cpu0, wall = Now() - t0;
  std::printf(
      "mode=%s connections=%d requests=%llu seconds=%.2f rate=%.0f cpu_s=%.3f "
      "cpu_us_per_req=%.3f\n",
      mode.c_str(), conns, n, wall, double(n) / wall, cpu, cpu * 1e6 / double(n));
  for (int fd : fds) close(fd);
  return 0;
}
