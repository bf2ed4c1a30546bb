// Batch timing for pipelined HTTP/1.1 (WorkerConfig::pipeline_batch_timing).
//
// Why: a server like nginx writes each pipelined answer on its own, so a worker that reads on
// every wake-up reads a 16-deep batch about six times, and on loopback each of those reads also
// sends an ACK whose whole receive path runs in our thread (perf: ~30 % of the worker's CPU).
// With the receive low-water mark set to the bytes the whole batch will bring, the kernel wakes
// us once per batch: one read, one ACK, about a quarter of the CPU per request (BENCHMARKS.md).
// The price is the timing: every answer of the batch completes when the batch does, which is
// what wrk records for a pipelined batch; the default (per-answer timing) reads on arrival.
//
// The mark must never exceed what the batch brings, or the wake-up never comes.  It is the sum
// of the batch's answer sizes, each learned from a finished answer of the same request and used
// only while every answer of that request had that size.  An answer longer than learned wakes
// us early (the rest of that batch is read on arrival); one shorter leaves the mark unreached:
// after a grace of twice the smoothed batch latency (at least 1 ms, checked every tick) the
// mark drops to 1.  Either way the request is marked as varying and read on arrival from then on.
#include <sys/socket.h>

#include <algorithm>

#include "load/worker_impl.h"

namespace vitals {
namespace {

// tcp_set_rcvlowat caps the mark at half of tcp_rmem[2]; stay well below any setting.
constexpr int64_t kMaxLowat = 1 << 20;
constexpr int64_t kMinGraceNs = 1'000'000;

}  // namespace

void Worker::Impl::LearnAnswerSize(uint16_t req, uint32_t bytes) {
  if (answer_size_.empty()) return;
  int32_t& size = answer_size_[req];
  if (size == 0) {
    size = int32_t(std::min<uint64_t>(bytes, kMaxLowat));
  } else if (size != int32_t(bytes)) {
    size = -1;
  }
}

void Worker::Impl::ArmBatchRead(Conn* c) {
  if (answer_size_.empty() || c->slots.empty() || c->link.ssl) return;
  int64_t total = 0;
  for (const Conn::Slot& s : c->slots) {
    const int32_t size = answer_size_[s.req];
    if (size <= 0) {
      total = 1;
      break;
    }
    total += size;
  }
  SetLowat(c, int32_t(std::clamp<int64_t>(total, 1, kMaxLowat)));
}

void Worker::Impl::BatchReadIncomplete(Conn* c) {
  if (c->lowat > 1) SetLowat(c, 1);
}

void Worker::Impl::SetLowat(Conn* c, int32_t bytes) {
  if (bytes == c->lowat) return;
  if (setsockopt(c->fd.get(), SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes) != 0) {
    bytes = 1;  // not supported: every answer is read on arrival, as without batch timing
  }
  lowat_waiting_ += int(bytes > 1) - int(c->lowat > 1);
  c->lowat = bytes;
}

int64_t Worker::Impl::LowatGraceNs() const { return std::max(kMinGraceNs, 2 * batch_ewma_ns_); }

void Worker::Impl::ExpireLowat(int64_t now) {
  if (lowat_waiting_ == 0) return;
  const int64_t grace = LowatGraceNs();
  for (Lane& l : lanes_) {
    for (Conn* c = l.head; c && lowat_waiting_ > 0 && now - c->send_ns >= grace; c = c->next) {
      if (c->lowat > 1) SetLowat(c, 1);
    }
  }
}

}  // namespace vitals
