#include "net/event_loop.h"

#include <cerrno>
#include <ctime>

namespace vitals {

Result<EventLoop> EventLoop::Create() {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return Status::FromErrno("epoll_create1", errno);
  return EventLoop(Fd(fd));
}

Status EventLoop::Add(int fd, uint32_t events, uint64_t data) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = data;
  if (epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
    return Status::FromErrno("epoll_ctl add", errno);
  return Status::Ok();
}

Status EventLoop::Modify(int fd, uint32_t events, uint64_t data) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = data;
  if (epoll_ctl(epfd_.get(), EPOLL_CTL_MOD, fd, &ev) != 0)
    return Status::FromErrno("epoll_ctl mod", errno);
  return Status::Ok();
}

void EventLoop::Remove(int fd) { epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, fd, nullptr); }

int EventLoop::Wait(epoll_event* out, int max_events, int64_t timeout_ns) {
  int n;
  if (timeout_ns < 0) {
    n = epoll_pwait2(epfd_.get(), out, max_events, nullptr, nullptr);
  } else {
    timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000),
                static_cast<long>(timeout_ns % 1'000'000'000)};
    n = epoll_pwait2(epfd_.get(), out, max_events, &ts, nullptr);
  }
  if (n < 0 && errno == EINTR) return 0;
  return n;
}

}  // namespace vitals
