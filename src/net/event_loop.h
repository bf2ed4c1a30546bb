// A thin epoll wrapper: one per worker thread, never shared.
//
// Why epoll and not io_uring: for the engine's pattern (one small write and
// one small read per request on many sockets) a readiness loop needs exactly
// read() + write() per request plus an amortised epoll_wait; bench/floor_loop
// measures both (BENCHMARKS.md) and epoll was the cheaper on these machines.
// Interest is registered once per socket: EPOLLIN for a connected socket,
// EPOLLOUT only while a connect is in progress or a write would block, so the
// request path makes no epoll_ctl calls (wrk re-arms write interest per request).
//
// Waits take a nanosecond timeout (epoll_pwait2), so the open-model schedule
// gets sub-millisecond timer resolution without a timerfd.
#pragma once

#include <sys/epoll.h>

#include <cstdint>

#include "core/status.h"
#include "net/socket.h"

namespace vitals {

class EventLoop {
 public:
  static Result<EventLoop> Create();
  EventLoop(EventLoop&&) = default;
  EventLoop& operator=(EventLoop&&) = default;

  // `data` is returned with each event (the engine passes a connection
  // index and generation, so a stale event for a reused slot is ignored).
  Status Add(int fd, uint32_t events, uint64_t data);
  Status Modify(int fd, uint32_t events, uint64_t data);
  // Pointer forms: read the event back with `data.ptr`.
  Status Add(int fd, uint32_t events, void* ptr) {
    return Add(fd, events, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(ptr)));
  }
  Status Modify(int fd, uint32_t events, void* ptr) {
    return Modify(fd, events, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(ptr)));
  }
  void Remove(int fd);
  // Waits up to timeout_ns (<0: forever, 0: poll).  Returns the number of
  // events written to `out` (0 on timeout or EINTR), or -1 with errno.
  int Wait(epoll_event* out, int max_events, int64_t timeout_ns);

 private:
  explicit EventLoop(Fd fd) : epfd_(std::move(fd)) {}
  Fd epfd_;
};

}  // namespace vitals
