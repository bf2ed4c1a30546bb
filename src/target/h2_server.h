// The HTTP/2 side of one target connection (vitals target --http2): an nghttp2 server session
// driven by the target worker's own loop.  Like the client (load/h2_session.h) it never
// touches the socket: the worker feeds it what it read and writes what it produces.
//
// Requests are taken once complete (headers and body, the body counted and dropped); the
// worker answers each when it is due, in any order (streams are independent), with
// Respond().  The session bounds what a client can make it hold: at most kMaxStreams
// concurrent streams (advertised in SETTINGS), a request header list of at most 64 KiB.
//
// Thread-safety: one session belongs to one worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

struct nghttp2_session;

namespace vitals {

struct H2ServerRequest {
  int32_t stream_id = 0;
  std::string method;
  std::string path;
  size_t header_bytes = 0;  // RFC 9113 accounting: name + value + 32 per field
};

class H2ServerSession {
 public:
  static constexpr uint32_t kMaxStreams = 100;

  // A server session; its first Produce() yields our SETTINGS.
  static Result<std::unique_ptr<H2ServerSession>> Create();
  ~H2ServerSession();
  H2ServerSession(const H2ServerSession&) = delete;
  H2ServerSession& operator=(const H2ServerSession&) = delete;

  // Processes bytes from the client.  Errors: the client broke the protocol (close it).
  Status Feed(const char* data, size_t len);
  // Complete requests since the last call (taken: the vector is the caller's to clear).
  std::vector<H2ServerRequest>& requests() { return requests_; }
  // Answers stream `id`; `body` must stay valid until the stream closes (canned bodies do),
  // or is moved into `owned` (then `body` is ignored).  A HEAD request gets no body.  A
  // stream the client already reset is ignored.
  void Respond(int32_t id, int status, std::string_view content_type, std::string_view body,
               bool head_only, std::string owned = {});
  // Appends what the session wants to write to *out (up to ~64 KiB per call).
  Status Produce(std::string* out);
  bool WantsWrite() const;
  // Both sides are done (the client sent GOAWAY, or a protocol error): close the connection.
  bool Over() const;

 private:
  H2ServerSession() = default;
  friend struct H2ServerCallbacks;
  struct Body {
    std::string owned;
    std::string_view data;
    size_t off = 0;
  };
  Body* AcquireBody();
  void ReleaseBody(Body* b);
  nghttp2_session* session_ = nullptr;
  // Response bodies in flight, pooled: no allocation per answer once warm, and freed with the
  // session whatever state its streams are in.
  std::vector<std::unique_ptr<Body>> bodies_;
  std::vector<Body*> free_bodies_;
  std::vector<H2ServerRequest> requests_;
  std::vector<H2ServerRequest> partial_;  // headers seen, waiting for END_STREAM
};

}  // namespace vitals
