#include "target/worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include "core/clock.h"

namespace vitals::detail {
namespace {

constexpr int kMaxEvents = 256;
constexpr int kMaxAcceptsPerEvent = 64;
// Backpressure: stop reading (and parsing) while this many responses wait or
// this much output is unsent, so a client that pipelines without reading
// cannot grow our memory.
constexpr size_t kMaxQueued = 256;
constexpr size_t kOutHighWater = 256 * 1024;
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kKeepBufferBytes = 64 * 1024;
// After answering and shutting our side, wait this long for the peer's FIN
// before closing, so an error response is not destroyed by a reset.
constexpr int64_t kLingerNs = 1'000'000'000;
constexpr int64_t kAcceptRetryNs = 100'000'000;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

Worker::Worker(const WorkerShared* shared, ThreadMetrics* metrics, Fd listen_fd, uint64_t seed)
    : shared_(shared), metrics_(metrics), listen_fd_(std::move(listen_fd)), rng_(seed) {}

Worker::~Worker() = default;

Status Worker::Init() {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return Status::FromErrno("epoll_create1", errno);
  epoll_fd_ = Fd(epfd);
  int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) return Status::FromErrno("eventfd", errno);
  wake_fd_ = Fd(efd);
  if (!EpollSet(EPOLL_CTL_ADD, wake_fd_.get(), EPOLLIN, kWakeToken) ||
      !EpollSet(EPOLL_CTL_ADD, listen_fd_.get(), EPOLLIN, kListenToken)) {
    return Status::FromErrno("epoll_ctl", errno);
  }
  return Status::Ok();
}

bool Worker::EpollSet(int op, int fd, uint32_t events, uint64_t token) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = token;
  return epoll_ctl(epoll_fd_.get(), op, fd, &ev) == 0;
}

void Worker::Wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
}

void Worker::Run() {
  epoll_event events[kMaxEvents];
  while (!shared_->stop.load(std::memory_order_acquire)) {
    int64_t timeout_ns = -1;
    if (!timers_.empty()) timeout_ns = std::max<int64_t>(0, timers_.top().due_ns - MonotonicNs());
    int n;
    if (timeout_ns < 0) {
      n = epoll_pwait2(epoll_fd_.get(), events, kMaxEvents, nullptr, nullptr);
    } else {
      // Nanosecond timeout: delays keep sub-millisecond resolution.
      timespec ts{time_t(timeout_ns / 1'000'000'000), long(timeout_ns % 1'000'000'000)};
      n = epoll_pwait2(epoll_fd_.get(), events, kMaxEvents, &ts, nullptr);
    }
    int64_t now = MonotonicNs();
    for (int i = 0; i < n; ++i) {
      uint64_t token = events[i].data.u64;
      if (token == kListenToken) {
        Accept(now);
      } else if (token == kWakeToken) {
        uint64_t v;
        [[maybe_unused]] ssize_t r = ::read(wake_fd_.get(), &v, sizeof v);
      } else {
        Connection& c = *connections_[uint32_t(token) - kFirstConnectionToken];
        if (c.fd.valid() && Token(c) == token) OnConnectionEvent(c, events[i].events, now);
      }
    }
    RunTimers(MonotonicNs());
  }
  for (auto& c : connections_) {
    if (c->fd.valid()) Close(*c);
  }
}

void Worker::Accept(int64_t now) {
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: level-triggered readiness would spin, so stop
        // watching the listener for a moment.
        EpollSet(EPOLL_CTL_DEL, listen_fd_.get(), 0, 0);
        accept_paused_ = true;
        timers_.Push(now + kAcceptRetryNs, TimerPayload{nullptr, 0, TimerKind::kAcceptResume});
      }
      return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Connection* c;
    if (!free_.empty()) {
      c = free_.back();
      free_.pop_back();
    } else {
      connections_.push_back(std::make_unique<Connection>());
      c = connections_.back().get();
      c->index = uint32_t(connections_.size() - 1);
      c->parser = RequestParser(shared_->options.limits);
    }
    c->fd = Fd(fd);
    c->link.fd = fd;
    c->link.io = &PlainTransport();
    if (shared_->tls) {
      if (!shared_->tls->Attach(c->link).ok()) {
        c->link.Reset();
        c->fd.Reset();
        free_.push_back(c);
        continue;
      }
      c->handshaking = true;
    }
    if (shared_->options.http2) {
      auto h2 = H2ServerSession::Create();
      if (!h2.ok()) {
        c->link.Reset();
        c->fd.Reset();
        free_.push_back(c);
        continue;
      }
      c->h2 = std::move(h2).value();
    }
    c->interest = EPOLLIN;
    if (!EpollSet(EPOLL_CTL_ADD, fd, EPOLLIN, Token(*c))) {
      c->fd.Reset();
      free_.push_back(c);
      continue;
    }
    metrics_->AddConnections(1);
  }
}

void Worker::OnConnectionEvent(Connection& c, uint32_t events, int64_t now) {
  if (events & (EPOLLERR | EPOLLHUP)) {
    Close(c);
    return;
  }
  if (c.handshaking) {
    if (!Handshake(c)) return;
    if (c.handshaking) {
      UpdateInterest(c);
      return;
    }
    events |= EPOLLIN;  // the client's first request may already be decoded
  }
  if (events & EPOLLIN) {
    if (!ReadInput(c)) return;
  }
  Drive(c, now);
}

bool Worker::Handshake(Connection& c) {
  switch (TlsServer::Handshake(c.link)) {
    case HandshakeStatus::kRetry:
      return true;
    case HandshakeStatus::kError:
      Close(c);
      return false;
    case HandshakeStatus::kDone:
      c.handshaking = false;
      return true;
  }
  return true;
}

bool Worker::ReadInput(Connection& c) {
  if (c.lingering) {
    char sink[4096];
    ssize_t n = ::recv(c.fd.get(), sink, sizeof sink, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      Close(c);
      return false;
    }
    return true;
  }
  // One read per readiness event: with level-triggered epoll, more data
  // simply reports again, and we save the final read that says EAGAIN.
  // TLS may hold decoded bytes beyond one chunk (no readiness event would report them), so
  // a TLS connection reads until nothing is pending.
  do {
    char* dst = c.in.PrepareWrite(kReadChunk);
    size_t n = 0;
    const IoStatus st = c.link.io->read(c.link, dst, c.in.writable(), &n);
    if (st == IoStatus::kError) {
      Close(c);
      return false;
    }
    if (st == IoStatus::kRetry) break;
    if (n == 0) {
      c.peer_closed = true;
      break;
    }
    c.in.Commit(n);
  } while (c.link.io->pending(c.link));
  return true;
}

void Worker::Drive(Connection& c, int64_t now) {
  if (c.h2) {
    DriveH2(c, now);
    return;
  }
  if (!c.lingering) {
    for (int round = 0; round < 64; ++round) {
      ParseRequests(c, now);
      bool popped = FlushReady(c, now);
      if (!SendOut(c)) {
        Close(c);
        return;
      }
      if (!popped || c.stop_parsing || c.in.empty() || c.out.size() >= kOutHighWater) break;
    }
    if (c.out.empty()) {
      if (c.close_pending) {
        BeginLinger(c, now);
      } else if (c.peer_closed && c.queue.empty()) {
        Close(c);
        return;
      }
    }
  }
  UpdateInterest(c);
}

void Worker::ParseRequests(Connection& c, int64_t now) {
  while (!c.stop_parsing) {
    if (c.body_to_skip > 0) {
      size_t take = size_t(std::min<int64_t>(c.body_to_skip, int64_t(c.in.size())));
      c.in.Consume(take);
      c.body_to_skip -= int64_t(take);
      if (c.body_to_skip > 0) return;
      Enqueue(c, c.awaiting_body, now);
      continue;
    }
    if (c.in.empty() || c.queue.size() >= kMaxQueued) return;
    RequestHead head;
    RequestParser::Outcome o = c.parser.Parse(c.in.view(), &head);
    if (o == RequestParser::Outcome::kIncomplete) return;
    if (o == RequestParser::Outcome::kError) {
      Pending p;
      p.route = Route::kBadRequest;
      p.status = uint16_t(c.parser.error_status());
      p.reason = c.parser.error_reason();
      p.mode = ConnMode::kClose;
      p.series = SeriesFor(c, "OTHER", "/_invalid", p.status);
      c.in.Consume(c.in.size());
      Enqueue(c, p, now);
      return;
    }
    Pending p = RouteRequest(c, head, now);
    const bool expect_continue = head.expect_continue;
    const int64_t body = head.content_length;
    c.in.Consume(head.head_bytes);  // `head` views are invalid from here on
    c.parser.Reset();
    if (body > 0) {
      c.awaiting_body = p;
      c.body_to_skip = body;
      if (expect_continue && c.queue.empty() && c.in.empty()) c.out.Append(kContinue);
      continue;
    }
    Enqueue(c, p, now);
  }
}

Worker::Pending Worker::RouteRequest(Connection& c, const RequestHead& head, int64_t now) {
  Pending p;
  p.head_only = head.method == "HEAD";
  p.mode = !head.keep_alive          ? ConnMode::kClose
           : head.version_minor == 0 ? ConnMode::kKeepAlive10
                                     : ConnMode::kKeepAlive11;
  std::string_view path = PathLabel(head.target);
  std::string_view method = MethodLabel(head.method);
  if (path == "/metrics") {
    p.route = Route::kMetrics;
  } else if (path == "/healthz") {
    p.route = Route::kHealthz;
  } else {
    const TargetOptions& o = shared_->options;
    const bool degraded = o.degrade.Contains(now - shared_->start_ns);
    const double error_rate =
        degraded && o.degrade.error_rate >= 0 ? o.degrade.error_rate : o.error_rate;
    if (error_rate > 0 && rng_.NextDouble() < error_rate) p.status = uint16_t(o.error_status);
    p.latency_ns =
        SampleLatencyNs(degraded && o.degrade.has_latency ? o.degrade.latency : o.latency, rng_);
    if (modes_ != nullptr && p.status == 200) ApplyModes(p, now);
  }
  p.series = SeriesFor(c, method, path, p.status);
  return p;
}

void Worker::ApplyModes(Pending& p, int64_t now) {
  const ModeResult m = modes_->Handle(now, rng_);
  p.latency_ns += m.added_ns;
  if (m.answered) {
    p.route = Route::kBackend;
    p.status = uint16_t(m.status);
    p.reason = m.label;
    p.rows = m.rows;
  }
}

Series* Worker::SeriesFor(Connection& c, std::string_view method, std::string_view path, int code) {
  // A connection usually repeats one request; remember its series.
  Series* s = c.cached_series;
  if (s != nullptr && s->code() == code && s->method() == method && s->path() == path) return s;
  s = metrics_->Find(method, path, code);
  if (s != nullptr && s->path() == path) c.cached_series = s;
  return s;
}

void Worker::Enqueue(Connection& c, const Pending& pending, int64_t now) {
  Pending p = pending;
  p.arrival_ns = now;
  p.due_ns = now;
  if (p.route == Route::kDefault || p.route == Route::kBackend) {
    const StallSchedule& stall = shared_->options.stall;
    if (stall.enabled()) {
      const int64_t start = shared_->start_ns;
      p.due_ns = start + stall.DueNs(now - start, p.latency_ns);
    } else {
      p.due_ns = now + p.latency_ns;
    }
  }
  if (p.mode == ConnMode::kClose) c.stop_parsing = true;
  metrics_->AddInflight(1);
  c.queue.push_back(p);
}

bool Worker::FlushReady(Connection& c, int64_t now) {
  bool popped = false;
  while (!c.queue.empty() && c.out.size() < kOutHighWater) {
    const Pending& p = c.queue.front();
    if (p.due_ns > now) break;
    WriteResponse(c, p);
    if (p.series != nullptr) {
      p.series->Record(now - p.arrival_ns);
    } else {
      metrics_->NoteDropped();
    }
    metrics_->AddInflight(-1);
    const bool close = p.mode == ConnMode::kClose;
    c.queue.pop_front();
    popped = true;
    if (close) {
      c.close_pending = true;
      break;
    }
  }
  if (!c.queue.empty() && c.queue.front().due_ns > now) ArmFor(c, c.queue.front().due_ns);
  return popped;
}

void Worker::WriteResponse(Connection& c, const Pending& p) {
  const CannedResponses& canned = shared_->canned;
  switch (p.route) {
    case Route::kDefault:
      c.out.Append(p.status == 200 ? canned.Ok(p.mode, p.head_only)
                                   : canned.Error(p.mode, p.head_only));
      break;
    case Route::kHealthz:
      c.out.Append(canned.Health(p.mode, p.head_only));
      break;
    case Route::kMetrics:
      c.out.Append(BuildResponse(200, kMetricsContentType, RenderTargetMetrics(*shared_), p.mode,
                                 p.head_only));
      break;
    case Route::kBackend:
      c.out.Append(
          BuildResponse(p.status, "text/plain",
                        p.rows >= 0 ? std::to_string(p.rows) + "\n" : std::string(p.reason) + "\n",
                        p.mode, p.head_only));
      break;
    case Route::kBadRequest:
      c.out.Append(BuildResponse(p.status, "text/plain", std::string(p.reason) + "\n",
                                 ConnMode::kClose, false));
      break;
  }
}

bool Worker::SendOut(Connection& c) {
  while (!c.out.empty() && !c.link.ssl) {
    ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.Consume(size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    return false;
  }
  while (!c.out.empty()) {  // TLS
    size_t n = 0;
    const IoStatus st = c.link.io->write(c.link, c.out.data(), c.out.size(), &n);
    if (st == IoStatus::kOk) {
      c.out.Consume(n);
      continue;
    }
    return st == IoStatus::kRetry;
  }
  return true;
}

void Worker::UpdateInterest(Connection& c) {
  if (!c.fd.valid()) return;  // closed while being driven
  uint32_t want = 0;
  if (c.handshaking) {
    want = c.link.want_write ? EPOLLIN | EPOLLOUT : EPOLLIN;
  } else if (c.lingering) {
    want = EPOLLIN;
  } else {
    if (!c.peer_closed && !c.stop_parsing && c.queue.size() < kMaxQueued &&
        c.out.size() < kOutHighWater) {
      want |= EPOLLIN;
    }
    if (!c.out.empty()) want |= EPOLLOUT;
  }
  if (want != c.interest) {
    if (EpollSet(EPOLL_CTL_MOD, c.fd.get(), want, Token(c))) c.interest = want;
  }
}

void Worker::BeginLinger(Connection& c, int64_t now) {
  if (c.peer_closed) {
    Close(c);
    return;
  }
  TlsServer::Shutdown(c.link);
  ::shutdown(c.fd.get(), SHUT_WR);
  c.lingering = true;
  c.in.Clear(kKeepBufferBytes);
  timers_.Push(now + kLingerNs, TimerPayload{&c, c.generation, TimerKind::kLinger});
}

void Worker::ArmFor(Connection& c, int64_t due_ns) {
  // An earlier timer for this connection is still in the heap; when it
  // fires, FlushReady arms the next one.
  if (due_ns >= c.armed_due_ns) return;
  c.armed_due_ns = due_ns;
  timers_.Push(due_ns, TimerPayload{&c, c.generation, TimerKind::kDue});
}

void Worker::Close(Connection& c) {
  if (!c.fd.valid()) return;
  // Closing the descriptor also removes it from the epoll set.
  c.link.Reset();
  c.fd.Reset();
  c.handshaking = false;
  metrics_->AddConnections(-1);
  metrics_->AddInflight(-int64_t(c.queue.size() + c.h2_pending.size()));
  c.queue.clear();
  c.h2.reset();
  c.h2_pending.clear();
  c.in.Clear(kKeepBufferBytes);
  c.out.Clear(kKeepBufferBytes);
  c.parser.Reset();
  c.generation++;
  c.interest = 0;
  c.body_to_skip = 0;
  c.armed_due_ns = INT64_MAX;
  c.cached_series = nullptr;
  c.stop_parsing = c.close_pending = c.peer_closed = c.lingering = false;
  free_.push_back(&c);
}

void Worker::RunTimers(int64_t now) {
  while (!timers_.empty() && timers_.top().due_ns <= now) {
    auto e = timers_.Pop();
    const TimerPayload& t = e.payload;
    if (t.kind == TimerKind::kAcceptResume) {
      if (accept_paused_ && EpollSet(EPOLL_CTL_ADD, listen_fd_.get(), EPOLLIN, kListenToken)) {
        accept_paused_ = false;
      }
      continue;
    }
    Connection& c = *t.conn;
    if (!c.fd.valid() || c.generation != t.generation) continue;  // stale
    if (t.kind == TimerKind::kLinger) {
      if (c.lingering) Close(c);
      continue;
    }
    if (e.due_ns == c.armed_due_ns) c.armed_due_ns = INT64_MAX;
    Drive(c, now);
  }
}

}  // namespace vitals::detail
