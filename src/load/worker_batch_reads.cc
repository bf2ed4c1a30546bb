// Batch timing for pipelined HTTP/1.1 (WorkerConfig::pipeline_batch_timing).
//
// Why: a server like nginx writes each pipelined answer on its own, so a worker that reads on
// every wake-up reads a 16-deep batch about four to six times, and on loopback each of those
// reads also sends an ACK whose whole receive path runs in our thread (perf: ~30 % of the
// worker's CPU).  With the receive low-water mark set to the bytes the whole batch will bring,
// the kernel wakes us once per batch: one read, one ACK, about a quarter of the CPU per request
// (BENCHMARKS.md).  The price is the timing: every answer of the batch completes when the batch
// does, which is what wrk records for a pipelined batch (one latency, at its end); the default
// (per-answer timing) reads on arrival.
//
// The mark must never exceed what the batch brings, or the wake-up never comes.  It is the sum
// of the smallest answer seen for each request of the batch (answers that close the connection
// are not counted: their `Connection: close` makes them shorter, and the FIN wakes us anyway).
// Answers longer than that wake us early: the rest of the batch is read on arrival.  An answer
// shorter than any before leaves the mark unreached; after a grace of twice the smoothed batch
// latency (at least 1 ms, at most a quarter of the request's timeout, checked every half grace) the
// mark drops to 1 (a batch that is merely slow is then read on arrival too), and the short
// answers teach the smaller size.  A request whose answers shrink kMaxShrinks times is read on
// arrival for the rest of the run.
#include <sys/socket.h>

#include <algorithm>

#include "load/worker_impl.h"

namespace vitals {
namespace {

// tcp_set_rcvlowat caps the mark at half of tcp_rmem[2]; stay well below any setting.
constexpr int64_t kMaxLowat = 1 << 20;
constexpr int64_t kMinGraceNs = 1'000'000;
constexpr int kMaxShrinks = 8;

}  // namespace

void Worker::Impl::LearnAnswerSize(uint16_t req, uint32_t bytes, bool keep_alive) {
  if (answer_size_.empty() || !keep_alive) return;
  int32_t& size = answer_size_[req];
  if (size < 0) return;  // read on arrival for good
  const int32_t b = int32_t(std::min<uint64_t>(bytes, kMaxLowat));
  if (size == 0) {
    size = b;
  } else if (b < size) {
    // Shorter than any before: a batch armed with the old size may have waited for the
    // grace.  One that keeps shrinking is read on arrival from now on.
    size = ++lowat_shrinks_[req] >= kMaxShrinks ? -1 : b;
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

void Worker::Impl::DropLowat(Conn* c) {
  if (c->lowat > 1) SetLowat(c, 1);
}

void Worker::Impl::SetLowat(Conn* c, int32_t bytes) {
  if (bytes == c->lowat) return;
  // On failure the socket keeps its old mark and c->lowat still says so; ExpireLowat's grace
  // bounds any wait on it (setsockopt on a TCP socket does not fail in practice).
  if (setsockopt(c->fd.get(), SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes) != 0) return;
  lowat_waiting_ += int(bytes > 1) - int(c->lowat > 1);
  c->lowat = bytes;
}

void Worker::Impl::ExpireLowat(int64_t now) {
  // The walk visits every in-flight connection older than the grace: at most once per half
  // grace (1..10 ms), not on every turn of the loop.
  if (lowat_waiting_ == 0 || now < next_lowat_check_ns_) return;
  const int64_t grace = std::max(kMinGraceNs, 2 * batch_ewma_ns_);
  int64_t shortest = grace;
  for (Lane& l : lanes_) {
    const int64_t lane_grace = std::min(grace, std::max<int64_t>(l.timeout_ns / 4, 1));
    shortest = std::min(shortest, lane_grace);
    for (Conn* c = l.head; c && lowat_waiting_ > 0 && now - c->send_ns >= lane_grace; c = c->next) {
      if (c->lowat > 1 && c->state == Conn::kBusy) SetLowat(c, 1);
    }
  }
  next_lowat_check_ns_ = now + std::clamp<int64_t>(shortest / 2, kMinGraceNs, kTickNs);
}

}  // namespace vitals
