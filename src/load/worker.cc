#include "load/worker.h"

#include "load/segment.h"
#include "load/worker_impl.h"

namespace vitals {

Status Worker::Impl::Run(int64_t start_ns) {
  start_ns_ = start_ns;
  if (cfg_.tls) {
    auto tls = TlsClient::Create(*cfg_.tls, cfg_.tls_server_name);
    if (!tls.ok()) return tls.status();
    tls_ = std::move(tls).value();
  }
  if (cfg_.http2) VITALS_RETURN_IF_ERROR(H2Init());
  auto loop = EventLoop::Create();
  if (!loop.ok()) return loop.status();
  loop_ = &*loop;
  const int64_t end_ns = cfg_.plan->total_ns();
  int64_t now = Now();
  // Open model: pre-open the initial connections so the first requests do
  // not pay for a handshake.  The closed model opens its connections with a
  // request already assigned (first dispatch below).
  int initial = has_open_ ? cfg_.connections * int(streams_) : 0;
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
    ExpireLowat(now);  // first: a batch whose mark was never reached is read, not failed
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
    if (!h2_dirty_.empty()) H2FlushDirty(now);
    int64_t wake = std::min(WakeTime(now, next_tick, next_publish, end_ns), interval_end_ns_);
    if (sending_) wake = std::min(wake, next_probe_);
    if (!h2_dirty_.empty()) wake = now;  // more to write than one flush does
    int n = loop_->Wait(events, kMaxEvents, std::max<int64_t>(0, wake - now));
    if (n < 0) return Status::FromErrno("epoll_pwait2", errno);
    for (int i = 0; i < n; ++i) {
      uint64_t tag = events[i].data.u64;
      if (tag & kH2TagBit) {
        H2Conn* pc = &h2conns_[size_t(tag & (kH2TagBit - 1))];
        if (pc->gen == uint32_t(tag >> 32) && pc->state != H2Conn::kClosed) {
          H2Handle(pc, events[i].events);
        }
        continue;
      }
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
  for (auto& pc : h2conns_) {
    pc.session.reset();
    pc.link.Reset();
    pc.fd.Reset();
  }
  Publish();
  HandOver(/*final=*/true);
  return Status::Ok();
}

bool Worker::Impl::ShouldStopSending(int64_t now, int64_t end_ns) const {
  const bool open_done = !has_open_ || next_k_ >= total_;
  if (!has_closed_) return open_done;
  if (!has_open_ && cfg_.max_requests > 0 && sent_ >= cfg_.max_requests) return true;
  return open_done && now >= end_ns;
}

int Worker::Impl::ClosedTarget(int64_t now) const {
  // Before a --start-at start time nothing is sent.
  if (!has_closed_ || now < 0) return 0;
  double level = std::floor(cfg_.plan->ConnectionsAt(now) + 1e-9);
  // The segment's share of the level (execution segments), times the streams of each
  // connection for HTTP/2, then this worker's share of that.
  const int64_t segment = SplitShare(int64_t(level), cfg_.segment_index, cfg_.segment_count);
  const int64_t total = segment * (h2_limit_known_ ? h2_limit_ : 1);
  const int64_t share = SplitShare(total, cfg_.worker_index, cfg_.worker_count);
  return int(std::min<int64_t>(share, int64_t(conns_.size())));
}

void Worker::Impl::DispatchOpen(int64_t now) {
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

void Worker::Impl::DispatchClosed(int64_t now) {
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

int64_t Worker::Impl::WakeTime(int64_t now, int64_t next_tick, int64_t next_publish,
                               int64_t end_ns) const {
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
  if (lowat_waiting_ > 0) wake = std::min(wake, std::max(now, next_lowat_check_ns_));
  return wake;
}

int Worker::Impl::ClosedTargetCached(int64_t now) {
  if (now >= target_valid_until_) {
    cached_target_ = ClosedTarget(now);
    target_valid_until_ = now + kTickNs;
  }
  if (cfg_.max_requests > 0 && sent_ >= cfg_.max_requests) return 0;
  return cached_target_;
}

void Worker::Impl::AfterFree(int64_t now) {
  if (!sending_) return;
  if (has_open_ && next_due_ < 0 && next_k_ < total_) {
    Dispatch(now);  // the open backlog takes the connection first
  } else if (has_closed_ && cfg_.plan->ModelAt(now) == LoadModel::kClosed) {
    Dispatch(now);
  }
}

void Worker::Impl::Dispatch(int64_t now, bool closed) {
  if (dispatching_) return;
  dispatching_ = true;
  if (has_open_) DispatchOpen(now);
  if (has_closed_ && closed) DispatchClosed(now);
  dispatching_ = false;
}

uint16_t Worker::Impl::PickRequest(uint64_t seq) const {
  if (cfg_.requests.size() == 1) return 0;
  double u = double(seq) * 0.6180339887498949;
  u -= std::floor(u);
  const auto& cw = cfg_.cumulative_weights;
  size_t i = size_t(std::upper_bound(cw.begin(), cw.end(), u) - cw.begin());
  return uint16_t(std::min(i, cw.size() - 1));
}

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
