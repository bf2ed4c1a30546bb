#include "load/worker.h"

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

#include "core/clock.h"
#include "load/http_response_parser.h"
#include "net/event_loop.h"
#include "net/socket.h"

namespace vitals {

struct Worker::Conn {
  enum State : uint8_t { kClosed, kConnecting, kIdle, kBusy };
  Fd fd;
  ResponseParser parser;
  State state = kClosed;
  bool has_request = false;  // a request is assigned (busy, or waiting for the connect)
  bool want_write = false;   // EPOLLOUT registered because a write would block
  bool first_byte = false;
  int phase = 0;
  uint32_t write_off = 0;
  uint32_t index = 0;      // slot in conns_
  uint32_t gen = 0;        // bumped on every open; stale events carry an old one
  int64_t due_ns = 0;      // intended send time (from run start)
  int64_t send_ns = 0;     // actual send time, or connect start while connecting
  int64_t connect_ns = 0;  // connect start
  int64_t retry_ns = 0;    // closed model: do not reopen before this (after a failure)
  Conn* prev = nullptr;    // in-flight list, oldest first
  Conn* next = nullptr;
  Conn* next_free = nullptr;  // idle stack / closed stack
};

namespace {
constexpr int kMaxEvents = 512;
constexpr size_t kReadBuf = 64 * 1024;
constexpr int64_t kTickNs = 10'000'000;        // closed-model level check, retry pacing
constexpr int64_t kPublishNs = 100'000'000;    // progress counters
constexpr int64_t kRetryDelayNs = 10'000'000;  // after a failed connect (closed model)
}  // namespace

class Worker::Impl {
 public:
  Impl(const WorkerConfig& cfg, LoadStats& stats, WorkerProgress& progress)
      : cfg_(cfg), stats_(stats), progress_(progress), buf_(kReadBuf) {
    conns_.resize(size_t(std::max(cfg.max_connections, cfg.connections)));
    for (size_t i = conns_.size(); i-- > 0;) {
      conns_[i].index = uint32_t(i);
      PushClosed(&conns_[i]);
    }
    if (cfg_.model == LoadModel::kOpen) {
      next_k_ = cfg_.offset;
      total_ = cfg_.plan->TotalRequests();
      // A global request cap (--requests) keeps the first N of the schedule.
      if (cfg_.max_requests > 0) total_ = std::min(total_, cfg_.max_requests);
    }
  }

  Status Run(int64_t start_ns) {
    start_ns_ = start_ns;
    auto loop = EventLoop::Create();
    if (!loop.ok()) return loop.status();
    loop_ = &*loop;
    const int64_t end_ns = cfg_.plan->total_ns();
    int64_t now = Now();
    // Open model: pre-open the initial connections so the first requests do
    // not pay for a handshake.  The closed model opens its connections with a
    // request already assigned (first dispatch below).
    int initial = cfg_.model == LoadModel::kOpen ? cfg_.connections : 0;
    for (int i = 0; i < initial; ++i) {
      Conn* c = PopClosed(now, /*ignore_retry=*/true);
      if (!c) break;
      Open(c, now);
    }
    epoll_event events[kMaxEvents];
    int64_t next_tick = now;
    int64_t next_publish = now + kPublishNs;
    bool interrupted = false;
    for (;;) {
      now = Now();
      if (!interrupted && cfg_.stop && cfg_.stop->load(std::memory_order_relaxed)) {
        interrupted = true;
        sending_ = false;
        drain_deadline_ = now + std::min<int64_t>(cfg_.timeout_ns, 2'000'000'000);
      }
      if (sending_ && ShouldStopSending(now, end_ns)) {
        sending_ = false;
        drain_deadline_ = now + cfg_.timeout_ns;
      }
      if (sending_) {
        if (cfg_.model == LoadModel::kOpen) {
          Dispatch(now);
        } else if (now >= next_tick) {
          Dispatch(now);
          next_tick = now + kTickNs;
        }
      }
      ExpireTimeouts(now);
      if (now >= next_publish) {
        Publish();
        next_publish = now + kPublishNs;
      }
      if (!sending_ && inflight_ == 0) break;
      if (!sending_ && now >= drain_deadline_) {
        // Whatever is still in flight has had its full --timeout.
        while (head_) Fail(head_, NetError::kTimeout, now);
        break;
      }
      int64_t wake = WakeTime(now, next_tick, next_publish, end_ns);
      int n = loop_->Wait(events, kMaxEvents, std::max<int64_t>(0, wake - now));
      if (n < 0) return Status::FromErrno("epoll_pwait2", errno);
      for (int i = 0; i < n; ++i) {
        uint64_t tag = events[i].data.u64;
        Conn* c = &conns_[size_t(tag & 0xffffffffu)];
        if (c->gen != uint32_t(tag >> 32) || c->state == Conn::kClosed) continue;  // stale
        Handle(c, events[i].events);
      }
    }
    // Close everything; the OS would, but fds are a process-wide resource and
    // the engine may run again in the same process (tests).
    for (auto& c : conns_) c.fd.Reset();
    Publish();
    return Status::Ok();
  }

 private:
  int64_t Now() const { return MonotonicNs() - start_ns_; }

  // ---- connection lists -------------------------------------------------
  void PushIdle(Conn* c) {
    c->state = Conn::kIdle;
    c->next_free = idle_;
    idle_ = c;
  }
  Conn* PopIdle() {
    Conn* c = idle_;
    if (c) idle_ = c->next_free;
    return c;
  }
  void PushClosed(Conn* c) {
    c->state = Conn::kClosed;
    c->next_free = closed_;
    closed_ = c;
  }
  Conn* PopClosed(int64_t now, bool ignore_retry) {
    Conn* c = closed_;
    if (!c || (!ignore_retry && c->retry_ns > now)) return nullptr;
    closed_ = c->next_free;
    return c;
  }
  void InflightPush(Conn* c) {
    c->prev = tail_;
    c->next = nullptr;
    if (tail_)
      tail_->next = c;
    else
      head_ = c;
    tail_ = c;
    ++inflight_;
    stats_.max_inflight = std::max<uint64_t>(stats_.max_inflight, inflight_);
  }
  void InflightRemove(Conn* c) {
    if (c->prev)
      c->prev->next = c->next;
    else
      head_ = c->next;
    if (c->next)
      c->next->prev = c->prev;
    else
      tail_ = c->prev;
    c->prev = c->next = nullptr;
    --inflight_;
  }

  // ---- scheduling ---------------------------------------------------------
  bool ShouldStopSending(int64_t now, int64_t end_ns) const {
    if (cfg_.model == LoadModel::kOpen) return next_k_ >= total_;
    if (cfg_.max_requests > 0 && sent_ >= cfg_.max_requests) return true;
    return now >= end_ns;
  }

  int ClosedTarget(int64_t now) const {
    double level = std::floor(cfg_.plan->LevelAt(now) + 1e-9);
    int64_t total = int64_t(level);
    int64_t share = total / cfg_.worker_count + (cfg_.worker_index < total % cfg_.worker_count);
    return int(std::min<int64_t>(share, int64_t(conns_.size())));
  }

  void DispatchOpen(int64_t now) {
    while (next_k_ < total_) {
      int64_t due = cfg_.plan->DueNs(next_k_);
      if (due < 0) {
        next_k_ = total_;
        break;
      }
      if (due > now) {
        next_due_ = due;
        return;
      }
      if (now - due > cfg_.timeout_ns) {
        // Waited a whole timeout for a free connection: dropped, never sent.
        ++stats_.dropped;
        ++stats_.phases[cfg_.plan->StageAt(due)].dropped;
        next_k_ += cfg_.stride;
        continue;
      }
      Conn* c = PopIdle();
      if (!c) {
        c = PopClosed(now, /*ignore_retry=*/false);
        if (!c) {
          next_due_ = -1;  // backlog: wait for a connection to free up
          return;
        }
        if (!Open(c, now)) {
          // Connect failed synchronously; the request failed with it.
          FailUnsent(due);
          next_k_ += cfg_.stride;
          continue;
        }
        Assign(c, due, now);
      } else {
        Assign(c, due, now);
      }
      next_k_ += cfg_.stride;
    }
    next_due_ = -1;
  }

  void DispatchClosed(int64_t now) {
    int target = ClosedTarget(now);
    while (busy_ < target && !ShouldStopSending(now, cfg_.plan->total_ns())) {
      Conn* c = PopIdle();
      if (c) {
        Assign(c, now, now);
        continue;
      }
      c = PopClosed(now, /*ignore_retry=*/false);
      if (!c) return;
      if (Open(c, now)) {
        Assign(c, now, now);
      } else {
        ++sent_;  // the attempt counts as a (failed) request
        CountRequestFailure(cfg_.plan->StageAt(now));
      }
    }
  }

  int64_t WakeTime(int64_t now, int64_t next_tick, int64_t next_publish, int64_t end_ns) const {
    int64_t wake = next_publish;
    if (sending_) {
      if (cfg_.model == LoadModel::kOpen) {
        if (next_due_ >= 0) wake = std::min(wake, next_due_);
      } else {
        wake = std::min(wake, std::max(next_tick, now));
        wake = std::min(wake, end_ns);
      }
    } else {
      wake = std::min(wake, drain_deadline_);
    }
    if (head_) wake = std::min(wake, head_->send_ns + cfg_.timeout_ns);
    return wake;
  }

  // ---- connection lifecycle ---------------------------------------------
  static uint64_t Tag(const Conn* c) { return (uint64_t(c->gen) << 32) | c->index; }

  // Starts a connect; returns false (and counts the failure) if it failed at once.
  bool Open(Conn* c, int64_t now) {
    int err = 0;
    auto fd = StartConnect(reinterpret_cast<const sockaddr*>(&cfg_.addr), cfg_.addr_len, &err);
    if (!fd.ok()) {
      ConnectFailed(c, err, now);
      return false;
    }
    c->fd = std::move(fd).value();
    c->state = Conn::kConnecting;
    c->connect_ns = now;
    ++c->gen;
    c->has_request = false;
    c->want_write = false;
    if (!loop_->Add(c->fd.get(), EPOLLOUT, Tag(c)).ok()) {
      c->fd.Reset();
      ConnectFailed(c, EMFILE, now);
      return false;
    }
    return true;
  }

  void ConnectFailed(Conn* c, int err, int64_t now) {
    ++stats_.connect_failed;
    ++stats_.net_errors[size_t(ClassifyErrno(err))];
    c->retry_ns = now + kRetryDelayNs;
    PushClosed(c);
  }

  // Gives connection c the request due at `due`.  c is idle (send now) or
  // connecting (sent when the connect completes).
  void Assign(Conn* c, int64_t due, int64_t now) {
    c->has_request = true;
    c->due_ns = due;
    c->phase = cfg_.plan->StageAt(due);
    ++sent_;
    ++busy_;
    if (c->state == Conn::kConnecting) {
      c->send_ns = c->connect_ns;
      InflightPush(c);
      return;
    }
    c->state = Conn::kBusy;
    c->send_ns = now;
    InflightPush(c);
    Send(c, now);
  }

  void Send(Conn* c, int64_t now) {
    c->state = Conn::kBusy;
    c->send_ns = now;
    stats_.last_send_ns = now;
    c->first_byte = false;
    c->write_off = 0;
    c->parser.Reset(cfg_.no_body);
    if (cfg_.model == LoadModel::kOpen) {
      int64_t lag = now - c->due_ns;
      stats_.send_lag.Record(std::max<int64_t>(lag, 0) / 1000);
      if (lag > kLateSendNs) ++stats_.late_sends;
    }
    WriteSome(c, now);
  }

  void WriteSome(Conn* c, int64_t now) {
    const std::string& req = *cfg_.request;
    while (c->write_off < req.size()) {
      ssize_t n = Sys().write(c->fd.get(), req.data() + c->write_off, req.size() - c->write_off);
      if (n > 0) {
        c->write_off += uint32_t(n);
        stats_.bytes_written += uint64_t(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        if (!c->want_write) {
          c->want_write = true;
          (void)loop_->Modify(c->fd.get(), EPOLLIN | EPOLLOUT, Tag(c));
        }
        return;
      }
      Fail(c, ClassifyErrno(n < 0 ? errno : EPIPE), now);
      return;
    }
    if (c->want_write) {
      c->want_write = false;
      (void)loop_->Modify(c->fd.get(), EPOLLIN, Tag(c));
    }
  }

  void Handle(Conn* c, uint32_t ev) {
    int64_t now = Now();
    if (c->state == Conn::kConnecting) {
      int err = FinishConnect(c->fd.get());
      if (err != 0) {
        bool had = c->has_request;
        loop_->Remove(c->fd.get());
        c->fd.Reset();
        if (had) {
          InflightRemove(c);
          --busy_;
          c->has_request = false;
          CountRequestFailure(c->phase);  // the errno is counted by ConnectFailed
        }
        ConnectFailed(c, err, now);
        AfterFree(now);
        return;
      }
      ++stats_.connections_opened;
      stats_.connect_time.Record((now - c->connect_ns) / 1000);
      (void)loop_->Modify(c->fd.get(), EPOLLIN, Tag(c));
      if (c->has_request) {
        Send(c, now);
      } else {
        PushIdle(c);
        AfterFree(now);
      }
      return;
    }
    if ((ev & EPOLLOUT) && c->state == Conn::kBusy && c->want_write) WriteSome(c, now);
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) ReadSome(c, now);
  }

  void ReadSome(Conn* c, int64_t now) {
    for (;;) {
      ssize_t n = Sys().read(c->fd.get(), buf_.data(), buf_.size());
      if (n > 0) {
        stats_.bytes_read += uint64_t(n);
        if (c->state != Conn::kBusy) {
          // Bytes nobody asked for (e.g. a server that answers twice).
          ++stats_.parse_errors[size_t(ResponseParser::Error::kUnexpectedData)];
          Close(c, now);
          return;
        }
        if (!c->first_byte) {
          c->first_byte = true;
          stats_.ttfb.Record((now - c->send_ns) / 1000);
        }
        size_t used = c->parser.Feed(buf_.data(), size_t(n));
        auto st = c->parser.state();
        if (st == ResponseParser::State::kError) {
          FailParse(c, c->parser.error(), now);
          return;
        }
        if (st == ResponseParser::State::kComplete) {
          if (used < size_t(n)) {
            // Trailing bytes after a complete response: we never pipeline, so
            // this is a protocol violation; count it and drop the connection.
            Complete(c, now, /*reuse=*/false);
            ++stats_.parse_errors[size_t(ResponseParser::Error::kUnexpectedData)];
            return;
          }
          Complete(c, now, c->parser.keep_alive());
          return;
        }
        if (size_t(n) < buf_.size()) return;  // drained; level-triggered epoll will tell us more
        continue;
      }
      if (n == 0) {
        if (c->state == Conn::kBusy) {
          if (!c->parser.started()) {
            Fail(c, NetError::kClosed, now);  // closed before answering at all
          } else if (c->parser.OnEof() == ResponseParser::State::kComplete) {
            Complete(c, now, /*reuse=*/false);  // a body delimited by the close
          } else {
            FailParse(c, c->parser.error(), now);
          }
        } else {
          Close(c, now);  // server closed an idle keep-alive connection
        }
        return;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      if (c->state == Conn::kBusy) {
        Fail(c, ClassifyErrno(errno), now);
      } else {
        Close(c, now);
      }
      return;
    }
  }

  // ---- outcomes -------------------------------------------------------------
  void Complete(Conn* c, int64_t now, bool reuse) {
    InflightRemove(c);
    --busy_;
    c->has_request = false;
    int status = c->parser.status();
    ++stats_.completed;
    if (status >= 0 && status < int(stats_.status.size())) ++stats_.status[size_t(status)];
    bool error = status >= 400;
    if (error) ++stats_.errors_http;
    int64_t uncorrected_us = (now - c->send_ns) / 1000;
    int64_t corrected_us = (now - c->due_ns) / 1000;
    stats_.latency_uncorrected.Record(uncorrected_us);
    stats_.latency_corrected.Record(corrected_us);
    PhaseStats& ph = stats_.phases[size_t(c->phase)];
    ++ph.requests;
    if (error) ++ph.errors;
    ph.latency_uncorrected.Record(uncorrected_us);
    ph.latency_corrected.Record(corrected_us);
    if (!reuse) {
      Close(c, now);
      return;
    }
    if (cfg_.model == LoadModel::kClosed && sending_ && busy_ < ClosedTargetCached(now)) {
      ++busy_;
      ++sent_;
      c->has_request = true;
      c->due_ns = now;
      c->phase = cfg_.plan->StageAt(now);
      InflightPush(c);
      Send(c, now);
      return;
    }
    PushIdle(c);
    AfterFree(now);
  }

  // The closed-model level changes slowly; recompute it at most once a tick.
  int ClosedTargetCached(int64_t now) {
    if (now >= target_valid_until_) {
      cached_target_ = ClosedTarget(now);
      target_valid_until_ = now + kTickNs;
    }
    if (cfg_.max_requests > 0 && sent_ >= cfg_.max_requests) return 0;
    return cached_target_;
  }

  // A connection became free (idle, or closed and reopenable): the open
  // model's backlog may use it at once, and the closed model reopens a
  // connection the server closed without waiting for the next tick.
  void AfterFree(int64_t now) {
    if (!sending_ || (cfg_.model == LoadModel::kOpen && next_due_ >= 0)) return;
    Dispatch(now);
  }

  // Sending can fail and close connections, which calls AfterFree: the guard
  // keeps that from recursing.
  void Dispatch(int64_t now) {
    if (dispatching_) return;
    dispatching_ = true;
    if (cfg_.model == LoadModel::kOpen) {
      DispatchOpen(now);
    } else {
      DispatchClosed(now);
    }
    dispatching_ = false;
  }

  void CountRequestFailure(int phase) {
    ++stats_.failed;
    ++stats_.phases[size_t(phase)].requests;
    ++stats_.phases[size_t(phase)].errors;
  }

  void RecordFailure(int phase, NetError e) {
    CountRequestFailure(phase);
    ++stats_.net_errors[size_t(e)];
  }

  // A request whose connection failed to open (the errno is already counted).
  void FailUnsent(int64_t due) { CountRequestFailure(cfg_.plan->StageAt(due)); }

  void Fail(Conn* c, NetError e, int64_t now) {
    if (c->has_request) {
      InflightRemove(c);
      --busy_;
      c->has_request = false;
      RecordFailure(c->phase, e);
    }
    Close(c, now);
  }

  void FailParse(Conn* c, ResponseParser::Error e, int64_t now) {
    if (c->has_request) {
      InflightRemove(c);
      --busy_;
      c->has_request = false;
      CountRequestFailure(c->phase);
      ++stats_.parse_errors[std::min<size_t>(size_t(e), stats_.parse_errors.size() - 1)];
    }
    Close(c, now);
  }

  void Close(Conn* c, int64_t now) {
    if (c->fd.valid()) {
      loop_->Remove(c->fd.get());
      c->fd.Reset();
    }
    c->want_write = false;
    c->retry_ns = 0;
    PushClosed(c);
    AfterFree(now);
  }

  void ExpireTimeouts(int64_t now) {
    while (head_ && now - head_->send_ns >= cfg_.timeout_ns) Fail(head_, NetError::kTimeout, now);
  }

  void Publish() {
    progress_.requests.store(stats_.requests(), std::memory_order_relaxed);
    progress_.errors.store(stats_.errors(), std::memory_order_relaxed);
    progress_.inflight.store(inflight_, std::memory_order_relaxed);
  }

  const WorkerConfig cfg_;
  int64_t start_ns_ = 0;
  LoadStats& stats_;
  WorkerProgress& progress_;
  EventLoop* loop_ = nullptr;
  std::vector<Conn> conns_;
  std::vector<char> buf_;
  Conn* idle_ = nullptr;
  Conn* closed_ = nullptr;
  Conn* head_ = nullptr;
  Conn* tail_ = nullptr;
  uint64_t inflight_ = 0;
  int busy_ = 0;
  uint64_t sent_ = 0;
  bool sending_ = true;
  bool dispatching_ = false;
  int64_t drain_deadline_ = 0;
  // Open model.
  uint64_t next_k_ = 0;
  uint64_t total_ = 0;
  int64_t next_due_ = -1;
  // Closed model.
  int cached_target_ = 0;
  int64_t target_valid_until_ = 0;
};

Worker::Worker(const WorkerConfig& config)
    : impl_(nullptr), stats_(config.plan ? config.plan->stages().size() : 1) {
  impl_ = std::make_unique<Impl>(config, stats_, progress_);
}

Worker::~Worker() = default;

Status Worker::Run(int64_t start_ns) { return impl_->Run(start_ns); }

}  // namespace vitals
