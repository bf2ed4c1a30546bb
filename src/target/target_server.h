// TargetServer: the built-in HTTP test target behind `vitals target`, usable
// in-process too (the demo and the load engine's tests start one).
//
// Start() validates the options, binds and listens on every worker's socket
// (so a port-0 request is resolved before it returns), then starts one event
// loop thread per worker.  The stall schedule's clock starts at that moment.
// Stop() (or the destructor) stops the loops, joins the threads and closes
// every socket; responses still delayed at that point are dropped.
//
// Routes: /metrics (Prometheus text; never delayed, stalled or errored),
// /healthz (200 "ok" at once); any other path answers 200 with the
// configured body, or the injected error status, after the sampled latency
// and any stall.  Worker threads inherit the caller's signal mask: a process
// that handles SIGINT/SIGTERM on one thread should block them before Start().
// The failure modes of options.leak / cache / backend (docs/target.md) start
// here too: the leak's thread, each worker's cache share, and each worker's
// backend connection (connected before Start returns).
//
// Errors from Start: InvalidArgument for bad options or a non-loopback
// address without allow_external; Io when the socket cannot be bound (the
// message names the address and suggests another port); Unavailable when a
// --redis / --postgres backend cannot be reached (its password masked).
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "target/leak.h"
#include "target/listen_address.h"
#include "target/metrics.h"
#include "target/target_options.h"

namespace vitals {

namespace detail {
struct WorkerShared;
class Worker;
class ThreadModes;
}  // namespace detail

class TargetServer {
 public:
  static Result<std::unique_ptr<TargetServer>> Start(const TargetOptions& options);
  ~TargetServer();
  TargetServer(const TargetServer&) = delete;
  TargetServer& operator=(const TargetServer&) = delete;

  // The bound address (port resolved when 0 was asked for).
  const ListenAddress& address() const { return address_; }
  uint16_t port() const { return address_.port(); }
  // "http://HOST:PORT/", or "https://HOST:PORT/" with --tls.
  std::string url() const;
  // MonotonicNs() at which stall schedule time 0 lies.
  int64_t start_ns() const;

  // Idempotent; returns once every worker thread has exited.
  void Stop();

  // What GET /metrics answers right now.
  std::string RenderMetrics() const;
  // Requests answered so far (all threads, all routes).
  MetricsTotals Totals() const;

 private:
  TargetServer();
  ListenAddress address_;
  std::unique_ptr<detail::WorkerShared> shared_;
  std::vector<std::unique_ptr<ThreadMetrics>> metrics_;
  std::vector<std::unique_ptr<detail::ThreadModes>> modes_;  // --cache / --redis / --postgres
  std::unique_ptr<Leaker> leaker_;                           // --leak
  std::vector<std::unique_ptr<detail::Worker>> workers_;
  std::vector<std::thread> threads_;
  std::mutex stop_mu_;
};

}  // namespace vitals
