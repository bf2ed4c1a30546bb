// One event loop of the test target: owns a listening socket (its own, bound
// with SO_REUSEPORT when there are several workers), the connections it
// accepts, a timer heap of delayed responses, a PRNG and a ThreadMetrics.
//
// Nothing on the request path is shared with other workers; the only shared
// state is the immutable WorkerShared and the stop flag.
// Thread-safety: Run() on one thread; Wake() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "net/socket.h"
#include "net/tls_server.h"
#include "net/transport.h"
#include "target/byte_buffer.h"
#include "target/h2_server.h"
#include "target/http_request_parser.h"
#include "target/leak.h"
#include "target/metrics.h"
#include "target/modes.h"
#include "target/response.h"
#include "target/ring_queue.h"
#include "target/rng.h"
#include "target/target_options.h"
#include "target/timer_heap.h"

namespace vitals::detail {

// Read-only state shared by all workers (plus the stop flag).
struct WorkerShared {
  WorkerShared(const TargetOptions& o) : options(o), canned(o.body_bytes, o.error_status) {}
  TargetOptions options;
  CannedResponses canned;
  int64_t start_ns = 0;                           // MonotonicNs() when the target began listening
  double process_start_s = 0;                     // unix seconds, for process_start_time_seconds
  std::vector<const ThreadMetrics*> all_metrics;  // every worker's, for /metrics
  std::unique_ptr<TlsServer> tls;                 // --tls; null for plain HTTP
  std::vector<const ThreadModes*> all_modes;      // every worker's, when a mode is on
  const Leaker* leaker = nullptr;                 // --leak
  std::atomic<bool> stop{false};
};

// What GET /metrics answers: RenderPrometheus, then the process_* metrics and those of the
// modes (leak, cache, backend).  Defined in modes.cc.
std::string RenderTargetMetrics(const WorkerShared& shared);

class Worker {
 public:
  // `listen_fd` is a bound, listening, non-blocking socket.
  Worker(const WorkerShared* shared, ThreadMetrics* metrics, Fd listen_fd, uint64_t seed);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  Status Init();  // creates the epoll set and the wake-up eventfd
  void Run();     // until shared->stop is set and Wake() called
  void Wake();    // thread-safe
  // Before Run(): this worker's mode state (--cache, --redis, --postgres), owned elsewhere.
  void AttachModes(ThreadModes* modes) { modes_ = modes; }

 private:
  enum class Route : uint8_t { kDefault, kHealthz, kMetrics, kBadRequest, kBackend };
  struct Pending {
    int64_t arrival_ns = 0;
    int64_t latency_ns = 0;
    int64_t due_ns = 0;
    Series* series = nullptr;
    const char* reason = "";  // kBadRequest; kBackend: the body's label
    int64_t rows = -1;        // kBackend: the body is the row count when >= 0
    uint16_t status = 200;
    Route route = Route::kDefault;
    ConnMode mode = ConnMode::kKeepAlive11;
    bool head_only = false;
    int32_t stream_id = 0;  // HTTP/2
  };
  struct Connection {
    Fd fd;
    Link link;                 // plain, or TLS once the handshake is done
    bool handshaking = false;  // TLS handshake in progress
    uint32_t index = 0;        // in connections_
    uint32_t generation = 0;
    uint32_t interest = 0;
    ByteBuffer in, out;
    RequestParser parser;
    RingQueue<Pending> queue;  // answered in order (pipelining)
    Pending awaiting_body;
    int64_t body_to_skip = 0;
    int64_t armed_due_ns = INT64_MAX;  // earliest kDue timer in the heap for this connection
    Series* cached_series = nullptr;
    bool stop_parsing = false;   // a request that ends the connection is queued
    bool close_pending = false;  // its response is written: close when out drains
    bool peer_closed = false;    // read returned 0
    bool lingering = false;      // write side shut; discarding input until EOF or timeout
    // HTTP/2 (--http2): the session, and the requests waiting for their due time (answered
    // in any order; at most H2ServerSession::kMaxStreams).
    std::unique_ptr<H2ServerSession> h2;
    std::vector<Pending> h2_pending;
    std::string h2_out;
  };
  // epoll tokens: the listener, the wake-up eventfd, then connections as
  // (generation << 32 | index + 2) so an event for a closed, reused slot is
  // recognised as stale.
  static constexpr uint64_t kListenToken = 0, kWakeToken = 1, kFirstConnectionToken = 2;
  enum class TimerKind : uint8_t { kDue, kLinger, kAcceptResume };
  struct TimerPayload {
    Connection* conn;
    uint32_t generation;
    TimerKind kind;
  };

  void Accept(int64_t now);
  bool Handshake(Connection& c);  // false: connection closed
  void OnConnectionEvent(Connection& c, uint32_t events, int64_t now);
  bool ReadInput(Connection& c);  // false: connection closed
  void Drive(Connection& c, int64_t now);
  // HTTP/2 (worker_h2.cc): feeds what was read to the session, queues complete requests,
  // answers the due ones and writes what the session produced.
  void DriveH2(Connection& c, int64_t now);
  void ParseRequests(Connection& c, int64_t now);
  Pending RouteRequest(Connection& c, const RequestHead& head, int64_t now);
  void ApplyModes(Pending& p, int64_t now);  // --cache, --redis, --postgres
  void Enqueue(Connection& c, const Pending& p, int64_t now);
  bool FlushReady(Connection& c, int64_t now);
  void WriteResponse(Connection& c, const Pending& p);
  bool SendOut(Connection& c);  // false: connection broken
  void UpdateInterest(Connection& c);
  void BeginLinger(Connection& c, int64_t now);
  void ArmFor(Connection& c, int64_t due_ns);
  void Close(Connection& c);
  void RunTimers(int64_t now);
  bool EpollSet(int op, int fd, uint32_t events, uint64_t token);
  static uint64_t Token(const Connection& c) {
    return (uint64_t(c.generation) << 32) | (uint64_t(c.index) + kFirstConnectionToken);
  }
  Series* SeriesFor(Connection& c, std::string_view method, std::string_view path, int code);

  const WorkerShared* shared_;
  ThreadMetrics* metrics_;
  Fd listen_fd_;
  Fd wake_fd_;
  Fd epoll_fd_;
  FastRng rng_;
  TimerHeap<TimerPayload> timers_;
  std::vector<std::unique_ptr<Connection>> connections_;  // never shrinks; slots reused
  std::vector<Connection*> free_;
  bool accept_paused_ = false;
  ThreadModes* modes_ = nullptr;
};

}  // namespace vitals::detail
