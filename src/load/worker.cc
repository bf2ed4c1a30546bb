#include "load/worker.h"

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <optional>

#include "core/clock.h"
#include "load/http_response_parser.h"
#include "net/event_loop.h"
#include "net/socket.h"
#include "net/tls_client.h"
#include "net/transport.h"

namespace vitals {

struct Worker::Conn {
  enum State : uint8_t { kClosed, kConnecting, kHandshaking, kIdle, kBusy };
  Fd fd;
  Link link;  // the transport over fd (plain, or TLS once the handshake is done)
  ResponseParser parser;
  State state = kClosed;
  bool has_request = false;  // a request is assigned (busy, or waiting for the connect)
  bool want_write = false;   // EPOLLOUT registered because a write would block
  bool first_byte = false;
  bool open = false;  // sent on the open schedule (due_ns is the intended time)
  uint16_t req = 0;   // index into WorkerConfig::requests
  int phase = 0;
  uint32_t write_off = 0;
  uint32_t index = 0;        // slot in conns_
  uint32_t gen = 0;          // bumped on every open; stale events carry an old one
  int64_t due_ns = 0;        // intended send time (from run start)
  int64_t send_ns = 0;       // actual send time, or connect start while connecting
  int64_t connect_ns = 0;    // connect start
  int64_t handshake_ns = 0;  // TLS handshake start (TCP connected)
  int64_t retry_ns = 0;      // closed model: do not reopen before this (after a failure)
  Conn* prev = nullptr;      // in-flight list, oldest first
  Conn* next = nullptr;
  Conn* next_free = nullptr;  // idle stack / closed stack
  // In flight on this connection: 1, or the unanswered part of a pipelined batch.
  uint16_t outstanding = 0;
  uint16_t lane = 0;  // the lane it is listed in while in flight (its first request's)
  // Pipelining: the batch (slots[head] is being parsed; req/phase/due_ns mirror it) and its
  // bytes.  Empty when not pipelining.
  struct Slot {
    int64_t due_ns;
    int phase;
    uint16_t req;
  };
  std::vector<Slot> slots;
  size_t head = 0;
  std::string batch;
};

namespace {
constexpr int kMaxEvents = 512;
constexpr size_t kReadBuf = 64 * 1024;
constexpr int64_t kTickNs = 10'000'000;        // closed-model level check, retry pacing
constexpr int64_t kPublishNs = 100'000'000;    // progress counters
constexpr int64_t kRetryDelayNs = 10'000'000;  // after a failed connect (closed model)
}  // namespace

class Worker::Impl {
  struct Lane {
    Conn* head = nullptr;
    Conn* tail = nullptr;
    int64_t timeout_ns = 0;
  };
  // A cell being filled; histograms are created on first use in an interval, so a worker
  // holds only the cells its requests touched.
  struct LiveCell {
    bool live = false;
    uint64_t requests = 0, errors = 0;
    std::optional<Histogram> corrected, uncorrected;
  };

 public:
  Impl(Worker& owner, const WorkerConfig& cfg, LoadStats& stats, WorkerProgress& progress)
      : owner_(owner),
        cfg_(cfg),
        stats_(stats),
        progress_(progress),
        buf_(kReadBuf),
        has_open_(cfg.plan->HasOpenStage()),
        has_closed_(cfg.plan->HasClosedStage()),
        per_phase_(cfg.plan->stages().size() > 1),
        lanes_(cfg.requests.size()) {
    conns_.resize(size_t(std::max(cfg.max_connections, cfg.connections)));
    for (size_t i = conns_.size(); i-- > 0;) {
      conns_[i].index = uint32_t(i);
      PushClosed(&conns_[i]);
    }
    for (size_t r = 0; r < lanes_.size(); ++r) lanes_[r].timeout_ns = cfg_.requests[r].timeout_ns;
    if (has_open_) {
      next_k_ = cfg_.offset;
      total_ = cfg_.plan->TotalRequests();
      // A global request cap (--requests) keeps the first N of the schedule.
      if (cfg_.max_requests > 0) total_ = std::min(total_, cfg_.max_requests);
    }
    cells_.resize(cfg_.plan->stages().size() * cfg_.requests.size());
    // An empty histogram of the interval config, copied for each cell that gets data (the
    // engine validated the config).
    auto proto = Histogram::Create(cfg_.interval_histogram);
    interval_proto_.emplace(proto.ok() ? std::move(*proto) : Histogram());
    max_timeout_ns_ = 0;
    for (const WorkerRequest& r : cfg_.requests) {
      max_timeout_ns_ = std::max(max_timeout_ns_, r.timeout_ns);
    }
  }

  Status Run(int64_t start_ns) {
    start_ns_ = start_ns;
    if (cfg_.tls) {
      auto tls = TlsClient::Create(*cfg_.tls, cfg_.tls_server_name);
      if (!tls.ok()) return tls.status();
      tls_ = std::move(tls).value();
    }
    auto loop = EventLoop::Create();
    if (!loop.ok()) return loop.status();
    loop_ = &*loop;
    const int64_t end_ns = cfg_.plan->total_ns();
    int64_t now = Now();
    // Open model: pre-open the initial connections so the first requests do
    // not pay for a handshake.  The closed model opens its connections with a
    // request already assigned (first dispatch below).
    int initial = has_open_ ? cfg_.connections : 0;
    for (int i = 0; i < initial; ++i) {
      Conn* c = PopClosed(now, /*ignore_retry=*/true);
      if (!c) break;
      Open(c, now);
    }
    epoll_event events[kMaxEvents];
    int64_t next_tick = now;
    int64_t next_publish = now + kPublishNs;
    next_probe_ = now + kProbePeriodNs;
    bool interrupted = false;
    for (;;) {
      now = Now();
      if (sending_ && now >= next_probe_) Probe(now);
      if (!interrupted && cfg_.stop && cfg_.stop->load(std::memory_order_relaxed)) {
        interrupted = true;
        sending_ = false;
        drain_deadline_ = now + std::min<int64_t>(max_timeout_ns_, 2'000'000'000);
      }
      if (sending_ && ShouldStopSending(now, end_ns)) {
        sending_ = false;
        drain_deadline_ = now + max_timeout_ns_;
      }
      if (sending_) {
        // The open schedule every turn; the closed level once a tick.
        const bool closed_tick = has_closed_ && now >= next_tick;
        if (closed_tick) next_tick = now + kTickNs;
        Dispatch(now, closed_tick);
      }
      ExpireTimeouts(now);
      if (now >= interval_end_ns_) RollInterval(now);
      if (now >= next_publish) {
        Publish();
        next_publish = now + kPublishNs;
      }
      if (!sending_ && inflight_ == 0) break;
      if (!sending_ && now >= drain_deadline_) {
        // Whatever is still in flight has had its full --timeout.
        for (Lane& l : lanes_) {
          while (l.head) Fail(l.head, NetError::kTimeout, now);
        }
        break;
      }
      int64_t wake = std::min(WakeTime(now, next_tick, next_publish, end_ns), interval_end_ns_);
      if (sending_) wake = std::min(wake, next_probe_);
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
    for (auto& c : conns_) {
      c.link.Reset();
      c.fd.Reset();
    }
    Publish();
    HandOver(/*final=*/true);
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
  // In-flight requests are kept per request of the mix (a lane), each lane ordered by send
  // time, so the oldest of a lane is the first to time out whatever the lanes' timeouts.
  void InflightPush(Conn* c) {
    c->lane = c->req;
    Lane& l = lanes_[c->lane];
    c->prev = l.tail;
    c->next = nullptr;
    if (l.tail)
      l.tail->next = c;
    else
      l.head = c;
    l.tail = c;
    inflight_ += c->outstanding;
    stats_.max_inflight = std::max<uint64_t>(stats_.max_inflight, inflight_);
  }
  void InflightRemove(Conn* c) {
    Lane& l = lanes_[c->lane];
    if (c->prev)
      c->prev->next = c->next;
    else
      l.head = c->next;
    if (c->next)
      c->next->prev = c->prev;
    else
      l.tail = c->prev;
    c->prev = c->next = nullptr;
    inflight_ -= c->outstanding;
  }

  // ---- scheduling ---------------------------------------------------------
  // Sending ends when the open schedule is used up and the closed stages are over (or the
  // closed-only run reached its --requests cap).
  bool ShouldStopSending(int64_t now, int64_t end_ns) const {
    const bool open_done = !has_open_ || next_k_ >= total_;
    if (!has_closed_) return open_done;
    if (!has_open_ && cfg_.max_requests > 0 && sent_ >= cfg_.max_requests) return true;
    return open_done && now >= end_ns;
  }

  int ClosedTarget(int64_t now) const {
    if (!has_closed_) return 0;
    double level = std::floor(cfg_.plan->ConnectionsAt(now) + 1e-9);
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
      const uint16_t req = PickRequest(next_k_);
      if (now - due > cfg_.requests[req].timeout_ns) {
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
          FailUnsent(due, req, now);
          next_k_ += cfg_.stride;
          continue;
        }
      }
      Assign(c, due, now, req, /*open=*/true);
      next_k_ += cfg_.stride;
    }
    next_due_ = -1;
  }

  void DispatchClosed(int64_t now) {
    int target = ClosedTarget(now);
    while (busy_ < target && !ShouldStopSending(now, cfg_.plan->total_ns())) {
      const uint16_t req = PickRequest(closed_seq_++);
      Conn* c = PopIdle();
      if (c) {
        Assign(c, now, now, req, /*open=*/false);
        continue;
      }
      c = PopClosed(now, /*ignore_retry=*/false);
      if (!c) return;
      if (Open(c, now)) {
        Assign(c, now, now, req, /*open=*/false);
      } else {
        ++sent_;  // the attempt counts as a (failed) request
        CountRequestFailure(cfg_.plan->StageAt(now), req, now);
      }
    }
  }

  int64_t WakeTime(int64_t now, int64_t next_tick, int64_t next_publish, int64_t end_ns) const {
    int64_t wake = next_publish;
    if (sending_) {
      if (has_open_ && next_due_ >= 0) wake = std::min(wake, next_due_);
      if (has_closed_) {
        wake = std::min(wake, std::max(next_tick, now));
        wake = std::min(wake, end_ns);
      }
    } else {
      wake = std::min(wake, drain_deadline_);
    }
    for (const Lane& l : lanes_) {
      if (l.head) wake = std::min(wake, l.head->send_ns + l.timeout_ns);
    }
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
    c->link.Reset();
    c->link.fd = c->fd.get();
    c->link.io = &PlainTransport();
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
  void Assign(Conn* c, int64_t due, int64_t now, uint16_t req, bool open) {
    c->has_request = true;
    c->due_ns = due;
    c->req = req;
    c->open = open;
    c->phase = cfg_.plan->StageAt(due);
    ++sent_;
    ++busy_;
    c->outstanding = 1;
    if (!open && cfg_.pipeline > 1) FillBatch(c);
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
    c->parser.Reset(cfg_.requests[c->req].no_body);
    if (c->open) {
      int64_t lag = now - c->due_ns;
      stats_.send_lag.Record(std::max<int64_t>(lag, 0) / 1000);
      ProbeHistogram(&probe_.send_lag, now).Record(std::max<int64_t>(lag / 1000, 1));
      if (lag > kLateSendNs) ++stats_.late_sends;
    }
    WriteSome(c, now);
  }

  void WriteSome(Conn* c, int64_t now) {
    const std::string& req = c->slots.empty() ? *cfg_.requests[c->req].bytes : c->batch;
    while (c->write_off < req.size()) {
      size_t n = 0;
      IoStatus st =
          c->link.io->write(c->link, req.data() + c->write_off, req.size() - c->write_off, &n);
      if (st == IoStatus::kOk) {
        c->write_off += uint32_t(n);
        stats_.bytes_written += uint64_t(n);
        continue;
      }
      if (st == IoStatus::kRetry) {
        // Plain sockets wait for writability; TLS may wait for a read (EPOLLIN is always on).
        if (c->link.want_write) WantWrite(c, true);
        return;
      }
      Fail(c, c->link.error, now);
      return;
    }
    WantWrite(c, false);
  }

  // Registers (or drops) interest in writability: only while a write would block or a
  // handshake waits for it, so the request path makes no epoll_ctl calls.
  void WantWrite(Conn* c, bool on) {
    if (c->want_write == on) return;
    c->want_write = on;
    (void)loop_->Modify(c->fd.get(), on ? EPOLLIN | EPOLLOUT : EPOLLIN, Tag(c));
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
          CountRequestFailure(c->phase, c->req, now);  // the errno is counted by ConnectFailed
          FailRest(c, NetError::kNone, now);
        }
        ConnectFailed(c, err, now);
        AfterFree(now);
        return;
      }
      stats_.connect_time.Record((now - c->connect_ns) / 1000);
      // Interest is EPOLLOUT while connecting: WantWrite(false) drops it.
      c->want_write = true;
      WantWrite(c, false);
      if (tls_) {
        StartHandshake(c, now);
        return;
      }
      Connected(c, now);
      return;
    }
    if (c->state == Conn::kHandshaking) {
      ContinueHandshake(c, now);
      return;
    }
    if ((ev & EPOLLOUT) && c->state == Conn::kBusy && c->want_write) {
      WriteSome(c, now);
      if (c->state == Conn::kClosed) return;  // the write failed and closed it
      // A TLS read that needed a write waits here too.
      if (c->link.ssl) ev |= EPOLLIN;
    }
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) ReadSome(c, now);
  }

  // The connection is ready for requests (TCP connected, TLS handshake done).
  void Connected(Conn* c, int64_t now) {
    ++stats_.connections_opened;
    if (c->has_request) {
      Send(c, now);
    } else {
      PushIdle(c);
      AfterFree(now);
    }
  }

  // ---- TLS handshake ----------------------------------------------------------
  void StartHandshake(Conn* c, int64_t now) {
    c->state = Conn::kHandshaking;
    c->handshake_ns = now;
    if (Status st = tls_->Attach(c->link); !st.ok()) {
      HandshakeFailed(c, st.message(), now);
      return;
    }
    ContinueHandshake(c, now);
  }

  void ContinueHandshake(Conn* c, int64_t now) {
    std::string message;
    switch (tls_->Handshake(c->link, &message)) {
      case HandshakeStatus::kRetry:
        WantWrite(c, c->link.want_write);
        return;
      case HandshakeStatus::kError:
        HandshakeFailed(c, message, now);
        return;
      case HandshakeStatus::kDone:
        break;
    }
    WantWrite(c, false);
    stats_.tls_handshake.Record(std::max<int64_t>((now - c->handshake_ns) / 1000, 1));
    if (TlsClient::Resumed(c->link)) {
      ++stats_.tls_resumed;
    } else {
      ++stats_.tls_full;
    }
    Connected(c, now);
  }

  // Like a failed connect: the connection never became usable; its request (if any) fails
  // as tls_handshake, and the reason is kept for the summary.
  void HandshakeFailed(Conn* c, const std::string& message, int64_t now) {
    auto& detail = stats_.net_error_detail[size_t(NetError::kTlsHandshake)];
    if (detail.empty()) detail = message;
    ++stats_.connect_failed;
    ++stats_.net_errors[size_t(NetError::kTlsHandshake)];
    loop_->Remove(c->fd.get());
    c->link.Reset();
    c->fd.Reset();
    c->want_write = false;
    if (c->has_request) {
      InflightRemove(c);
      --busy_;
      c->has_request = false;
      CountRequestFailure(c->phase, c->req, now);
      FailRest(c, NetError::kNone, now);
    }
    c->retry_ns = now + kRetryDelayNs;
    PushClosed(c);
    AfterFree(now);
  }

  void ReadSome(Conn* c, int64_t now) {
    for (;;) {
      size_t got = 0;
      const IoStatus io = c->link.io->read(c->link, buf_.data(), buf_.size(), &got);
      if (io == IoStatus::kRetry) {
        if (c->link.want_write) WantWrite(c, true);
        return;
      }
      if (io == IoStatus::kError) {
        if (c->state == Conn::kBusy) {
          Fail(c, c->link.error, now);
        } else {
          Close(c, now);
        }
        return;
      }
      const ssize_t n = ssize_t(got);
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
        const char* data = buf_.data();
        size_t left = size_t(n);
        for (;;) {
          const size_t used = c->parser.Feed(data, left);
          const auto st = c->parser.state();
          if (st == ResponseParser::State::kError) {
            FailParse(c, c->parser.error(), now);
            return;
          }
          if (st != ResponseParser::State::kComplete) break;
          if (c->outstanding > 1 && c->parser.keep_alive()) {
            // Pipelined: the next answer belongs to the next request of the batch.
            CompleteHead(c, now);
            data += used;
            left -= used;
            if (left == 0) break;  // the rest of the batch is still on its way
            continue;
          }
          if (used < left) {
            // Trailing bytes after the last expected response: a protocol violation; count
            // it and drop the connection.
            Complete(c, now, /*reuse=*/false);
            ++stats_.parse_errors[size_t(ResponseParser::Error::kUnexpectedData)];
            return;
          }
          Complete(c, now, c->parser.keep_alive());
          return;
        }
        // Drained (level-triggered epoll will tell us more), unless TLS holds decoded bytes.
        if (size_t(n) < buf_.size() && !c->link.io->pending(c->link)) return;
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
    }
  }

  // ---- outcomes -------------------------------------------------------------
  // The answer of a pipelined batch's head arrived; the connection stays in flight for the
  // rest of the batch and the parser moves to the next request.
  void CompleteHead(Conn* c, int64_t now) {
    RecordCompletion(c, now);
    --c->outstanding;
    --inflight_;
    const Conn::Slot& next = c->slots[++c->head];
    c->req = next.req;
    c->phase = next.phase;
    c->due_ns = next.due_ns;
    c->parser.Reset(cfg_.requests[c->req].no_body);
  }

  void Complete(Conn* c, int64_t now, bool reuse) {
    InflightRemove(c);
    --busy_;
    c->has_request = false;
    RecordCompletion(c, now);
    // A server that closes in the middle of a batch leaves the rest unanswered.
    FailRest(c, NetError::kClosed, now);
    if (!reuse) {
      Close(c, now);
      return;
    }
    if (has_closed_ && !c->open && sending_ && busy_ < ClosedTargetCached(now) &&
        (!has_open_ || cfg_.plan->ModelAt(now) == LoadModel::kClosed)) {
      ++busy_;
      ++sent_;
      c->has_request = true;
      c->due_ns = now;
      c->req = PickRequest(closed_seq_++);
      c->phase = cfg_.plan->StageAt(now);
      c->outstanding = 1;
      if (cfg_.pipeline > 1) FillBatch(c);
      InflightPush(c);
      Send(c, now);
      return;
    }
    PushIdle(c);
    AfterFree(now);
  }

  // Pipelining: the request just assigned to c plus up to pipeline - 1 more of the closed
  // model's sequence (within --requests), written as one batch.
  void FillBatch(Conn* c) {
    c->slots.clear();
    c->head = 0;
    c->slots.push_back(Conn::Slot{c->due_ns, c->phase, c->req});
    c->batch = *cfg_.requests[c->req].bytes;
    while (int(c->slots.size()) < cfg_.pipeline &&
           !(cfg_.max_requests > 0 && sent_ >= cfg_.max_requests)) {
      const uint16_t r = PickRequest(closed_seq_++);
      c->slots.push_back(Conn::Slot{c->due_ns, c->phase, r});
      c->batch += *cfg_.requests[r].bytes;
      ++sent_;
    }
    c->outstanding = uint16_t(c->slots.size());
  }

  // Fails the requests of c's batch after its head (never answered), and forgets the batch.
  // `e` == kNone: counted as failed requests only (the cause is counted elsewhere).
  void FailRest(Conn* c, NetError e, int64_t now) {
    if (c->slots.empty()) return;
    for (size_t i = c->head + 1; i < c->slots.size(); ++i) {
      CountRequestFailure(c->slots[i].phase, c->slots[i].req, now);
      if (e != NetError::kNone) ++stats_.net_errors[size_t(e)];
    }
    c->slots.clear();
    c->head = 0;
    c->outstanding = 0;
  }

  void RecordCompletion(Conn* c, int64_t now) {
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
    if (per_phase_) {
      // One phase: the engine copies the run's histograms instead (two records saved).
      ph.latency_uncorrected.Record(uncorrected_us);
      ph.latency_corrected.Record(corrected_us);
    }
    LiveCell& cell = Cell(c->phase, c->req, now);
    ++cell.requests;
    if (error) ++cell.errors;
    cell.uncorrected->Record(uncorrected_us);
    cell.corrected->Record(corrected_us);
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
    if (!sending_) return;
    if (has_open_ && next_due_ < 0 && next_k_ < total_) {
      Dispatch(now);  // the open backlog takes the connection first
    } else if (has_closed_ && cfg_.plan->ModelAt(now) == LoadModel::kClosed) {
      Dispatch(now);
    }
  }

  // Sending can fail and close connections, which calls AfterFree: the guard
  // keeps that from recursing.
  void Dispatch(int64_t now, bool closed = true) {
    if (dispatching_) return;
    dispatching_ = true;
    if (has_open_) DispatchOpen(now);
    if (has_closed_ && closed) DispatchClosed(now);
    dispatching_ = false;
  }

  // Request of the mix for sequence number `seq` (the global request number in the open
  // model, a per-worker counter in the closed one).  A golden-ratio sequence instead of
  // random draws: every window of the run gets the weights' shares almost exactly.
  uint16_t PickRequest(uint64_t seq) const {
    if (cfg_.requests.size() == 1) return 0;
    double u = double(seq) * 0.6180339887498949;
    u -= std::floor(u);
    const auto& cw = cfg_.cumulative_weights;
    size_t i = size_t(std::upper_bound(cw.begin(), cw.end(), u) - cw.begin());
    return uint16_t(std::min(i, cw.size() - 1));
  }

  void CountRequestFailure(int phase, uint16_t req, int64_t now) {
    ++stats_.failed;
    ++stats_.phases[size_t(phase)].requests;
    ++stats_.phases[size_t(phase)].errors;
    LiveCell& cell = Cell(phase, req, now);
    ++cell.requests;
    ++cell.errors;
  }

  void RecordFailure(int phase, uint16_t req, NetError e, int64_t now) {
    CountRequestFailure(phase, req, now);
    ++stats_.net_errors[size_t(e)];
  }

  // A request whose connection failed to open (the errno is already counted).
  void FailUnsent(int64_t due, uint16_t req, int64_t now) {
    CountRequestFailure(cfg_.plan->StageAt(due), req, now);
  }

  // ---- reporting intervals ------------------------------------------------
  // The cell of (phase, request) in the interval that holds `now` (completion time).
  LiveCell& Cell(int phase, uint16_t req, int64_t now) {
    if (now >= interval_end_ns_) RollInterval(now);
    LiveCell& cell = cells_[size_t(phase) * cfg_.requests.size() + req];
    if (!cell.live) {
      cell.live = true;
      cell.corrected.emplace(*interval_proto_);
      cell.uncorrected.emplace(*interval_proto_);
      live_.push_back(&cell);
    }
    return cell;
  }

  // ---- noise probe (load/noise.h) -------------------------------------------
  // The loop's lateness behind its own deadline, then the next deadline one period from now
  // (not from the missed one: a stall gives one large sample, not a burst of catch-ups).
  void Probe(int64_t now) {
    ProbeHistogram(&probe_.sched_delay, now)
        .Record(std::max<int64_t>((now - next_probe_) / 1000, 1));
    next_probe_ = now + kProbePeriodNs;
  }
  Histogram& ProbeHistogram(std::optional<Histogram>* h, int64_t now) {
    if (now >= interval_end_ns_) RollInterval(now);
    if (!*h) h->emplace(*interval_proto_);
    return **h;
  }

  // Hands the finished interval's cells to the engine and starts the one holding `now`.
  void RollInterval(int64_t now) {
    HandOver(/*final=*/false);
    interval_index_ = std::max<int64_t>(now, 0) / cfg_.interval_ns;
    interval_end_ns_ = (interval_index_ + 1) * cfg_.interval_ns;
    owner_.frontier_.store(interval_index_, std::memory_order_release);
  }

  void HandOver(bool final) {
    WorkerInterval wi;
    wi.index = interval_index_;
    for (LiveCell* lc : live_) {
      const size_t pos = size_t(lc - cells_.data());
      wi.cells.push_back(IntervalCell{int(pos / cfg_.requests.size()),
                                      int(pos % cfg_.requests.size()), lc->requests, lc->errors,
                                      std::move(*lc->corrected), std::move(*lc->uncorrected)});
      *lc = LiveCell{};
    }
    live_.clear();
    wi.noise = std::move(probe_);
    probe_ = WorkerNoise{};
    {
      std::lock_guard<std::mutex> lock(owner_.intervals_mu_);
      if (!wi.cells.empty() || wi.noise.sched_delay || wi.noise.send_lag) {
        owner_.intervals_.push_back(std::move(wi));
      }
    }
    if (final) owner_.frontier_.store(INT64_MAX, std::memory_order_release);
  }

  void Fail(Conn* c, NetError e, int64_t now) {
    if (c->has_request) {
      InflightRemove(c);
      --busy_;
      c->has_request = false;
      RecordFailure(c->phase, c->req, e, now);
      FailRest(c, e, now);
    }
    Close(c, now);
  }

  void FailParse(Conn* c, ResponseParser::Error e, int64_t now) {
    if (c->has_request) {
      InflightRemove(c);
      --busy_;
      c->has_request = false;
      CountRequestFailure(c->phase, c->req, now);
      ++stats_.parse_errors[std::min<size_t>(size_t(e), stats_.parse_errors.size() - 1)];
      FailRest(c, NetError::kClosed, now);
    }
    Close(c, now);
  }

  void Close(Conn* c, int64_t now) {
    if (c->fd.valid()) {
      loop_->Remove(c->fd.get());
      c->link.Reset();
      c->fd.Reset();
    }
    c->want_write = false;
    c->retry_ns = 0;
    PushClosed(c);
    AfterFree(now);
  }

  void ExpireTimeouts(int64_t now) {
    for (Lane& l : lanes_) {
      while (l.head && now - l.head->send_ns >= l.timeout_ns) Fail(l.head, NetError::kTimeout, now);
    }
  }

  void Publish() {
    progress_.requests.store(stats_.requests(), std::memory_order_relaxed);
    progress_.errors.store(stats_.errors(), std::memory_order_relaxed);
    progress_.inflight.store(inflight_, std::memory_order_relaxed);
  }

  Worker& owner_;
  const WorkerConfig cfg_;
  int64_t start_ns_ = 0;
  LoadStats& stats_;
  WorkerProgress& progress_;
  EventLoop* loop_ = nullptr;
  std::unique_ptr<TlsClient> tls_;  // https only
  std::vector<Conn> conns_;
  std::vector<char> buf_;
  Conn* idle_ = nullptr;
  Conn* closed_ = nullptr;
  const bool has_open_, has_closed_, per_phase_;
  std::vector<Lane> lanes_;
  int64_t max_timeout_ns_ = 0;
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
  uint64_t closed_seq_ = 0;
  // Reporting intervals.
  std::vector<LiveCell> cells_;  // phase-major: [phase * requests + request]
  std::vector<LiveCell*> live_;  // cells touched in the current interval
  std::optional<Histogram> interval_proto_;
  int64_t interval_index_ = 0;
  int64_t interval_end_ns_ = 0;  // 0: the first Cell() or loop turn starts interval 0..
  // Noise probe.
  int64_t next_probe_ = 0;
  WorkerNoise probe_;  // the current interval's samples
};

Worker::Worker(const WorkerConfig& config)
    : impl_(nullptr), stats_(config.plan ? config.plan->stages().size() : 1) {
  impl_ = std::make_unique<Impl>(*this, config, stats_, progress_);
}

Worker::~Worker() = default;

Status Worker::Run(int64_t start_ns) { return impl_->Run(start_ns); }

std::vector<WorkerInterval> Worker::TakeIntervals() {
  std::lock_guard<std::mutex> lock(intervals_mu_);
  std::vector<WorkerInterval> out;
  out.swap(intervals_);
  return out;
}

}  // namespace vitals
