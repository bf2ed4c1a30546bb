// Private to the load worker: the connection slot (Worker::Conn) and the worker's event loop
// (Worker::Impl), shared by the files that implement it along its seams:
//   worker.cc           the loop, the open and closed schedules, dispatch
//   worker_conn.cc      connection lifecycle: connect, TLS handshake, writes, reads and parsing
//   worker_outcomes.cc  completions and failures, pipelined batches, intervals, noise probe
//   worker_h2.cc        HTTP/2: connections carrying many streams, one slot per stream
// Not a public header: only src/load/worker*.cc include it.
#pragma once

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "load/h2_session.h"
#include "load/http_response_parser.h"
#include "load/worker.h"
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
  uint32_t answer_bytes = 0;  // bytes of the answer being parsed, so far
  int32_t lowat = 1;          // SO_RCVLOWAT on fd (1: the kernel's default, wake on any byte)
  // HTTP/2 (WorkerConfig::http2): this slot is one stream of connection `h2`
  // (h2conns_[index / streams]); it joined the connection's generation h2_gen.
  H2Conn* h2 = nullptr;
  uint32_t h2_gen = 0;
  bool parked = false;  // over the server's stream limit: unused until the connection ends
  uint8_t retries = 0;  // the request was refused (GOAWAY / REFUSED_STREAM) and sent again
  H2Stream stream;
  int status() const { return h2 ? stream.status : parser.status(); }
};

// One HTTP/2 connection: the socket, its TLS link and its nghttp2 session, shared by the
// slots (streams) that joined it.
struct Worker::H2Conn {
  enum State : uint8_t { kClosed, kConnecting, kHandshaking, kSettings, kReady, kDraining };
  Fd fd;
  Link link;
  State state = kClosed;
  bool want_write = false;
  bool dirty = false;  // in h2_dirty_: has bytes to write or slots to let in
  uint32_t index = 0;
  uint32_t gen = 0;
  uint32_t limit = 1;   // streams it lets slots use (--streams, or the server's limit)
  uint32_t joined = 0;  // slots using it (idle or busy)
  int64_t connect_ns = 0;
  int64_t handshake_ns = 0;
  std::unique_ptr<H2Session> session;
  std::string out;  // bytes produced by the session, out[out_off..] not yet written
  size_t out_off = 0;
  std::vector<Conn*> waiting;  // slots waiting for it to be ready (with or without a request)
};

class Worker::Impl {
  static constexpr int kMaxEvents = 512;
  static constexpr size_t kReadBuf = 64 * 1024;
  static constexpr int64_t kTickNs = 10'000'000;        // closed-model level check, retry pacing
  static constexpr int64_t kPublishNs = 100'000'000;    // progress counters
  static constexpr int64_t kRetryDelayNs = 10'000'000;  // after a failed connect (closed model)
  static constexpr int kDefaultStreams = 100;           // HTTP/2 streams per connection (cap)
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
    if (cfg.http2) {
      streams_ = uint32_t(cfg.streams > 0 ? cfg.streams : kDefaultStreams);
      h2_limit_ = streams_;
      h2_limit_known_ = cfg.streams > 0;
      h2conns_.resize(size_t(std::max(cfg.max_connections, cfg.connections)));
      for (size_t i = 0; i < h2conns_.size(); ++i) h2conns_[i].index = uint32_t(i);
    }
    if (cfg.pipeline_batch_timing) {
      answer_size_.assign(cfg.requests.size(), 0);
      lowat_shrinks_.assign(cfg.requests.size(), 0);
    }
    conns_.resize(size_t(std::max(cfg.max_connections, cfg.connections)) * streams_);
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

  Status Run(int64_t start_ns);

 private:
  int64_t Now() const { return MonotonicNs() - start_ns_; }

  // ---- connection lists -------------------------------------------------
  void PushIdle(Conn* c) {
    c->state = Conn::kIdle;
    c->next_free = idle_;
    idle_ = c;
  }
  Conn* PopIdle() {
    for (;;) {
      Conn* c = idle_;
      if (!c) return nullptr;
      idle_ = c->next_free;
      // An HTTP/2 slot whose connection ended or is going away leaves it.
      if (c->h2 && H2Stale(c)) {
        H2Leave(c);
        PushClosed(c);
        continue;
      }
      return c;
    }
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
  bool ShouldStopSending(int64_t now, int64_t end_ns) const;

  int ClosedTarget(int64_t now) const;

  void DispatchOpen(int64_t now);

  void DispatchClosed(int64_t now);

  int64_t WakeTime(int64_t now, int64_t next_tick, int64_t next_publish, int64_t end_ns) const;

  // ---- connection lifecycle ---------------------------------------------
  static uint64_t Tag(const Conn* c) { return (uint64_t(c->gen) << 32) | c->index; }

  // Starts a connect; returns false (and counts the failure) if it failed at once.
  bool Open(Conn* c, int64_t now);

  void ConnectFailed(Conn* c, int err, int64_t now);

  // Gives connection c the request due at `due`.  c is idle (send now) or
  // connecting (sent when the connect completes).
  void Assign(Conn* c, int64_t due, int64_t now, uint16_t req, bool open);

  void Send(Conn* c, int64_t now);

  void WriteSome(Conn* c, int64_t now);

  // Registers (or drops) interest in writability: only while a write would block or a
  // handshake waits for it, so the request path makes no epoll_ctl calls.
  void WantWrite(Conn* c, bool on);

  void Handle(Conn* c, uint32_t ev);

  // The connection is ready for requests (TCP connected, TLS handshake done).
  void Connected(Conn* c, int64_t now);

  // ---- TLS handshake ----------------------------------------------------------
  void StartHandshake(Conn* c, int64_t now);

  void ContinueHandshake(Conn* c, int64_t now);

  // A handshake finished: its time, resumed or full, and the first one's parameters.
  void CountHandshake(const Link& link, int64_t started_ns, int64_t now);

  // Like a failed connect: the connection never became usable; its request (if any) fails
  // as tls_handshake, and the reason is kept for the summary.
  void HandshakeFailed(Conn* c, const std::string& message, int64_t now);

  void ReadSome(Conn* c, int64_t now);

  // ---- outcomes -------------------------------------------------------------
  // The answer of a pipelined batch's head arrived; the connection stays in flight for the
  // rest of the batch and the parser moves to the next request.
  void CompleteHead(Conn* c, int64_t now);

  void Complete(Conn* c, int64_t now, bool reuse);

  // Pipelining: the request just assigned to c plus up to pipeline - 1 more of the closed
  // model's sequence (within --requests), written as one batch.
  void FillBatch(Conn* c);

  // Fails the requests of c's batch after its head (never answered), and forgets the batch.
  // `e` == kNone: counted as failed requests only (the cause is counted elsewhere).
  void FailRest(Conn* c, NetError e, int64_t now);

  void RecordCompletion(Conn* c, int64_t now);

  // ---- batch timing (WorkerConfig::pipeline_batch_timing, worker_batch_reads.cc) ----
  // An answer of request `req` was `bytes` long: the request's mark is the smallest answer
  // seen (answers that close the connection are not counted).
  void LearnAnswerSize(uint16_t req, uint32_t bytes, bool keep_alive);
  // At a batch's send: the low-water mark for the whole batch, or 1 when a size is unknown.
  void ArmBatchRead(Conn* c);
  // The mark back to 1 (wake on any byte): after a read that left the batch incomplete
  // (answers longer than learned: the rest is read on arrival), or when c goes idle (bytes a
  // server sends unasked are noticed at once).
  void DropLowat(Conn* c);
  void SetLowat(Conn* c, int32_t bytes);
  // A batch whose answers came out shorter than learned never reaches its mark: after a
  // grace the mark drops to 1 (checked every half grace, 1..10 ms, while any is set).
  void ExpireLowat(int64_t now);

  // The closed-model level changes slowly; recompute it at most once a tick.
  int ClosedTargetCached(int64_t now);

  // A connection became free (idle, or closed and reopenable): the open
  // model's backlog may use it at once, and the closed model reopens a
  // connection the server closed without waiting for the next tick.
  void AfterFree(int64_t now);

  // Sending can fail and close connections, which calls AfterFree: the guard
  // keeps that from recursing.
  void Dispatch(int64_t now, bool closed = true);

  // Request of the mix for sequence number `seq` (the global request number in the open
  // model, a per-worker counter in the closed one).  A golden-ratio sequence instead of
  // random draws: every window of the run gets the weights' shares almost exactly.
  uint16_t PickRequest(uint64_t seq) const;

  void CountRequestFailure(int phase, uint16_t req, int64_t now);

  void RecordFailure(int phase, uint16_t req, NetError e, int64_t now);

  // A request whose connection failed to open (the errno is already counted).
  void FailUnsent(int64_t due, uint16_t req, int64_t now);

  // ---- reporting intervals ------------------------------------------------
  // The cell of (phase, request) in the interval that holds `now` (completion time).
  LiveCell& Cell(int phase, uint16_t req, int64_t now);

  // ---- noise probe (load/noise.h) -------------------------------------------
  // The loop's lateness behind its own deadline, then the next deadline one period from now
  // (not from the missed one: a stall gives one large sample, not a burst of catch-ups).
  void Probe(int64_t now);
  Histogram& ProbeHistogram(std::optional<Histogram>* h, int64_t now);

  // Hands the finished interval's cells to the engine and starts the one holding `now`.
  void RollInterval(int64_t now);

  void HandOver(bool final);

  void Fail(Conn* c, NetError e, int64_t now);

  void FailParse(Conn* c, ResponseParser::Error e, int64_t now);

  void Close(Conn* c, int64_t now);

  void ExpireTimeouts(int64_t now);

  void Publish();

  // ---- HTTP/2 (worker_h2.cc) ----------------------------------------------
  static uint64_t H2Tag(const H2Conn* pc) {
    return (uint64_t(pc->gen) << 32) | pc->index | kH2TagBit;
  }
  // Converts the mix to HTTP/2 requests and sizes the connections.
  Status H2Init();
  // Open() for an HTTP/2 slot: joins its connection (connecting it if closed); the slot is
  // let in when the connection is ready (H2Flush).
  bool H2Join(Conn* c, int64_t now);
  bool H2Connect(H2Conn* pc, int64_t now, int* err);
  // The slot stops using its connection (cancels its stream if one is open).
  void H2Leave(Conn* c);
  bool H2Stale(const Conn* c) const {
    return c->h2_gen != c->h2->gen || c->h2->state != H2Conn::kReady;
  }
  void H2Handle(H2Conn* pc, uint32_t ev);
  void H2Start(H2Conn* pc, int64_t now);
  void H2Read(H2Conn* pc, int64_t now);
  void H2Events(H2Conn* pc, int64_t now);
  // Send() for an HTTP/2 slot: opens a stream for its request.
  void H2Submit(Conn* c, int64_t now);
  // A request the server refused unprocessed goes again, on a new connection after a GOAWAY.
  void H2Retry(Conn* c, int64_t now);
  void H2MarkDirty(H2Conn* pc) {
    if (pc->dirty) return;
    pc->dirty = true;
    h2_dirty_.push_back(pc);
  }
  // Lets waiting slots in and writes what the sessions produced (once per loop turn).
  void H2FlushDirty(int64_t now);
  void H2Flush(H2Conn* pc, int64_t now);
  void H2WantWrite(H2Conn* pc, bool on);
  // The connection ended: streams in flight fail with `e` (`detail` kept for the summary);
  // slots waiting for it move to a new connection if it had been ready, else fail.
  void H2Down(H2Conn* pc, NetError e, const std::string& detail, int64_t now);

  static constexpr uint64_t kH2TagBit = 0x80000000u;

  Worker& owner_;
  const WorkerConfig cfg_;
  int64_t start_ns_ = 0;
  LoadStats& stats_;
  WorkerProgress& progress_;
  EventLoop* loop_ = nullptr;
  std::unique_ptr<TlsClient> tls_;  // https only
  std::vector<Conn> conns_;
  std::vector<char> buf_;
  // Batch timing: per request of the mix, its smallest answer in bytes (0 unknown, -1 read on
  // arrival) and how often its answers shrank; connections with a mark above 1; smoothed
  // batch latency (for the grace period).
  std::vector<int32_t> answer_size_;
  std::vector<int> lowat_shrinks_;
  int lowat_waiting_ = 0;
  int64_t next_lowat_check_ns_ = 0;
  int64_t batch_ewma_ns_ = 0;
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
  // HTTP/2.
  uint32_t streams_ = 1;   // slots per connection (1 for HTTP/1.1)
  uint32_t h2_limit_ = 1;  // the smallest stream limit a connection got (closed-model level)
  // Until a server's SETTINGS say how many streams it allows (no --streams), the closed model
  // keeps one request per connection rather than queueing more than the server takes.
  bool h2_limit_known_ = true;
  std::vector<H2Conn> h2conns_;
  std::vector<H2Request> h2_requests_;  // by request of the mix
  std::vector<H2Conn*> h2_dirty_;
  std::vector<H2Event> h2_events_;  // scratch for H2Events
  // Noise probe.
  int64_t next_probe_ = 0;
  WorkerNoise probe_;  // the current interval's samples
};

}  // namespace vitals
