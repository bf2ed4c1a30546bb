// The coordinator protocol's sockets (load/coord_protocol.h frames over TCP), for both ends:
// `vitals coordinate` listens and polls many FrameConns; `vitals load --coordinator` connects
// one.  Blocking sends with a send timeout (a peer that stops reading is a lost peer, never a
// hung process); receives are polled.
//
// Thread-safety: a FrameConn may be sent on from one thread while another receives; two
// senders need their own lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "load/coord_protocol.h"

namespace vitals::cli {

struct HostPort {
  std::string host;  // without IPv6 brackets
  uint16_t port = 0;
};
// "HOST:PORT", "[::1]:PORT" or ":PORT" (all addresses).  InvalidArgument names `flag`.
Result<HostPort> ParseHostPort(const std::string& flag, const std::string& text);
// True for 127.0.0.0/8, ::1 and "localhost": no token needed there.
bool IsLoopbackHost(const std::string& host);

class FrameConn {
 public:
  explicit FrameConn(int fd) : fd_(fd) {}
  FrameConn(FrameConn&& o) noexcept
      : fd_(o.fd_), reader_(std::move(o.reader_)), closed_why_(std::move(o.closed_why_)) {
    o.fd_ = -1;
  }
  FrameConn& operator=(FrameConn&&) = delete;
  FrameConn(const FrameConn&) = delete;
  ~FrameConn();

  // Connects to host:port, retrying a refused connection every 250 ms, until timeout_ms has
  // passed.  Unavailable says what failed last and that the coordinator is not reachable.
  static Result<FrameConn> Connect(const HostPort& to, int64_t timeout_ms);

  Status Send(FrameKind kind, const nlohmann::json& payload);
  // Waits up to timeout_ms for a whole frame: nullopt on timeout; Unavailable when the peer
  // closed (or the stream broke); InvalidArgument for a bad frame.
  Result<std::optional<Frame>> Receive(int64_t timeout_ms);
  // For poll loops: reads what the socket holds now, then Next() hands out the complete
  // frames; once they are taken and the peer has closed (or the stream broke), Next()
  // returns Unavailable saying so (and whether a frame was cut short).
  void ReadAvailable();
  Result<std::optional<Frame>> Next();
  void set_max_payload(uint32_t n) { reader_.set_max_payload(n); }
  // The peer closed or the stream broke (frames may still be buffered: see Next).
  bool closed() const { return !closed_why_.empty(); }
  void Close();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  FrameReader reader_;
  std::string closed_why_;
};

// A listening TCP socket.  Port 0 picks a free one (port() says which).
class FrameListener {
 public:
  static Result<FrameListener> Listen(const HostPort& at);
  FrameListener(FrameListener&& o) noexcept : fd_(o.fd_), port_(o.port_) { o.fd_ = -1; }
  FrameListener(const FrameListener&) = delete;
  ~FrameListener();
  // A pending connection (non-blocking accept), or nullopt; `peer` gets its address.
  std::optional<FrameConn> Accept(std::string* peer);
  int fd() const { return fd_; }
  uint16_t port() const { return port_; }

 private:
  FrameListener(int fd, uint16_t port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace vitals::cli
