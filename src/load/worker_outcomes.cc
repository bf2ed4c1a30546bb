// Worker::Impl: completions and failures, pipelined batches, reporting intervals, noise probe.
#include "load/worker_impl.h"

namespace vitals {

void Worker::Impl::CompleteHead(Conn* c, int64_t now) {
  RecordCompletion(c, now);
  --c->outstanding;
  --inflight_;
  const Conn::Slot& next = c->slots[++c->head];
  c->req = next.req;
  c->phase = next.phase;
  c->due_ns = next.due_ns;
  c->parser.Reset(cfg_.requests[c->req].no_body);
}

void Worker::Impl::Complete(Conn* c, int64_t now, bool reuse) {
  if (!answer_size_.empty()) {
    const int64_t batch = now - c->send_ns;  // smoothed for ExpireLowat's grace
    batch_ewma_ns_ = batch_ewma_ns_ == 0 ? batch : batch_ewma_ns_ + (batch - batch_ewma_ns_) / 8;
  }
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
    c->retries = 0;
    c->outstanding = 1;
    if (cfg_.pipeline > 1) FillBatch(c);
    InflightPush(c);
    Send(c, now);
    return;
  }
  DropLowat(c);
  PushIdle(c);
  AfterFree(now);
}

void Worker::Impl::FillBatch(Conn* c) {
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

void Worker::Impl::FailRest(Conn* c, NetError e, int64_t now) {
  if (c->slots.empty()) return;
  for (size_t i = c->head + 1; i < c->slots.size(); ++i) {
    CountRequestFailure(c->slots[i].phase, c->slots[i].req, now);
    if (e != NetError::kNone) ++stats_.net_errors[size_t(e)];
  }
  c->slots.clear();
  c->head = 0;
  c->outstanding = 0;
}

void Worker::Impl::RecordCompletion(Conn* c, int64_t now) {
  int status = c->status();
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

void Worker::Impl::CountRequestFailure(int phase, uint16_t req, int64_t now) {
  ++stats_.failed;
  ++stats_.phases[size_t(phase)].requests;
  ++stats_.phases[size_t(phase)].errors;
  LiveCell& cell = Cell(phase, req, now);
  ++cell.requests;
  ++cell.errors;
}

void Worker::Impl::RecordFailure(int phase, uint16_t req, NetError e, int64_t now) {
  CountRequestFailure(phase, req, now);
  ++stats_.net_errors[size_t(e)];
}

void Worker::Impl::FailUnsent(int64_t due, uint16_t req, int64_t now) {
  CountRequestFailure(cfg_.plan->StageAt(due), req, now);
}

Worker::Impl::LiveCell& Worker::Impl::Cell(int phase, uint16_t req, int64_t now) {
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

void Worker::Impl::Probe(int64_t now) {
  ProbeHistogram(&probe_.sched_delay, now).Record(std::max<int64_t>((now - next_probe_) / 1000, 1));
  next_probe_ = now + kProbePeriodNs;
}

Histogram& Worker::Impl::ProbeHistogram(std::optional<Histogram>* h, int64_t now) {
  if (now >= interval_end_ns_) RollInterval(now);
  if (!*h) h->emplace(*interval_proto_);
  return **h;
}

void Worker::Impl::RollInterval(int64_t now) {
  HandOver(/*final=*/false);
  interval_index_ = std::max<int64_t>(now, 0) / cfg_.interval_ns;
  interval_end_ns_ = (interval_index_ + 1) * cfg_.interval_ns;
  owner_.frontier_.store(interval_index_, std::memory_order_release);
}

void Worker::Impl::HandOver(bool final) {
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

void Worker::Impl::Publish() {
  progress_.requests.store(stats_.requests(), std::memory_order_relaxed);
  progress_.errors.store(stats_.errors(), std::memory_order_relaxed);
  progress_.inflight.store(inflight_, std::memory_order_relaxed);
  // Ten times a second: a few hundred additions, off the request path.
  const size_t net = stats_.net_errors.size();
  for (size_t i = 0; i < net; ++i) {
    progress_.errors_by_kind[i].store(stats_.net_errors[i], std::memory_order_relaxed);
  }
  uint64_t parse = 0, c4 = 0, c5 = 0;
  for (uint64_t n : stats_.parse_errors) parse += n;
  for (size_t code = 400; code < 500; ++code) c4 += stats_.status[code];
  for (size_t code = 500; code < stats_.status.size(); ++code) c5 += stats_.status[code];
  progress_.errors_by_kind[net].store(parse, std::memory_order_relaxed);
  progress_.errors_by_kind[net + 1].store(c4, std::memory_order_relaxed);
  progress_.errors_by_kind[net + 2].store(c5, std::memory_order_relaxed);
}

const char* ProgressErrorKindName(size_t i) {
  constexpr size_t net = static_cast<size_t>(NetError::kCount);
  if (i < net) return NetErrorName(NetError(i));
  if (i == net) return "parse";
  return i == net + 1 ? "status_4xx" : "status_5xx";
}

}  // namespace vitals
